/* lp-perfrec: one cold start — open the events before exec, drain them
 * while the runtime runs (a thread), tag and symbolize afterwards. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "lputil.h"
#include "pcount.h"
#include "perfrec.h"
#include "sysnames.h"

const char *const ph_name[PH_N] = { "init", "invoke" };

static void
buf_add(void *arg, const struct perf_event_header *h)
{
	struct rbuf *r = arg;

	if (r->len + h->size > r->cap) {
		size_t c = r->cap ? r->cap * 2 : 1 << 18;
		while (c < r->len + h->size)
			c *= 2;
		r->b = lp_xrealloc(r->b, c);
		r->cap = c;
	}
	memcpy(r->b + r->len, h, h->size);
	r->len += h->size;
}

static void
drain_all(struct run *r)
{
	int i;

	for (i = 0; i < r->nsamp; i++)
		ps_drain(&r->samp[i], buf_add, &r->sbuf[i]);
	for (i = 0; i < r->nsys; i++)
		ps_drain(&r->sys[i], buf_add, &r->ybuf[i]);
}

static void *
drainer(void *arg)
{
	struct run *r = arg;
	struct pollfd p[1 + 2 * PR_MAXCPU];
	nfds_t n = 0;
	int i;

	p[n].fd = r->stop_fd, p[n++].events = POLLIN;
	for (i = 0; i < r->nsamp; i++)
		p[n].fd = r->samp[i].fd, p[n++].events = POLLIN;
	for (i = 0; i < r->nsys; i++)
		p[n].fd = r->sys[i].fd, p[n++].events = POLLIN;
	for (;;) {
		/* The watermark wakes us at 64 KB; the timeout bounds the fill
		 * level when the runtime is slow to produce. */
		int k = poll(p, n, 10);
		if (k == -1 && errno != EINTR)
			break;
		drain_all(r);
		if (k > 0 && (p[0].revents & POLLIN))
			break;
	}
	return NULL;
}

void
run_init(struct run *r, const struct opts *o, long tp_enter, long tp_exit,
    int try_cycles)
{
	int i;

	memset(r, 0, sizeof *r);
	r->o = o;
	r->sampling = o->sample;
	r->stop_fd = -1;
	r->tp_enter = tp_enter;
	r->tp_exit = tp_exit;
	r->try_cycles = try_cycles;
	for (i = 0; i < PR_MAXCPU; i++) {
		r->sys_exit_fd[i] = -1;
		r->samp[i].fd = r->sys[i].fd = -1;
	}
	r->ncpu = ps_online_cpus(r->cpus, PR_MAXCPU);
}

int
run_pre_exec(void *arg, pid_t pid)
{
	struct run *r = arg;
	const struct opts *o = r->o;
	int e, i;

	r->pid = pid;
	for (i = 0; r->sampling && i < r->ncpu; i++) {
		if (ps_open_sampling(&r->samp[i], pid, r->cpus[i], o->freq, o->kernel,
		    r->try_cycles, 256, r->why, sizeof r->why) == -1)
			return -1;
		r->nsamp++;
		if (i == 0) {
			snprintf(r->event, sizeof r->event, "%s", r->samp[0].event);
			snprintf(r->fallback_reason, sizeof r->fallback_reason, "%s",
			    r->samp[0].fallback_reason);
			/* every CPU the same event */
			r->try_cycles = strcmp(r->samp[0].event, "cycles") == 0;
		}
	}
	for (i = 0; o->syscalls && i < r->ncpu; i++) {
		char why[256];
		struct ps_event ex;
		if (ps_open_tracepoint(&r->sys[i], pid, r->cpus[i], r->tp_enter, 256,
		    r->why, sizeof r->why) == -1)
			return -1;
		r->nsys++;
		/* sys_exit writes into sys_enter's ring: one ordered stream. */
		if (ps_open_tracepoint(&ex, pid, r->cpus[i], r->tp_exit, (unsigned)-1,
		    r->why, sizeof r->why) == -1)
			return -1;
		if (ps_set_output(&ex, &r->sys[i], why, sizeof why) == -1) {
			ps_close(&ex);
			snprintf(r->why, sizeof r->why, "%s", why);
			return -1;
		}
		r->sys_exit_fd[i] = ex.fd;
		ex.fd = -1;
		ps_close(&ex);
	}
	r->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (r->stop_fd == -1) {
		snprintf(r->why, sizeof r->why, "eventfd: %s", strerror(errno));
		return -1;
	}
	if ((e = pthread_create(&r->thread, NULL, drainer, r)) != 0) {
		snprintf(r->why, sizeof r->why, "pthread_create: %s", strerror(e));
		return -1;
	}
	r->thread_on = 1;
	r->t_release = lp_now_ns();
	return 0;
}

void
run_init_end(void *arg, pid_t pid, uint64_t t_ns)
{
	struct run *r = arg;

	(void)pid;
	if (r->init_seen)
		return;
	r->init_seen = 1;
	r->t_init_end = t_ns;
	alloc_snapshot(r, PH_INIT);
}

void
run_invoke_end(void *arg, pid_t pid, unsigned long seq, uint64_t t_ns)
{
	struct run *r = arg;

	(void)pid;
	if (seq != 1 || r->invoke_seen)
		return;
	r->invoke_seen = 1;
	r->t_invoke_end = t_ns;
	alloc_snapshot(r, PH_INVOKE);
}

void
run_finish(struct run *r)
{
	uint64_t one = 1;
	int i;

	if (r->thread_on) {
		if (write(r->stop_fd, &one, sizeof one) != sizeof one)
			lp_warn("eventfd write");
		pthread_join(r->thread, NULL);
		r->thread_on = 0;
	}
	for (i = 0; i < r->nsamp; i++)
		ps_disable(&r->samp[i]);
	for (i = 0; i < r->nsys; i++)
		ps_disable(&r->sys[i]);
	drain_all(r);
}

void
run_free(struct run *r)
{
	int i;

	for (i = 0; i < PR_MAXCPU; i++) {
		ps_close(&r->samp[i]);
		ps_close(&r->sys[i]);
		if (r->sys_exit_fd[i] >= 0)
			close(r->sys_exit_fd[i]);
		r->sys_exit_fd[i] = -1;
		free(r->sbuf[i].b);
		free(r->ybuf[i].b);
		r->sbuf[i].b = r->ybuf[i].b = NULL;
	}
	r->nsamp = r->nsys = 0;
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	r->stop_fd = -1;
	alloc_shm_destroy(r);
}

/* Records of every CPU's ring in time order. */
struct rec { uint64_t t; size_t seq; const struct perf_event_header *h; };

static int
rec_cmp(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;

	if (a->t != b->t)
		return a->t < b->t ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static struct rec *
merge(struct rbuf *bufs, int n, int sample_has_ip, size_t *count)
{
	struct rec *v = NULL;
	size_t nv = 0, cap = 0;
	int i;

	for (i = 0; i < n; i++) {
		size_t off = 0;
		while (off + sizeof(struct perf_event_header) <= bufs[i].len) {
			const struct perf_event_header *h = (const void *)(bufs[i].b + off);
			uint64_t t = 0;
			uint32_t pid, tid;
			if (h->size < sizeof *h || off + h->size > bufs[i].len)
				break;
			off += h->size;
			if (h->type == PERF_RECORD_SAMPLE) {
				/* IP? then TID, then TIME */
				size_t at = sizeof *h + (sample_has_ip ? 8 : 0) + 8;
				if (h->size >= at + 8)
					memcpy(&t, (const unsigned char *)h + at, 8);
			} else if (ps_record_id(h, &pid, &tid, &t) == -1) {
				t = 0;
			}
			if (nv == cap) {
				cap = cap ? cap * 2 : 4096;
				v = lp_xreallocarray(v, cap, sizeof *v);
			}
			v[nv].t = t;
			v[nv].seq = nv;
			v[nv].h = h;
			nv++;
		}
	}
	if (nv > 1)
		qsort(v, nv, sizeof *v, rec_cmp);
	*count = nv;
	return v;
}

/* The sandbox copies the task root to WORKDIR/start.XXXXXX/task/ and
 * removes the copy afterwards: map such paths back to the original. */
static char *
remap(const char *path, const char *workdir, const char *src)
{
	size_t wl = strlen(workdir);
	const char *rest, *task;

	if (strncmp(path, workdir, wl) != 0 || path[wl] != '/')
		return NULL;
	rest = path + wl + 1;
	task = strstr(rest, "/task/");
	if (task == NULL)
		return NULL;
	task += strlen("/task/");
	if (access(src, X_OK) == 0) {
		/* src is the task root directory or the bootstrap file */
		char *d = lp_xasprintf("%s/%s", src, task);
		if (access(d, F_OK) == 0)
			return d;
		free(d);
		if (strcmp(task, "bootstrap") == 0)
			return lp_xstrdup(src);
	}
	return NULL;
}

static int
phase_of(const struct run *r, uint64_t t)
{
	if (!r->init_seen)
		return -2; /* the runtime never finished its init */
	if (t < r->t_init_end)
		return PH_INIT;
	if (r->invoke_seen && t < r->t_invoke_end)
		return PH_INVOKE;
	if (!r->invoke_seen)
		return PH_INVOKE; /* died during the invocation: still its samples */
	return -1;
}

#define MAXF 256

static void
do_sample(struct run *r, struct agg *a, sym_ctx *sc, sym_space *sp,
    const struct perf_event_header *h)
{
	struct ps_sample s;
	struct sym_frame fr[MAXF], rf[MAXF];
	int kern[MAXF], rk[MAXF];
	size_t n = 0, i;
	int kernel, ph, first_user = 1, first_kernel = 1;

	if (ps_parse_sample(h, &s) == -1)
		return;
	ph = phase_of(r, s.time);
	if (ph == -2) {
		a->samples_unknown_phase++;
		return;
	}
	if (ph < 0) {
		a->samples_outside++;
		return;
	}
	kernel = s.cpumode == PERF_RECORD_MISC_KERNEL;
	if (s.nr == 0) {
		s.nr = 1;
		s.ips = &s.ip;
	}
	for (i = 0; i < s.nr && n < MAXF; i++) {
		uint64_t ip = s.ips[i];
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			if (ip == (uint64_t)PERF_CONTEXT_KERNEL)
				kernel = 1;
			else if (ip == (uint64_t)PERF_CONTEXT_USER)
				kernel = 0;
			continue;
		}
		/* Callers' entries are return addresses: look up the call. */
		if (kernel) {
			sym_kernel(sc, first_kernel ? ip : ip - 1, &fr[n]);
			first_kernel = 0;
		} else {
			sym_space_lookup(sp, s.pid, first_user ? ip : ip - 1, &fr[n]);
			first_user = 0;
		}
		kern[n] = kernel;
		n++;
	}
	for (i = 0; i < n; i++) {
		rf[i] = fr[n - 1 - i];
		rk[i] = kern[n - 1 - i];
	}
	agg_sample(a, ph, rf, rk, n);
}

static void
process_samples(struct run *r, struct agg *a, sym_ctx *sc, const char *workdir,
    const char *src)
{
	sym_space *sp = sym_space_new(sc);
	size_t n, k;
	struct rec *v = merge(r->sbuf, r->nsamp, 1, &n);
	int i;

	for (k = 0; k < n; k++) {
		const struct perf_event_header *h = v[k].h;
		const unsigned char *b = (const unsigned char *)(h + 1);
		uint32_t pid, ppid;

		switch (h->type) {
		case PERF_RECORD_SAMPLE:
			do_sample(r, a, sc, sp, h);
			break;
		case PERF_RECORD_MMAP2:
			if (h->size > sizeof *h + 64) {
				uint64_t addr, len, pgoff;
				uint32_t prot;
				char name[4096];
				size_t maxn = h->size - sizeof *h - 64, j;
				char *m;
				memcpy(&pid, b, 4);
				memcpy(&addr, b + 8, 8);
				memcpy(&len, b + 16, 8);
				memcpy(&pgoff, b + 24, 8);
				memcpy(&prot, b + 56, 4);
				for (j = 0; j < maxn && j < sizeof name - 1 && b[64 + j]; j++)
					name[j] = (char)b[64 + j];
				name[j] = '\0';
				m = remap(name, workdir, src);
				sym_space_mmap(sp, pid, addr, len, pgoff, prot, m ? m : name);
				free(m);
			}
			break;
		case PERF_RECORD_FORK:
			if (h->size >= sizeof *h + 8) {
				memcpy(&pid, b, 4);
				memcpy(&ppid, b + 4, 4);
				sym_space_fork(sp, ppid, pid);
			}
			break;
		case PERF_RECORD_COMM:
			if ((h->misc & PERF_RECORD_MISC_COMM_EXEC) &&
			    h->size >= sizeof *h + 8) {
				memcpy(&pid, b, 4);
				sym_space_exec(sp, pid);
			}
			break;
		default:
			break;
		}
	}
	for (i = 0; i < r->nsamp; i++)
		a->lost += r->samp[i].lost;
	free(v);
	sym_space_free(sp);
}

struct pending { uint32_t tid; long nr; uint64_t t; };

static struct sysagg *
sys_slot(struct agg *a, int ph, long nr)
{
	long max = sn_count();
	return &a->sys[ph][nr >= 0 && nr < max ? nr : max];
}

static void
process_syscalls(struct run *r, struct agg *a)
{
	struct pending *pend = NULL;
	size_t npend = 0, cap = 0, i, n, k;
	struct rec *v = merge(r->ybuf, r->nsys, 0, &n);

	for (k = 0; k < n; k++) {
		const struct perf_event_header *h = v[k].h;
		struct ps_raw raw;
		uint16_t type;
		int64_t nr, ret;

		if (h->type != PERF_RECORD_SAMPLE || ps_parse_raw(h, &raw) == -1 ||
		    raw.size < 24)
			continue;
		a->sys_events++;
		memcpy(&type, raw.raw, 2);
		memcpy(&nr, raw.raw + 8, 8);
		if (type == r->tp_enter) {
			for (i = 0; i < npend; i++)
				if (pend[i].tid == raw.tid)
					break;
			if (i == npend) {
				if (npend == cap) {
					cap = cap ? cap * 2 : 16;
					pend = lp_xreallocarray(pend, cap, sizeof *pend);
				}
				npend++;
			} else if (pend[i].nr >= 0) {
				/* previous call of this thread never returned (exit,
				 * or its exit event was lost) */
				int ph = phase_of(r, pend[i].t);
				if (ph >= 0) {
					sys_slot(a, ph, pend[i].nr)->calls++;
					sys_slot(a, ph, pend[i].nr)->unfinished++;
				}
			}
			pend[i].tid = raw.tid;
			pend[i].nr = (long)nr;
			pend[i].t = raw.time;
		} else if (type == r->tp_exit) {
			uint64_t t0;
			int ph;
			struct sysagg *sa;
			memcpy(&ret, raw.raw + 16, 8);
			for (i = 0; i < npend; i++)
				if (pend[i].tid == raw.tid && pend[i].nr == nr)
					break;
			if (i < npend) {
				t0 = pend[i].t;
				pend[i].nr = -1;
			} else if (nr == 59 /* execve */ || nr == 322 /* execveat */) {
				/* The exec that enabled the events: it started
				 * when the child was released. */
				t0 = r->t_release;
			} else {
				continue; /* entered before the events were on */
			}
			ph = phase_of(r, t0);
			if (ph < 0)
				continue;
			sa = sys_slot(a, ph, (long)nr);
			sa->calls++;
			sa->timed++;
			sa->time_ns += raw.time > t0 ? raw.time - t0 : 0;
			if (ret < 0 && ret >= -4095)
				sa->errors++;
		}
	}
	for (i = 0; i < npend; i++) {
		int ph;
		if (pend[i].nr < 0)
			continue;
		ph = phase_of(r, pend[i].t);
		if (ph >= 0) {
			sys_slot(a, ph, pend[i].nr)->calls++;
			sys_slot(a, ph, pend[i].nr)->unfinished++;
		}
	}
	for (i = 0; i < (size_t)r->nsys; i++)
		a->sys_lost += r->sys[i].lost;
	free(pend);
	free(v);
}

void
run_process(struct run *r, struct agg *a, sym_ctx *sc, const char *workdir,
    const char *src)
{
	a->init_ends += r->init_seen;
	if (r->nsamp > 0)
		process_samples(r, a, sc, workdir, src);
	if (r->nsys > 0)
		process_syscalls(r, a);
	alloc_fold(r, a);
}
