/* coldstart — drive one Lambda execution environment through the local
 * Lambda service: spawn the bootstrap in a sandbox, wait for its init (the
 * first /next), hand it events, collect per-invocation results and the
 * per-phase counters.  Prefix: cs_.  Used by lp-invoke, lp-perfrec and
 * `lp-invoke serve` (one thread per environment; no global state).
 *
 *   cs_env *e = cs_start(&cfg, &hooks, err, sizeof err); // spawn + init
 *   struct cs_result r;
 *   while (more events && cs_invoke(e, ev, len, &r) == 0) {
 *           json_t *rec = cs_result_json(&cfg, &r); ... cs_result_free(&r);
 *   }
 *   cs_end(e);   // waits (<= post_wait_s) for the runtime's next /next,
 *                // then kills the environment (Lambda freezes and later
 *                // discards it) and removes its copies and cgroup
 *
 * cs_start returns NULL only when the environment could not be built at all
 * (copy, fork, server): err says why, exit 3 is the right answer.  A
 * runtime that fails its init is not an error of cs_start: the next
 * cs_invoke reports it (status init_error / init_timeout / runtime_exit /
 * oom) without handing out the event.
 *
 * Timing (CLOCK_MONOTONIC):  init_ms = sb_release (just before the child
 * may execve) -> the first /next's headers received;  duration_ms = the
 * event queued on the /next connection -> response or error received.
 *
 * Hooks for callers with their own instruments (lp-perfrec):
 *   pre_exec   in the parent after fork, the child blocked before execve:
 *              open perf events on pid with enable_on_exec here.  Return
 *              -1 to abort the start (cs_start then fails with err).
 *   init_end   synchronous, when the first /next arrived, before any event
 *              is handed out.
 *   invoke_end synchronous, when the response/error arrived (or the
 *              timeout/exit was seen), before the next event.
 *   extra_env  "K=V" strings added to the function's environment (e.g.
 *              LD_PRELOAD of an allocation shim, a shm segment name).
 *   counters   0: do not open lp's own perf counters (records then carry
 *              null counters with reason "counters disabled by caller").
 */
#ifndef COLDSTART_H
#define COLDSTART_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "pcount.h"

enum cs_status {
	CS_OK,
	CS_ERROR,        /* /error posted (error_type), or response over 6 MB */
	CS_TIMEOUT,      /* no response within timeout_s: process killed */
	CS_INIT_TIMEOUT, /* no first /next within init_timeout_s */
	CS_INIT_ERROR,   /* /init/error posted */
	CS_RUNTIME_EXIT, /* the runtime exited or died (exit_code / signal) */
	CS_OOM,          /* killed by the memory cgroup's OOM killer */
};
const char *cs_status_name(enum cs_status st); /* "ok", "timeout", ... */

struct cs_hooks {
	void *arg;
	int (*pre_exec)(void *arg, pid_t pid);
	void (*init_end)(void *arg, pid_t pid, uint64_t t_ns);
	void (*invoke_end)(void *arg, pid_t pid, unsigned long seq, uint64_t t_ns);
};

struct cs_config {
	/* record labels */
	const char *run_id, *func, *impl, *arch;
	/* the function */
	const char *src;               /* task root dir or bootstrap file */
	const char *workdir;           /* per-start copies (a fresh dir per start) */
	long memory_mb;                /* AWS_LAMBDA_FUNCTION_MEMORY_SIZE, limits */
	double timeout_s;              /* per invocation (Lambda default 3) */
	double init_timeout_s;         /* Lambda: 10 */
	double post_wait_s;            /* wait for the next /next before kill */
	int use_cgroup;                /* try memory limit + CPU quota */
	int cold_cache;                /* evict files from the page cache first */
	const char *const *evict_extra;/* more files to evict, NULL-terminated */
	int counters;                  /* 1: lp's own perf counters */
	const char *const *extra_env;  /* "K=V", NULL-terminated, may be NULL */
	const char *region;            /* AWS_REGION (default us-east-1) */
	const char *handler;           /* _HANDLER (default "bootstrap") */
	const char *client_context;    /* Lambda-Runtime-Client-Context or NULL */
	const char *cognito_identity;  /* Lambda-Runtime-Cognito-Identity or NULL */
	int log_fd;                    /* function output + START/END/REPORT; -1 discards */
	const volatile int *stop;      /* may be NULL; when *stop turns non-zero (a
	                                  signal handler), waits end early and the
	                                  environment is killed (status timeout,
	                                  error_type "lp.Interrupted") */
	struct cs_run *run;            /* NULL, or from cs_run_begin (one
	                                  environment at a time, one thread) */
};
/* Lambda's defaults (timeout 3 s, init 10 s, 128 MB, counters on...). */
void cs_config_defaults(struct cs_config *cfg);

struct cs_result {
	unsigned long seq;             /* 1-based within the environment */
	int cold;                      /* 1: the environment's first invocation */
	enum cs_status status;
	char request_id[37];
	char error_type[128];          /* "" when none */
	int exit_code;                 /* runtime_exit: code, -1 if signalled */
	int signal;                    /* runtime_exit: signal, 0 if none */
	double init_ms;                /* NAN when not measured (reason) */
	char init_ms_reason[128];
	double duration_ms;            /* NAN when not measured (reason) */
	char duration_ms_reason[128];
	long long max_memory_used_mb;  /* -1 when unknown (reason) */
	char max_memory_used_mb_reason[160];
	const char *memory_source;     /* "cgroup" or "proc", NULL when unknown */
	long rss_peak_kb;              /* -1 when unknown */
	int cpu_limited, memory_limited;
	char limits_reason[160];       /* why not limited */
	int cache_cold;                /* cold_cache eviction done for this env */
	int evicted_files;             /* files evicted before this start (cold_cache) */
	unsigned long bad_requests;    /* Runtime API requests answered 4xx so far */
	int private_tmp;               /* 1: /tmp was a private mount, 0: TMPDIR */
	struct pc_sample counters_init;   /* cold only (else all null, "warm start") */
	struct pc_sample counters_invoke;
	char *response;                /* response / error body, malloc'd or NULL */
	size_t response_len;
	uint64_t t_spawn_ns, t_init_end_ns, t_handed_ns, t_end_ns; /* 0 if none */
};

typedef struct cs_env cs_env;

cs_env *cs_start(const struct cs_config *cfg, const struct cs_hooks *hooks,
    char *err, size_t errlen);
pid_t cs_pid(const cs_env *e);
/* Run one invocation.  0: the environment can take another event;
 * 1: it is finished (the record says why).  *out is always filled. */
int cs_invoke(cs_env *e, const char *event, size_t len, struct cs_result *out);
/* Files the bootstrap mapped at init end (NULL-terminated, owned by e). */
char *const *cs_mapped_files(const cs_env *e);
void cs_end(cs_env *e);
void cs_result_free(struct cs_result *r);

/* For callers that run environments one after another from one thread
 * (lp-invoke local, lp-perfrec, benchmarks): what can be set up once per
 * run instead of once per cold start.  The calling process moves into its
 * own mount namespace with the run's directory on /tmp (open what you need
 * under /tmp before), and the task root (cfg->src) is copied once to a
 * read-only bind mount, as Lambda's /var/task is read-only (not with
 * cold_cache: those copies are per start).  Each environment still starts
 * with an empty /tmp: the directory is emptied before each start and
 * after each end.  Set cfg->run to the result; NULL with err on a file
 * error.  When the namespace cannot be made (not root, workdir under /tmp)
 * environments work as without a run.  cs_run_end removes it all (call
 * it after the last cs_end, also on the way out of a signal). */
typedef struct cs_run cs_run;
cs_run *cs_run_begin(const struct cs_config *cfg, char *err, size_t errlen);
/* 1: environments of this run share its mount namespace (why[] else). */
int cs_run_shared(const cs_run *r, const char **why);
void cs_run_end(cs_run *r);

/* Remove the cgroups that ended environments left for reuse (see
 * sb_destroy).  Runs at exit anyway; call it before re-raising a fatal
 * signal (a default-action signal skips atexit). */
void cs_cleanup(void);

/* The `invocation` record (docs/schema.md); platform "local". */
json_t *cs_result_json(const struct cs_config *cfg, const struct cs_result *r);

#endif
