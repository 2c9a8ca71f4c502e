/* sandbox — one Lambda-like execution environment on this machine.
 * Prefix: sb_.
 *
 * A sandbox is: a fresh copy of the task root, a fresh empty /tmp (a
 * private mount namespace with a bind mount over /tmp when we are root,
 * else a fresh directory named by TMPDIR), a complete environment given by
 * the caller (nothing inherited), a memory cgroup (v1 or v2) with the
 * memory limit and a CPU quota of memory_mb/1769 of one CPU when cgroups
 * are writable, and the bootstrap process itself.
 *
 *   struct sb s; sb_init(&s);
 *   sb_prepare(&s, &cfg, err, sizeof err);  // copy, tmp, cgroup (untimed)
 *   sb_fork(&s, envp, err, sizeof err);     // child blocked before exec
 *   ... caller: perf_event_open(s.pid) with enable_on_exec ...
 *   sb_release(&s, &t0);                    // t0 = CLOCK_MONOTONIC ns just
 *                                           // before the child may exec
 *   poll s.pidfd (readable when the process exits), s.out_fd (its output)
 *   sb_kill(&s); sb_reap(&s, &exit);        // SIGKILL the whole cgroup/group
 *   sb_destroy(&s);                         // remove copies and cgroup
 *
 * Every fd is O_CLOEXEC; the only global state is the cgroup pool (under a
 * mutex): several sandboxes may live in different threads.  Functions return 0 or -1 with a message in
 * err (they never exit). */
#ifndef SANDBOX_H
#define SANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Per run, for callers that run their sandboxes one at a time from one
 * thread (lp-invoke local, benchmarks).  sb_run_begin moves the calling
 * process into its own mount namespace with the run's tmp directory
 * bind-mounted on /tmp (so the caller's own /tmp is that directory from
 * then on: open what it needs under /tmp first), and copies the task root
 * once into a read-only bind mount (not with cold_cache).  Sandboxes given
 * the run skip their own namespace (/tmp is emptied before each start and
 * after each end) and, with the template, their copy.  Without root, with
 * a workdir under /tmp, or when unshare fails, ns is 0 with a reason and
 * sandboxes work as without a run.  -1 (err) only on file errors. */
struct sb_run {
	int ns;                /* 1: this process is in the run's mount namespace */
	char *dir;             /* the run's directory under workdir */
	char *tmpdir;          /* on /tmp (ns) */
	char *taskroot;        /* read-only task root, or NULL (copies per start) */
	char why[160];         /* why ns is 0 */
};
int sb_run_begin(struct sb_run *r, const char *src, const char *workdir, int cold_cache,
    char *err, size_t errlen);
void sb_run_end(struct sb_run *r);

struct sb_config {
	const char *src;       /* task root directory (with bootstrap) or a bootstrap file */
	const char *workdir;   /* where per-start copies go (created if missing) */
	long memory_mb;        /* limit + CPU quota when use_cgroup */
	int use_cgroup;        /* 1: try to create a cgroup with the limits */
	int cold_cache;        /* 1: evict task root + mapped files before start */
	const char *const *evict_extra; /* more files to evict (NULL-terminated), may be NULL */
	const struct sb_run *run; /* NULL, or the run this sandbox belongs to */
};

struct sb_exit {
	int exited;            /* 1: normal exit with code */
	int code;
	int signal;            /* > 0 when killed by a signal */
	int oom_killed;        /* the cgroup recorded an OOM kill */
	long maxrss_kb;        /* wait4 ru_maxrss of the bootstrap (tree) */
};

struct sb {
	pid_t pid;             /* bootstrap pid (after sb_fork), -1 */
	int pidfd;             /* readable when it exits, -1 */
	int out_fd;            /* read end: its stdout+stderr, O_NONBLOCK, -1 */
	char *root;            /* this start's directory under workdir */
	char *taskroot;        /* copy of the task root (LAMBDA_TASK_ROOT) */
	char *bootstrap;       /* taskroot/bootstrap */
	char *tmpdir;          /* fresh empty dir, mounted on /tmp when private_tmp */
	int private_tmp;       /* 1: the child sees tmpdir as /tmp */
	char *cg_mem;          /* memory cgroup dir or NULL */
	char *cg_cpu;          /* cpu cgroup dir (v1) or NULL */
	int cg_v2;             /* 1: cg_mem is a v2 cgroup (memory + cpu) */
	int cpu_limited;       /* 1: CPU quota in place */
	int mem_limited;       /* 1: memory limit in place */
	char cg_reason[160];   /* why there is no cgroup / no limit */
	int cache_cold;        /* 1: cold_cache eviction done */
	int released;
	int reaped;
	int gate_fd;           /* write end of the pipe the child waits on */
	int exec_err_fd;       /* read end: errno if execve failed */
	long memory_mb;
	int evicted_files;     /* files evicted from the page cache (cold_cache) */
	long tree_peak_kb;     /* largest process-tree peak RSS seen, -1 none */
	/* cgroup reuse (see sb_pool_drain) */
	int cg_pool_ok;        /* 1: the cgroups may go back to the pool */
	int cg_peak_fd;        /* v2: memory.peak fd that was reset, -1 */
	long long cg_base;     /* peak level right after the reset (bytes) */
	long long cg_oom_base; /* OOM kills counted before this environment */
	int run_tmp;           /* 1: tmpdir is the run's /tmp (sb_run) */
	int mstat_fd;          /* read end: the child's setup status, -1 */
	int ready;             /* 1: the child's setup status was read */
};

void sb_init(struct sb *s);
int sb_prepare(struct sb *s, const struct sb_config *cfg, char *err, size_t errlen);
/* fork; the child joins the cgroup, sets up /tmp, redirects stdout and
 * stderr to a pipe (s->out_fd), chdirs to the task root and blocks until
 * sb_release().  envp is the child's whole environment.  Returns without
 * waiting for the child's setup: private_tmp, the limits and cg_reason are
 * known after sb_fork_wait (sb_release calls it). */
int sb_fork(struct sb *s, char *const envp[], char *err, size_t errlen);
/* Wait for the child's setup (cgroups joined, /tmp); -1 if it died. */
int sb_fork_wait(struct sb *s, char *err, size_t errlen);
/* Let the child exec; *t_ns = CLOCK_MONOTONIC just before.  Does not wait
 * for the execve: -1 only when the child cannot be released. */
int sb_release(struct sb *s, uint64_t *t_ns, char *err, size_t errlen);
/* Call when exec_err_fd is readable (or after the child died): 0 when
 * execve succeeded, else its errno (the child then exits 127).  Closes
 * exec_err_fd. */
int sb_exec_check(struct sb *s);
/* SIGKILL the process group (and every task of the cgroup). */
void sb_kill(struct sb *s);
/* Reap (blocking; call after pidfd is readable or after sb_kill). */
int sb_reap(struct sb *s, struct sb_exit *ex);
/* Peak memory of the whole sandbox in bytes: the larger of the memory
 * cgroup's peak (*source = "cgroup") and the process tree's peak RSS from
 * /proc and wait4 (*source = "proc").  On a shared host the cgroup alone
 * undercounts: page cache that other cgroups loaded first (libc, ...) is
 * not charged again, while in Lambda's microVM it is.  -1 with a reason
 * when neither is readable. */
long long sb_memory_peak(struct sb *s, const char **source, char *why, size_t whylen);
/* Peak RSS (VmHWM) of the bootstrap process in kB, -1 when unreadable. */
long sb_rss_peak_kb(struct sb *s);
/* 1 when the cgroup counted an OOM kill since it was made. */
int sb_oom_killed(struct sb *s);
/* Files the running bootstrap maps (from /proc/PID/maps), NULL-terminated,
 * caller frees with sb_free_list.  Used to evict them on the next start. */
char **sb_mapped_files(struct sb *s);
void sb_free_list(char **list);
/* Kill if needed, reap, remove the copies; the cgroups go back to a
 * per-process pool for the next sandbox with the same memory size (their
 * memory peak and OOM count are reset relative to when taken, the CPU
 * quota rewritten) or, when they cannot be reused, are removed. */
void sb_destroy(struct sb *s);
/* Remove every pooled cgroup (thread-safe).  Runs at exit (atexit); call
 * it before re-raising a fatal signal.  Later sandboxes remove their
 * cgroups themselves. */
void sb_pool_drain(void);

#endif
