/* pcount — see pcount.h. */
#include "pcount.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const names[PC_N] = {
	"task_clock_ms", "page_faults_minor", "page_faults_major",
	"context_switches", "syscalls", "cycles", "instructions",
	"cache_misses", "branch_misses",
};

const char *pc_name(int i) { return (i >= 0 && i < PC_N) ? names[i] : "?"; }

static int perf_open(struct perf_event_attr *a, pid_t pid)
{
	return (int)syscall(SYS_perf_event_open, a, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static int read_id(const char *path, long *id)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	int ok = fscanf(f, "%ld", id) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

long pc_tracepoint_id(const char *subsys, const char *event, char *why, size_t whylen)
{
	static const char *const roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[256];
	long id;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++) {
			snprintf(path, sizeof path, "%s/events/%s/%s/id", roots[i], subsys, event);
			if (read_id(path, &id) == 0)
				return id;
		}
		if (pass == 0) {
			/* tracefs is often not mounted in VMs and containers; as
			 * root, mount it where the kernel expects it. */
			struct stat st;
			if (stat("/sys/kernel/tracing", &st) != 0 ||
			    mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0) {
				snprintf(why, whylen, "tracefs not mounted and cannot be mounted at /sys/kernel/tracing: %s",
				    strerror(errno));
				return -1;
			}
		}
	}
	snprintf(why, whylen, "tracepoint %s:%s not found in tracefs", subsys, event);
	return -1;
}

/* Closing the last perf event on a tracepoint unregisters its probe, and
 * that waits for an RCU grace period (tens of ms): a cold start would pay it
 * at every teardown.  One disabled event on ourselves, open for the life of
 * the process, keeps the probe registered. */
static pthread_once_t anchor_once = PTHREAD_ONCE_INIT;
static long anchor_id = -1;

static void anchor_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (uint64_t)anchor_id;
	a.disabled = 1;
	(void)perf_open(&a, 0); /* deliberately kept open */
}

/* No hardware PMU (a VM): the answer does not change while we run, so the
 * four hardware events are not asked for again at every cold start. */
static pthread_mutex_t hw_mu = PTHREAD_MUTEX_INITIALIZER;
static int hw_absent;
static char hw_reason[PC_N][PC_REASON_MAX];

void pc_none(struct pc_set *s, const char *reason)
{
	for (int i = 0; i < PC_N; i++) {
		s->fd[i] = -1;
		snprintf(s->reason[i], PC_REASON_MAX, "%s", reason);
	}
}

int pc_open(struct pc_set *s, pid_t pid)
{
	static const struct { uint32_t type; uint64_t config; } ev[PC_N] = {
		{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK },
		{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN },
		{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ },
		{ PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES },
		{ PERF_TYPE_TRACEPOINT, 0 },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES },
		{ PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES },
	};
	static const char *const cfgname[PC_N] = {
		"PERF_COUNT_SW_TASK_CLOCK", "PERF_COUNT_SW_PAGE_FAULTS_MIN",
		"PERF_COUNT_SW_PAGE_FAULTS_MAJ", "PERF_COUNT_SW_CONTEXT_SWITCHES",
		"raw_syscalls:sys_enter", "PERF_COUNT_HW_CPU_CYCLES",
		"PERF_COUNT_HW_INSTRUCTIONS", "PERF_COUNT_HW_CACHE_MISSES",
		"PERF_COUNT_HW_BRANCH_MISSES",
	};
	int n = 0;
	for (int i = 0; i < PC_N; i++) {
		s->fd[i] = -1;
		s->reason[i][0] = '\0';
		struct perf_event_attr a;
		memset(&a, 0, sizeof a);
		a.size = sizeof a;
		a.type = ev[i].type;
		a.config = ev[i].config;
		if (i == PC_SYSCALLS) {
			long id = pc_tracepoint_id("raw_syscalls", "sys_enter", s->reason[i], PC_REASON_MAX);
			if (id < 0)
				continue;
			a.config = (uint64_t)id;
			anchor_id = id;
			pthread_once(&anchor_once, anchor_open);
		}
		if (a.type == PERF_TYPE_HARDWARE) {
			pthread_mutex_lock(&hw_mu);
			int absent = hw_absent;
			if (absent)
				memcpy(s->reason[i], hw_reason[i], PC_REASON_MAX);
			pthread_mutex_unlock(&hw_mu);
			if (absent)
				continue;
		}
		a.disabled = 1;
		a.enable_on_exec = 1;
		a.inherit = 1;
		a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
		int fd = perf_open(&a, pid);
		if (fd < 0) {
			int e = errno;
			const char *hint = "";
			if (a.type == PERF_TYPE_HARDWARE && (e == ENOENT || e == EOPNOTSUPP || e == ENODEV))
				hint = "no hardware PMU on this machine: ";
			else if (e == EACCES || e == EPERM)
				hint = "not permitted (perf_event_paranoid / CAP_PERFMON): ";
			snprintf(s->reason[i], PC_REASON_MAX, "%sperf_event_open(%s) = %s",
			    hint, cfgname[i], strerrorname_np(e) ? strerrorname_np(e) : strerror(e));
			if (a.type == PERF_TYPE_HARDWARE && (e == ENOENT || e == EOPNOTSUPP || e == ENODEV)) {
				pthread_mutex_lock(&hw_mu);
				memcpy(hw_reason[i], s->reason[i], PC_REASON_MAX);
				/* absent once every hardware event has failed so */
				int all = 1;
				for (int k = PC_CYCLES; k <= PC_BRANCH_MISSES; k++)
					if (!hw_reason[k][0])
						all = 0;
				hw_absent = all;
				pthread_mutex_unlock(&hw_mu);
			}
			continue;
		}
		s->fd[i] = fd;
		n++;
	}
	return n;
}

void pc_sample_null(struct pc_sample *out, const char *reason)
{
	for (int i = 0; i < PC_N; i++) {
		out->valid[i] = 0;
		out->v[i] = 0;
		snprintf(out->reason[i], PC_REASON_MAX, "%s", reason);
	}
}

void pc_zero(const struct pc_set *s, struct pc_sample *out)
{
	for (int i = 0; i < PC_N; i++) {
		out->v[i] = 0;
		out->valid[i] = s->fd[i] >= 0;
		snprintf(out->reason[i], PC_REASON_MAX, "%s", s->fd[i] >= 0 ? "" : s->reason[i]);
	}
}

void pc_read(const struct pc_set *s, struct pc_sample *out)
{
	for (int i = 0; i < PC_N; i++) {
		out->valid[i] = 0;
		out->v[i] = 0;
		out->reason[i][0] = '\0';
		if (s->fd[i] < 0) {
			snprintf(out->reason[i], PC_REASON_MAX, "%s", s->reason[i]);
			continue;
		}
		uint64_t buf[3];
		ssize_t n = read(s->fd[i], buf, sizeof buf);
		if (n != (ssize_t)sizeof buf) {
			snprintf(out->reason[i], PC_REASON_MAX, "read of perf counter failed: %s",
			    n < 0 ? strerror(errno) : "short read");
			continue;
		}
		if (buf[1] > 0 && buf[2] == 0) {
			snprintf(out->reason[i], PC_REASON_MAX, "counter never scheduled on a PMU (multiplexed out)");
			continue;
		}
		/* Scale when the PMU was multiplexed (software events never are). */
		uint64_t v = buf[0];
		if (buf[2] && buf[2] < buf[1])
			v = (uint64_t)((double)v * (double)buf[1] / (double)buf[2]);
		out->v[i] = v;
		out->valid[i] = 1;
	}
}

void pc_delta(const struct pc_sample *a, const struct pc_sample *b, struct pc_sample *out)
{
	for (int i = 0; i < PC_N; i++) {
		if (a->valid[i] && b->valid[i]) {
			out->valid[i] = 1;
			out->v[i] = b->v[i] >= a->v[i] ? b->v[i] - a->v[i] : 0;
			out->reason[i][0] = '\0';
		} else {
			out->valid[i] = 0;
			out->v[i] = 0;
			snprintf(out->reason[i], PC_REASON_MAX, "%s", !a->valid[i] ? a->reason[i] : b->reason[i]);
		}
	}
}

json_t *pc_json(const struct pc_sample *s)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	for (int i = 0; i < PC_N; i++) {
		if (s->valid[i]) {
			if (i == PC_TASK_CLOCK)
				json_object_set_new(o, names[i], json_real((double)s->v[i] / 1e6));
			else
				json_object_set_new(o, names[i], json_integer((json_int_t)s->v[i]));
		} else {
			char key[64];
			json_object_set_new(o, names[i], json_null());
			snprintf(key, sizeof key, "%s_reason", names[i]);
			json_object_set_new(o, key, json_string(s->reason[i][0] ? s->reason[i] : "not measured"));
		}
	}
	return o;
}

void pc_close(struct pc_set *s)
{
	for (int i = 0; i < PC_N; i++) {
		if (s->fd[i] >= 0)
			close(s->fd[i]);
		s->fd[i] = -1;
	}
}
