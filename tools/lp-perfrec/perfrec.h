/* lp-perfrec internals: one cold start's collection (collect.c), the
 * aggregate over all cold starts and its outputs (report.c), the
 * allocation shim's page (alloc.c). */
#ifndef PERFREC_H
#define PERFREC_H

#include <jansson.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

#include "allocshm.h"
#include "flame.h"
#include "psample.h"
#include "symbolize.h"

enum { PH_INIT, PH_INVOKE, PH_N };
extern const char *const ph_name[PH_N];

struct hotspot {
	char *key;
	const char *symbol;   /* NULL: unknown (reason) */
	const char *module;
	const char *file;
	int line;
	const char *reason;
	uint64_t self, total;
	uint64_t last;        /* sample serial that last counted total */
};

struct sysagg {
	uint64_t calls, errors, timed, unfinished;
	uint64_t time_ns;
};

struct allocsnap {
	int valid;
	struct lpa_shm v;
};

struct agg {
	fg_tree *tree[PH_N];
	struct hotspot *hs[PH_N];
	size_t nhs[PH_N], caphs[PH_N];
	json_t *hsidx[PH_N];           /* key -> index */
	uint64_t samples[PH_N];
	uint64_t samples_outside;      /* before exec or after the invocation */
	uint64_t samples_unknown_phase;/* cold starts without an init end */
	uint64_t init_ends;            /* cold starts that reached their first /next */
	uint64_t lost;
	uint64_t serial;
	struct sysagg *sys[PH_N];      /* by number, sn_count() entries + 1 other */
	uint64_t sys_events;
	uint64_t sys_lost;
	/* allocation counters summed over cold starts (peak: max) */
	int alloc_on;
	const char *alloc_reason;      /* non-NULL: alloc is null */
	uint64_t alloc_starts[PH_N];
	uint64_t alloc_calls[PH_N][LPA_NFN];
	uint64_t alloc_failed[PH_N], alloc_bytes[PH_N], alloc_class[PH_N][LPA_NCLASS];
	int64_t alloc_peak[PH_N];
	uint64_t alloc_not_loaded;
};

struct opts {
	const char *target, *func, *impl, *arch, *event_file, *out, *workdir;
	long cold, memory_mb, top;
	unsigned freq;
	int sample, syscalls, alloc, kernel, counters, no_cgroup;
	double timeout_s, init_timeout_s;
	const char **env;
	size_t nenv;
};

#define PR_MAXCPU 64

struct rbuf {
	unsigned char *b;
	size_t len, cap;
};

/* One cold start in flight: one sampling ring (and one syscall ring) per
 * online CPU, since inherited per-task events cannot be mmapped. */
struct run {
	const struct opts *o;
	int sampling;
	int ncpu, cpus[PR_MAXCPU];
	struct ps_event samp[PR_MAXCPU], sys[PR_MAXCPU];
	int sys_exit_fd[PR_MAXCPU];    /* sys_exit, output into sys[i]'s ring */
	int nsamp, nsys;
	int try_cycles;                /* in: 1 until cycles are known to fail */
	char event[24];                /* out: what was sampled */
	char fallback_reason[PS_REASON_MAX];
	char why[512];
	long tp_enter, tp_exit;
	struct rbuf sbuf[PR_MAXCPU], ybuf[PR_MAXCPU];
	pthread_t thread;
	int thread_on;
	int stop_fd;                   /* eventfd */
	uint64_t t_release, t_init_end, t_invoke_end;
	int init_seen, invoke_seen;
	struct lpa_shm *shm;
	char shm_path[128];
	struct allocsnap snap[PH_N];
	pid_t pid;
};

/* collect.c */
int run_pre_exec(void *arg, pid_t pid);
void run_init_end(void *arg, pid_t pid, uint64_t t_ns);
void run_invoke_end(void *arg, pid_t pid, unsigned long seq, uint64_t t_ns);
/* Stop the drain thread, drain the rest, close the events. */
void run_finish(struct run *r);
/* Fold one finished cold start into agg.  workdir/src: path remapping of
 * the sandbox's task root copy back to the original. */
void run_process(struct run *r, struct agg *a, sym_ctx *sc, const char *workdir,
    const char *src);
void run_free(struct run *r);
/* Zero r for a new cold start. */
void run_init(struct run *r, const struct opts *o, long tp_enter, long tp_exit, int try_cycles);

/* alloc.c */
const char *alloc_shim_path(void);
/* NULL when the target can load a preload shim, else why not (static). */
const char *alloc_static_reason(const char *target);
int alloc_shm_create(struct run *r, unsigned long n, char *why, size_t whylen);
void alloc_snapshot(struct run *r, int phase);
void alloc_fold(struct run *r, struct agg *a);
void alloc_shm_destroy(struct run *r);

/* report.c */
void agg_init(struct agg *a);
void agg_free(struct agg *a);
/* frames root first; kernel[i]: frame i is kernel code. */
void agg_sample(struct agg *a, int phase, const struct sym_frame *frames,
    const int *kernel, size_t n);
json_t *base_record(const char *type, const struct opts *o);
void write_hotspots(struct agg *a, const struct opts *o, FILE *f, long top);
void write_syscalls(struct agg *a, const struct opts *o, FILE *f, long cold_ok);
void write_alloc(struct agg *a, const struct opts *o, FILE *f);

#endif
