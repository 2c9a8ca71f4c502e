/* lp-perfrec: aggregation over cold starts and the records it writes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"
#include "ndjson.h"
#include "perfrec.h"
#include "sysnames.h"

void
agg_init(struct agg *a)
{
	int ph;

	memset(a, 0, sizeof *a);
	for (ph = 0; ph < PH_N; ph++) {
		a->tree[ph] = fg_new();
		a->hsidx[ph] = json_object();
		a->sys[ph] = lp_xcalloc((size_t)sn_count() + 1, sizeof *a->sys[ph]);
	}
}

void
agg_free(struct agg *a)
{
	int ph;
	size_t i;

	for (ph = 0; ph < PH_N; ph++) {
		fg_free(a->tree[ph]);
		json_decref(a->hsidx[ph]);
		for (i = 0; i < a->nhs[ph]; i++)
			free(a->hs[ph][i].key);
		free(a->hs[ph]);
		free(a->sys[ph]);
	}
}

/* Name of a frame in stacks: the function, else "[module]". */
static const char *
frame_name(const struct sym_frame *f, char *buf, size_t len, int kernel)
{
	if (f->function != NULL) {
		if (!kernel)
			return f->function;
		snprintf(buf, len, "%s_[k]", f->function);
		return buf;
	}
	snprintf(buf, len, "[%s]", f->module);
	return buf;
}

static struct hotspot *
hs_get(struct agg *a, int ph, const struct sym_frame *f)
{
	char *key = lp_xasprintf("%s\x1f%s", f->function ? f->function : "",
	    f->module);
	json_t *v = json_object_get(a->hsidx[ph], key);
	struct hotspot *h;

	if (v != NULL) {
		free(key);
		return &a->hs[ph][json_integer_value(v)];
	}
	if (a->nhs[ph] == a->caphs[ph]) {
		a->caphs[ph] = a->caphs[ph] ? a->caphs[ph] * 2 : 256;
		a->hs[ph] = lp_xreallocarray(a->hs[ph], a->caphs[ph], sizeof *a->hs[ph]);
	}
	json_object_set_new(a->hsidx[ph], key, json_integer((json_int_t)a->nhs[ph]));
	h = &a->hs[ph][a->nhs[ph]++];
	memset(h, 0, sizeof *h);
	h->key = key;
	h->symbol = f->function;
	h->module = f->module;
	h->file = f->file;
	h->line = f->line;
	h->reason = f->reason;
	return h;
}

void
agg_sample(struct agg *a, int ph, const struct sym_frame *frames,
    const int *kernel, size_t n)
{
	char bufs[256][160];
	const char *names[256];
	size_t i;

	if (n > 256)
		n = 256;
	a->samples[ph]++;
	a->serial++;
	for (i = 0; i < n; i++) {
		struct hotspot *h;
		names[i] = frame_name(&frames[i], bufs[i], sizeof bufs[i], kernel[i]);
		h = hs_get(a, ph, &frames[i]);
		if (h->last != a->serial) { /* recursion counts once */
			h->total++;
			h->last = a->serial;
		}
		if (i == n - 1)
			h->self++;
	}
	fg_add(a->tree[ph], names, n, 1);
}

json_t *
base_record(const char *type, const struct opts *o)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I}", "type", type,
	    "run_id", lp_run_id(), "func", o->func, "impl", o->impl,
	    "platform", "local", "arch", o->arch, "memory_mb",
	    (json_int_t)o->memory_mb);
}

static const struct hotspot *sort_base;

static int
hs_cmp(const void *x, const void *y)
{
	const struct hotspot *a = x, *b = y;

	if (a->self != b->self)
		return a->self > b->self ? -1 : 1;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return strcmp(a->key, b->key);
}

static json_t *
str_or_null(json_t *rec, const char *field, const char *v, const char *reason)
{
	if (v != NULL) {
		json_object_set_new(rec, field, json_string(v));
	} else {
		char *rf = lp_xasprintf("%s_reason", field);
		json_object_set_new(rec, field, json_null());
		json_object_set_new(rec, rf, json_string(reason ? reason : "unknown"));
		free(rf);
	}
	return rec;
}

void
write_hotspots(struct agg *a, const struct opts *o, FILE *f, long top)
{
	int ph;
	size_t i;

	(void)sort_base;
	for (ph = 0; ph < PH_N; ph++) {
		struct hotspot *v;
		size_t n = a->nhs[ph];
		if (n == 0)
			continue;
		v = lp_xreallocarray(NULL, n, sizeof *v);
		memcpy(v, a->hs[ph], n * sizeof *v);
		qsort(v, n, sizeof *v, hs_cmp);
		for (i = 0; i < n && (top <= 0 || (long)i < top); i++) {
			json_t *rec = base_record("hotspot", o);
			double tot = (double)a->samples[ph];
			json_object_set_new(rec, "phase", json_string(ph_name[ph]));
			json_object_set_new(rec, "rank", json_integer((json_int_t)i + 1));
			str_or_null(rec, "symbol", v[i].symbol, v[i].reason);
			json_object_set_new(rec, "module", json_string(v[i].module));
			str_or_null(rec, "file", v[i].file,
			    v[i].symbol ? "no DWARF line information" : v[i].reason);
			if (v[i].file != NULL) {
				json_object_set_new(rec, "line", json_integer(v[i].line));
			} else {
				json_object_set_new(rec, "line", json_null());
				json_object_set_new(rec, "line_reason", json_string("no file"));
			}
			json_object_set_new(rec, "self_samples", json_integer((json_int_t)v[i].self));
			json_object_set_new(rec, "total_samples", json_integer((json_int_t)v[i].total));
			json_object_set_new(rec, "self_pct", nd_real(100.0 * (double)v[i].self / tot));
			json_object_set_new(rec, "total_pct", nd_real(100.0 * (double)v[i].total / tot));
			json_object_set_new(rec, "phase_samples", json_integer((json_int_t)a->samples[ph]));
			nd_emit(f, rec);
		}
		free(v);
	}
}

struct sysrow { long nr; const struct sysagg *s; };

static int
sys_cmp(const void *x, const void *y)
{
	const struct sysrow *a = x, *b = y;

	if (a->s->time_ns != b->s->time_ns)
		return a->s->time_ns > b->s->time_ns ? -1 : 1;
	if (a->s->calls != b->s->calls)
		return a->s->calls > b->s->calls ? -1 : 1;
	return a->nr < b->nr ? -1 : a->nr > b->nr;
}

void
write_syscalls(struct agg *a, const struct opts *o, FILE *f, long cold_ok)
{
	long max = sn_count(), nr;
	int ph;

	for (ph = 0; ph < PH_N; ph++) {
		struct sysrow *rows = lp_xcalloc((size_t)max + 1, sizeof *rows);
		size_t n = 0, i;
		uint64_t all_ns = 0;
		for (nr = 0; nr <= max; nr++) {
			if (a->sys[ph][nr].calls == 0)
				continue;
			rows[n].nr = nr;
			rows[n].s = &a->sys[ph][nr];
			all_ns += a->sys[ph][nr].time_ns;
			n++;
		}
		qsort(rows, n, sizeof *rows, sys_cmp);
		for (i = 0; i < n; i++) {
			const struct sysagg *s = rows[i].s;
			const char *name = rows[i].nr < max ? sn_name(rows[i].nr) : NULL;
			char buf[32];
			json_t *rec = base_record("syscall", o);
			if (name == NULL) {
				snprintf(buf, sizeof buf, rows[i].nr < max ? "syscall_%ld" : "other", rows[i].nr);
				name = buf;
			}
			json_object_set_new(rec, "phase", json_string(ph_name[ph]));
			json_object_set_new(rec, "name", json_string(name));
			json_object_set_new(rec, "nr", rows[i].nr < max ? json_integer(rows[i].nr) : json_null());
			json_object_set_new(rec, "calls", json_integer((json_int_t)s->calls));
			json_object_set_new(rec, "calls_per_start",
			    nd_real(cold_ok > 0 ? (double)s->calls / (double)cold_ok : NAN));
			json_object_set_new(rec, "errors", json_integer((json_int_t)s->errors));
			json_object_set_new(rec, "unfinished", json_integer((json_int_t)s->unfinished));
			if (s->timed > 0) {
				json_object_set_new(rec, "time_ms", nd_real((double)s->time_ns / 1e6));
				json_object_set_new(rec, "time_per_start_ms",
				    nd_real(cold_ok > 0 ? (double)s->time_ns / 1e6 / (double)cold_ok : NAN));
				json_object_set_new(rec, "time_pct",
				    nd_real(all_ns ? 100.0 * (double)s->time_ns / (double)all_ns : NAN));
			} else {
				const char *why = "no call returned while traced";
				json_object_set_new(rec, "time_ms", json_null());
				json_object_set_new(rec, "time_ms_reason", json_string(why));
				json_object_set_new(rec, "time_per_start_ms", json_null());
				json_object_set_new(rec, "time_per_start_ms_reason", json_string(why));
				json_object_set_new(rec, "time_pct", json_null());
				json_object_set_new(rec, "time_pct_reason", json_string(why));
			}
			json_object_set_new(rec, "cold_starts", json_integer(cold_ok));
			nd_emit(f, rec);
		}
		free(rows);
	}
}

void
write_alloc(struct agg *a, const struct opts *o, FILE *f)
{
	static const char *const fn[] = LPA_FN_NAMES;
	int ph, k;

	for (ph = 0; ph < PH_N; ph++) {
		json_t *rec = base_record("alloc", o);
		json_object_set_new(rec, "phase", json_string(ph_name[ph]));
		if (a->alloc_reason != NULL || a->alloc_starts[ph] == 0) {
			const char *why = a->alloc_reason;
			if (why == NULL)
				why = a->alloc_not_loaded ?
				    "the shim was never loaded by the runtime (static binary, or LD_PRELOAD cleared)" :
				    "no cold start reached the end of this phase";
			json_object_set_new(rec, "alloc", json_null());
			json_object_set_new(rec, "alloc_reason", json_string(why));
		} else {
			json_t *c = json_object(), *al = json_object();
			uint64_t allocs = 0;
			double n = (double)a->alloc_starts[ph];
			for (k = 0; k < LPA_NFN; k++) {
				json_object_set_new(c, fn[k], json_integer((json_int_t)a->alloc_calls[ph][k]));
				if (k != LPA_FREE)
					allocs += a->alloc_calls[ph][k];
			}
			json_object_set_new(al, "calls", c);
			json_object_set_new(al, "alloc_calls", json_integer((json_int_t)allocs));
			json_object_set_new(al, "free_calls", json_integer((json_int_t)a->alloc_calls[ph][LPA_FREE]));
			json_object_set_new(al, "failed", json_integer((json_int_t)a->alloc_failed[ph]));
			json_object_set_new(al, "bytes", json_integer((json_int_t)a->alloc_bytes[ph]));
			json_object_set_new(al, "alloc_calls_per_start", nd_real((double)allocs / n));
			json_object_set_new(al, "bytes_per_start", nd_real((double)a->alloc_bytes[ph] / n));
			json_object_set_new(al, "peak_live_bytes", json_integer((json_int_t)a->alloc_peak[ph]));
			json_object_set_new(al, "small", json_integer((json_int_t)a->alloc_class[ph][LPA_SMALL]));
			json_object_set_new(al, "medium", json_integer((json_int_t)a->alloc_class[ph][LPA_MEDIUM]));
			json_object_set_new(al, "large", json_integer((json_int_t)a->alloc_class[ph][LPA_LARGE]));
			json_object_set_new(rec, "alloc", al);
			json_object_set_new(rec, "cold_starts", json_integer((json_int_t)a->alloc_starts[ph]));
		}
		nd_emit(f, rec);
	}
}
