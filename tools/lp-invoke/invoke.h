/* lp-invoke internals shared by main.c (options), local.c (--platform
 * local) and, when present, aws.c (--platform aws) and serve.c (the
 * `serve` subcommand).  Those two are optional: main.c calls them through
 * weak symbols, so adding the file is all it takes. */
#ifndef LP_INVOKE_H
#define LP_INVOKE_H

#include <stddef.h>

#include "ndjson.h"

struct inv_opts {
	const char *func, *impl, *arch, *platform;
	long cold, warm, memory_mb;
	double timeout_s, init_timeout_s;
	const char *event_file;   /* NULL: NDJSON events on stdin */
	const char **env;         /* --env K=V, NULL-terminated */
	size_t nenv;
	int cold_cache;
	int no_cgroup;
	int no_counters;
	const char *log_file;     /* NULL: stderr */
	const char *workdir;      /* NULL: a fresh dir under $TMPDIR or /tmp */
	const char *region, *handler;
	const char *client_context, *cognito_identity;
	const char *target;       /* TASKROOT or BOOTSTRAP; --platform aws: FUNCTION name */
	const char *endpoint;     /* --platform aws: --endpoint URL (NULL: AWS's) */
	const char *zip;          /* --platform aws: --zip FILE, code for --arch */
	int memory_set;           /* --memory given (aws: change the function's) */
};

/* Events (events.c): --event FILE for every invocation, else NDJSON on
 * stdin.  Input errors exit 2 with the file and line. */
struct inv_events {
	char *fixed;        /* --event: the file's bytes */
	size_t fixed_len;
	nd_reader *in;      /* stdin NDJSON */
};
void inv_events_open(struct inv_events *ev, const char *event_file);
/* Next event into *buf (malloc'd), 0 at end of input. */
int inv_next_event(struct inv_events *ev, char **buf, size_t *len);
void inv_events_close(struct inv_events *ev);

int invoke_local(const struct inv_opts *o);
/* Optional, in aws.c / serve.c. */
int invoke_aws(const struct inv_opts *o) __attribute__((weak));
int invoke_serve(int argc, char **argv) __attribute__((weak));
int invoke_deploy(int argc, char **argv) __attribute__((weak));

#endif
