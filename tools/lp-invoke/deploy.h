/* deploy.h — lp-invoke's deployment helpers (deploy.c), shared with
 * --platform aws (aws.c): put a zip as a function's code. */
#ifndef LP_INVOKE_DEPLOY_H
#define LP_INVOKE_DEPLOY_H

#include <stddef.h>

#include "awsapi.h"

/* UpdateFunctionCode with the zip at path (and Architectures [arch] when
 * arch is not NULL), then wait for LastUpdateStatus Successful.  0 ok,
 * -1 with err. */
int deploy_put_code(struct aws_client *c, const char *name, const char *zip_path,
    const char *arch, double deadline_ms, char *err, size_t errlen);

#endif
