/* main.c — the C bootstrap of a suite function: lprt's invocation loop
 * around the function's suite_handle().  Each function's c/main.c is one
 * line: #include "../../suite/main.c" (preceded by #define SUITE_INIT when
 * the function has an init step, int suite_init(void), run before the loop).  The response is written in jw's
 * canonical form, then handed to lprt (one copy). */
#include "lprt.h"
#include "suite.h"

static jw suite_out;

static int suite_lprt_handler(const char *event, size_t len, const lprt_ctx *ctx,
    lprt_buf *out, void *user)
{
	(void)ctx;
	(void)user;
	suite_out.len = 0;
	suite_out.oom = 0;
	if (suite_handle(event, len, &suite_out) || suite_out.oom)
		return lprt_fail(out, "OutOfMemory", "response buffer allocation failed");
	if (lprt_buf_append(out, suite_out.p, suite_out.len))
		return lprt_fail(out, "OutOfMemory", "response buffer allocation failed");
	return 0;
}

#ifdef SUITE_INIT
int suite_init(void);
#endif

int main(void)
{
#ifdef SUITE_INIT
	if (suite_init())
		return 1;
#endif
	return lprt_run(suite_lprt_handler, NULL);
}
