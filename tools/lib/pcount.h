/* pcount — per-phase perf_event_open counters on a process tree.  Prefix: pc_.
 *
 * pc_open() opens one counter per event on a pid that has not exec'd yet
 * (enable_on_exec, inherit: the bootstrap and every thread/child it makes
 * are counted from its execve on).  pc_read() takes an absolute snapshot;
 * pc_delta() turns two snapshots into one phase's numbers.  An event the
 * machine cannot count (no hardware PMU in a VM, no tracefs, no permission)
 * stays unopened and every sample carries "null + reason" for it — never 0.
 *
 *   struct pc_set s; pc_open(&s, pid);          // child blocked before exec
 *   ... release the child ...
 *   struct pc_sample a, b, init, inv;
 *   pc_read(&s, &a);                            // at init end
 *   pc_read(&s, &b);                            // at invocation end
 *   pc_delta(&zero, &a, &init); pc_delta(&a, &b, &inv);
 *   json_object_set_new(rec, "init", pc_json(&init));
 *   pc_close(&s);
 */
#ifndef PCOUNT_H
#define PCOUNT_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

enum pc_id {
	PC_TASK_CLOCK,        /* "task_clock_ms" (software, ns counted -> ms) */
	PC_PAGE_FAULTS_MINOR, /* "page_faults_minor" */
	PC_PAGE_FAULTS_MAJOR, /* "page_faults_major" */
	PC_CONTEXT_SWITCHES,  /* "context_switches" */
	PC_SYSCALLS,          /* "syscalls" (tracepoint raw_syscalls:sys_enter) */
	PC_CYCLES,            /* "cycles" (hardware) */
	PC_INSTRUCTIONS,      /* "instructions" (hardware) */
	PC_CACHE_MISSES,      /* "cache_misses" (hardware) */
	PC_BRANCH_MISSES,     /* "branch_misses" (hardware) */
	PC_N
};

#define PC_REASON_MAX 160

struct pc_set {
	int fd[PC_N];                      /* -1 when not available */
	char reason[PC_N][PC_REASON_MAX];  /* why fd[i] is -1 */
};

struct pc_sample {
	int valid[PC_N];                   /* 1: v[i] measured */
	uint64_t v[PC_N];                  /* raw count (task clock in ns) */
	char reason[PC_N][PC_REASON_MAX];  /* why not valid */
};

/* JSON field name of counter i ("task_clock_ms", "syscalls", ...). */
const char *pc_name(int i);

/* Open every counter on pid (enable_on_exec, inherit, user+kernel).  Never
 * fails as a whole: unavailable counters get a reason.  Returns how many
 * counters opened. */
int pc_open(struct pc_set *s, pid_t pid);
/* Mark every counter unavailable with reason (no fds). */
void pc_none(struct pc_set *s, const char *reason);
/* Absolute values now. */
void pc_read(const struct pc_set *s, struct pc_sample *out);
/* An all-zero valid baseline matching s (counting starts at exec). */
void pc_zero(const struct pc_set *s, struct pc_sample *out);
/* out = b - a (invalid where either is invalid; reason copied). */
void pc_delta(const struct pc_sample *a, const struct pc_sample *b, struct pc_sample *out);
/* Every sample field invalid with reason. */
void pc_sample_null(struct pc_sample *out, const char *reason);
/* {"task_clock_ms": 1.2, "cycles": null, "cycles_reason": "...", ...} */
json_t *pc_json(const struct pc_sample *s);
void pc_close(struct pc_set *s);

/* Tracepoint id of SUBSYS:EVENT from tracefs (mounting tracefs at
 * /sys/kernel/tracing when it is not mounted and we may); -1 with a reason
 * in why[] when unknown. */
long pc_tracepoint_id(const char *subsys, const char *event, char *why, size_t whylen);

#endif
