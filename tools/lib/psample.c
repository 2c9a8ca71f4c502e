/* psample — sampling perf events and their ring buffer (see psample.h). */
#include "psample.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int
perf_open(struct perf_event_attr *a, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, a, pid, cpu, -1,
	    PERF_FLAG_FD_CLOEXEC);
}

int
ps_online_cpus(int *cpus, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	int n = 0, a, b;
	char sep;

	if (f != NULL) {
		while (n < max && fscanf(f, "%d", &a) == 1) {
			b = a;
			sep = (char)fgetc(f);
			if (sep == '-') {
				if (fscanf(f, "%d", &b) != 1)
					break;
				sep = (char)fgetc(f);
			}
			for (; a <= b && n < max; a++)
				cpus[n++] = a;
			if (sep != ',')
				break;
		}
		fclose(f);
	}
	if (n == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		for (n = 0; n < (c > 0 ? c : 1) && n < max; n++)
			cpus[n] = n;
	}
	return n;
}

static void
ev_init(struct ps_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->fd = -1;
}

static int
ev_map(struct ps_event *ev, unsigned data_pages, char *why, size_t whylen)
{
	long page = sysconf(_SC_PAGESIZE);

	if (data_pages == 0)
		data_pages = 256;
	if (data_pages & (data_pages - 1)) {
		snprintf(why, whylen, "ring size %u pages is not a power of two",
		    data_pages);
		return -1;
	}
	ev->data_size = (uint64_t)data_pages * (uint64_t)page;
	ev->map_len = (size_t)(data_pages + 1) * (size_t)page;
	ev->map = mmap(NULL, ev->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
	    ev->fd, 0);
	if (ev->map == MAP_FAILED) {
		ev->map = NULL;
		snprintf(why, whylen, "mmap of the perf ring (%zu bytes): %s",
		    ev->map_len, strerror(errno));
		return -1;
	}
	return 0;
}

static const char *
open_hint(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return " (perf_event_paranoid forbids it: run as root or lower "
		    "/proc/sys/kernel/perf_event_paranoid)";
	case ENOENT:
	case EOPNOTSUPP:
		return " (no hardware PMU)";
	case ENOSYS:
		return " (kernel without perf events)";
	default:
		return "";
	}
}

int
ps_open_sampling(struct ps_event *ev, pid_t pid, int cpu, unsigned freq,
    int kernel, int try_cycles, unsigned data_pages, char *why, size_t whylen)
{
	struct perf_event_attr a;
	int e;

	ev_init(ev);
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_CPU_CYCLES;
	a.freq = 1;
	a.sample_freq = freq;
	a.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
	    PERF_SAMPLE_CALLCHAIN;
	a.disabled = 1;
	a.enable_on_exec = 1;
	a.inherit = 1;
	a.exclude_kernel = !kernel;
	a.exclude_hv = 1;
	a.mmap = 1;
	a.mmap2 = 1;
	a.comm = 1;
	a.comm_exec = 1;
	a.task = 1;
	a.sample_id_all = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.watermark = 1;
	a.wakeup_watermark = 64 * 1024;
	ev->sample_type = a.sample_type;

	ev->fd = try_cycles ? perf_open(&a, pid, cpu) : -1;
	if (ev->fd >= 0) {
		snprintf(ev->event, sizeof ev->event, "cycles");
	} else {
		if (try_cycles) {
			e = errno;
			snprintf(ev->fallback_reason, sizeof ev->fallback_reason,
			    "perf_event_open(PERF_COUNT_HW_CPU_CYCLES) = %s%s",
			    strerrorname_np(e) ? strerrorname_np(e) : strerror(e),
			    open_hint(e));
		}
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_CPU_CLOCK;
		ev->fd = perf_open(&a, pid, cpu);
		if (ev->fd < 0) {
			e = errno;
			snprintf(why, whylen,
			    "perf_event_open(cpu-clock, pid %d, cpu %d, %u Hz): %s%s",
			    (int)pid, cpu, freq, strerror(e), e == EINVAL ?
			    " (is the frequency above /proc/sys/kernel/perf_event_max_sample_rate?)" :
			    open_hint(e));
			return -1;
		}
		snprintf(ev->event, sizeof ev->event, "cpu-clock");
	}
	if (ev_map(ev, data_pages, why, whylen) == -1) {
		ps_close(ev);
		return -1;
	}
	return 0;
}

int
ps_open_tracepoint(struct ps_event *ev, pid_t pid, int cpu, long tp_id,
    unsigned data_pages, char *why, size_t whylen)
{
	struct perf_event_attr a;
	int e;

	ev_init(ev);
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (uint64_t)tp_id;
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_RAW;
	a.disabled = 1;
	a.enable_on_exec = 1;
	a.inherit = 1;
	a.sample_id_all = 1;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;
	a.watermark = 1;
	a.wakeup_watermark = 64 * 1024;
	ev->sample_type = a.sample_type;
	ev->fd = perf_open(&a, pid, cpu);
	if (ev->fd < 0) {
		e = errno;
		snprintf(why, whylen, "perf_event_open(tracepoint %ld, pid %d): %s%s",
		    tp_id, (int)pid, strerror(e), open_hint(e));
		return -1;
	}
	snprintf(ev->event, sizeof ev->event, "tracepoint");
	if (data_pages != (unsigned)-1 && ev_map(ev, data_pages, why, whylen) == -1) {
		ps_close(ev);
		return -1;
	}
	return 0;
}

int
ps_set_output(struct ps_event *ev, const struct ps_event *out, char *why,
    size_t whylen)
{
	if (ioctl(ev->fd, PERF_EVENT_IOC_SET_OUTPUT, out->fd) == -1) {
		snprintf(why, whylen, "PERF_EVENT_IOC_SET_OUTPUT: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

size_t
ps_drain(struct ps_event *ev, ps_record_cb cb, void *arg)
{
	struct perf_event_mmap_page *mp = ev->map;
	unsigned char *data;
	uint64_t head, tail, mask;
	size_t n = 0;

	if (mp == NULL)
		return 0;
	data = (unsigned char *)ev->map + mp->data_offset;
	mask = ev->data_size - 1;
	head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
	tail = mp->data_tail;
	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header hdr, *h;
		uint64_t off = tail & mask;

		/* The header itself may wrap. */
		if (off + sizeof hdr <= ev->data_size) {
			memcpy(&hdr, data + off, sizeof hdr);
		} else {
			size_t first = (size_t)(ev->data_size - off);
			memcpy(&hdr, data + off, first);
			memcpy((unsigned char *)&hdr + first, data, sizeof hdr - first);
		}
		if (hdr.size < sizeof hdr || tail + hdr.size > head)
			break;
		if (off + hdr.size <= ev->data_size) {
			h = (struct perf_event_header *)(data + off);
		} else {
			size_t first = (size_t)(ev->data_size - off);
			if (ev->scratch_len < hdr.size) {
				unsigned char *p = realloc(ev->scratch, hdr.size);
				if (p == NULL)
					break; /* retried on the next drain */
				ev->scratch = p;
				ev->scratch_len = hdr.size;
			}
			memcpy(ev->scratch, data + off, first);
			memcpy(ev->scratch + first, data, hdr.size - first);
			h = (struct perf_event_header *)ev->scratch;
		}
		if (h->type == PERF_RECORD_LOST && h->size >= sizeof *h + 16) {
			uint64_t lost;
			memcpy(&lost, (unsigned char *)h + sizeof *h + 8, 8);
			ev->lost += lost;
			ev->lost_records++;
		}
		cb(arg, h);
		tail += hdr.size;
		n++;
	}
	__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	return n;
}

void
ps_disable(struct ps_event *ev)
{
	if (ev->fd >= 0)
		(void)ioctl(ev->fd, PERF_EVENT_IOC_DISABLE, 0);
}

void
ps_close(struct ps_event *ev)
{
	if (ev->map != NULL)
		(void)munmap(ev->map, ev->map_len);
	ev->map = NULL;
	if (ev->fd >= 0)
		(void)close(ev->fd);
	ev->fd = -1;
	free(ev->scratch);
	ev->scratch = NULL;
	ev->scratch_len = 0;
}

static int
rd(const unsigned char **p, const unsigned char *end, void *out, size_t n)
{
	if ((size_t)(end - *p) < n)
		return -1;
	memcpy(out, *p, n);
	*p += n;
	return 0;
}

int
ps_parse_sample(const struct perf_event_header *h, struct ps_sample *s)
{
	const unsigned char *p = (const unsigned char *)(h + 1);
	const unsigned char *end = (const unsigned char *)h + h->size;

	memset(s, 0, sizeof *s);
	s->cpumode = h->misc & PERF_RECORD_MISC_CPUMODE_MASK;
	if (rd(&p, end, &s->ip, 8) || rd(&p, end, &s->pid, 4) ||
	    rd(&p, end, &s->tid, 4) || rd(&p, end, &s->time, 8) ||
	    rd(&p, end, &s->nr, 8))
		return -1;
	if ((size_t)(end - p) / 8 < s->nr)
		return -1;
	/* The record starts 8-aligned in the ring (or in scratch). */
	s->ips = (const uint64_t *)(const void *)p;
	return 0;
}

int
ps_record_id(const struct perf_event_header *h, uint32_t *pid, uint32_t *tid,
    uint64_t *time)
{
	const unsigned char *end = (const unsigned char *)h + h->size;

	if (h->size < sizeof *h + 16)
		return -1;
	memcpy(pid, end - 16, 4);
	memcpy(tid, end - 12, 4);
	memcpy(time, end - 8, 8);
	return 0;
}

int
ps_parse_raw(const struct perf_event_header *h, struct ps_raw *r)
{
	const unsigned char *p = (const unsigned char *)(h + 1);
	const unsigned char *end = (const unsigned char *)h + h->size;

	memset(r, 0, sizeof *r);
	if (rd(&p, end, &r->pid, 4) || rd(&p, end, &r->tid, 4) ||
	    rd(&p, end, &r->time, 8) || rd(&p, end, &r->size, 4))
		return -1;
	if ((size_t)(end - p) < r->size)
		return -1;
	r->raw = p;
	return 0;
}
