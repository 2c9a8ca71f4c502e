/* psample — sampling perf events on a process tree, and their ring buffer.
 * Prefix: ps_.
 *
 * ps_open_sampling() opens a sampling event on a pid that has not exec'd
 * yet (enable_on_exec, inherit: the bootstrap, its threads and children are
 * sampled from its execve on; inherited events write into this ring).  It
 * tries hardware cycles first and falls back to the cpu-clock software
 * event (a VM without a PMU); ev->event names what was opened and
 * ev->fallback_reason why cycles were not.  Samples carry
 * IP|TID|TIME|CALLCHAIN; mmap2, comm and task records come with
 * sample_id_all (pid, tid, time).  Time is CLOCK_MONOTONIC (use_clockid),
 * the clock of lp_now_ns(), so phase boundaries can be compared directly.
 *
 * ps_open_tracepoint() opens a tracepoint (raw_syscalls:sys_enter...) with
 * a sample per hit: TID|TIME|RAW.
 *
 * ps_drain() hands every complete record to a callback (wrapped records
 * are copied out contiguous) and frees the space.  PERF_RECORD_LOST is
 * counted into ev->lost (samples the kernel had to drop), never hidden.
 * Thread-safety: one thread drains one ps_event. */
#ifndef PSAMPLE_H
#define PSAMPLE_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PS_REASON_MAX 200

struct ps_event {
	int fd;                       /* -1 when closed */
	void *map;                    /* metadata page + data */
	size_t map_len;
	uint64_t data_size;           /* power of two */
	uint64_t sample_type;
	char event[24];               /* "cycles", "cpu-clock", "tracepoint" */
	char fallback_reason[PS_REASON_MAX]; /* why not cycles ("" if cycles) */
	uint64_t lost;                /* samples reported lost by the kernel */
	uint64_t lost_records;        /* PERF_RECORD_LOST records seen */
	unsigned char *scratch;       /* for records that wrap */
	size_t scratch_len;
};

/* data_pages: ring size in pages (power of two, 0 = 256). freq in Hz.
 * kernel: also sample kernel code (and its call chains).  -1 with why. */
/* cpu: the kernel refuses to mmap an inherited per-task event (cpu -1),
 * so a process tree is sampled with one event + ring per CPU (like perf
 * record).  try_cycles 0 skips the hardware attempt (already known to
 * fail: fallback_reason is then left empty). */
int ps_open_sampling(struct ps_event *ev, pid_t pid, int cpu, unsigned freq,
    int kernel, int try_cycles, unsigned data_pages, char *why, size_t whylen);
/* Online CPUs as a list of numbers in cpus[max]; returns how many (>= 1). */
int ps_online_cpus(int *cpus, int max);
/* The tracepoint with id tp_id (see pc_tracepoint_id), a sample per hit. */
int ps_open_tracepoint(struct ps_event *ev, pid_t pid, int cpu, long tp_id,
    unsigned data_pages, char *why, size_t whylen);
/* Route ev's records into out's ring (same pid and cpu); ev then needs no
 * drain.  data_pages (unsigned)-1 at open: no ring of its own. */
int ps_set_output(struct ps_event *ev, const struct ps_event *out,
    char *why, size_t whylen);

typedef void (*ps_record_cb)(void *arg, const struct perf_event_header *h);
/* Hand every complete record to cb; returns how many. */
size_t ps_drain(struct ps_event *ev, ps_record_cb cb, void *arg);
/* Stop counting (records already in the ring stay readable). */
void ps_disable(struct ps_event *ev);
void ps_close(struct ps_event *ev);

/* Sample layout for IP|TID|TIME|CALLCHAIN (the sampling event).  0 ok,
 * -1 when the record is too short. */
struct ps_sample {
	uint64_t ip;
	uint32_t pid, tid;
	uint64_t time;
	uint64_t nr;                  /* call chain entries */
	const uint64_t *ips;          /* points into the record */
	uint8_t cpumode;              /* PERF_RECORD_MISC_USER/KERNEL... */
};
int ps_parse_sample(const struct perf_event_header *h, struct ps_sample *s);

/* sample_id_all trailer of a non-sample record (TID|TIME for both kinds):
 * pid, tid, time.  0 ok, -1 when absent. */
int ps_record_id(const struct perf_event_header *h, uint32_t *pid,
    uint32_t *tid, uint64_t *time);

/* Tracepoint sample (TID|TIME|RAW): raw points at the tracepoint's data. */
struct ps_raw {
	uint32_t pid, tid;
	uint64_t time;
	uint32_t size;
	const unsigned char *raw;
};
int ps_parse_raw(const struct perf_event_header *h, struct ps_raw *r);

#endif
