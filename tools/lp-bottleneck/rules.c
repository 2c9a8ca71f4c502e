/* lp-bottleneck rules: each compares one measured value with a threshold
 * (strictly: a value exactly at the threshold does not fire), and gives a
 * finding with its impact, or a `skipped` record saying what data was
 * missing.  Documented in docs/lp-bottleneck.1 (RULES). */
#include "bn.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"
#include "ndjson.h"
#include "stats.h"

static const char *const phases[] = { "init", "invoke" };

/* --- selecting records ------------------------------------------------- */

/* The run_id of the last record of a kind: when several runs of lp-perfrec
 * are concatenated, the last one is used (and said). */
static const char *last_run(const bn_items *it)
{
	return it->n ? nd_get_string(it->v[it->n - 1].rec, "run_id") : NULL;
}

static int in_run(const bn_item *it, const char *run)
{
	const char *r = nd_get_string(it->rec, "run_id");
	return run == NULL || (r && strcmp(r, run) == 0);
}

static int is_phase(const bn_item *it, const char *phase)
{
	const char *p = nd_get_string(it->rec, "phase");
	return p && strcmp(p, phase) == 0;
}

static const bn_item *profile_of(const bn_in *in, const char *run)
{
	for (size_t i = in->prof.n; i-- > 0;)
		if (run && in_run(&in->prof.v[i], run))
			return &in->prof.v[i];
	return NULL;
}

/* CPU ms per cold start that `samples` samples of a profile run stand for:
 * samples / freq_hz / cold_starts (cpu-clock: one sample per 1/freq s of
 * CPU time).  NAN when the profile record lacks a field. */
static double samples_ms(const bn_item *prof, double samples)
{
	double f, n;
	if (!prof || nd_get_number(prof->rec, "freq_hz", &f) != 1 || f <= 0 ||
	    nd_get_number(prof->rec, "cold_starts", &n) != 1 || n <= 0)
		return NAN;
	return 1000.0 * samples / f / n;
}

static double median_of(qt_vec *v)
{
	if (v->n == 0)
		return NAN;
	st_sort(v->v, v->n);
	return st_percentile(v->v, v->n, 50);
}

/* Median of a numeric field over the cold, ok invocations; *reason gets the
 * first `<field>_reason` seen when the field is null. */
static double cold_median(const bn_in *in, const char *path, int cold_only, size_t *n, const char **reason,
			  const char *add_path)
{
	qt_vec v = { 0 };
	*reason = NULL;
	for (size_t i = 0; i < in->inv.n; i++) {
		const json_t *r = in->inv.v[i].rec;
		const char *start = nd_get_string(r, "start"), *status = nd_get_string(r, "status");
		if ((cold_only && (!start || strcmp(start, "cold"))) || !status || strcmp(status, "ok"))
			continue;
		double x, y = 0;
		if (nd_get_number(r, path, &x) != 1 || (add_path && nd_get_number(r, add_path, &y) != 1)) {
			if (!*reason) {
				char *rp = lp_xasprintf("%s_reason", path);
				*reason = nd_get_string(r, rp);
				free(rp);
			}
			continue;
		}
		qt_push(&v, x + y);
	}
	*n = v.n;
	double m = median_of(&v);
	qt_free(&v);
	return m;
}

/* CPU ms per cold start that `samples` samples of a phase stand for.
 * Preferred: their share of the phase's samples (profile.samples_<phase>)
 * times the median task_clock_ms of that phase in the invocation records
 * (lp-invoke, not sampled, the shipped build); else samples / freq_hz /
 * cold_starts of the sampled run itself.  *how says which. */
static double cpu_ms(const bn_in *in, const bn_item *prof, const char *phase, double samples, const char **how)
{
	char *sp = lp_xasprintf("samples_%s", phase), *tp = lp_xasprintf("counters.%s.task_clock_ms", phase);
	double total, tc = NAN;
	size_t n = 0;
	const char *reason;
	if (prof && nd_get_number(prof->rec, sp, &total) == 1 && total > 0)
		tc = cold_median(in, tp, strcmp(phase, "init") == 0, &n, &reason, NULL);
	free(sp);
	free(tp);
	if (!isnan(tc)) {
		*how = "share of the phase's CPU samples (lp-perfrec) x median task_clock_ms of the phase (lp-invoke, unsampled)";
		return samples / total * tc;
	}
	*how = "samples / freq_hz / cold_starts of the lp-perfrec run (CPU time while sampled)";
	return samples_ms(prof, samples);
}

static char *basis(const char *what, const char *how)
{
	return lp_xasprintf("%s: %s", what, how);
}

static int glob_any(const char *s, const char *const *pats)
{
	for (; s && *pats; pats++)
		if (fnmatch(*pats, s, 0) == 0)
			return 1;
	return 0;
}

/* --- cpu_hotspot ------------------------------------------------------- */

static void rule_cpu_hotspot(bn_in *in, const bn_rule *r)
{
	if (in->hot.n == 0) {
		bn_skip(in, r, "no hotspot records in the input (lp-perfrec sampling: make perf)");
		return;
	}
	const char *run = last_run(&in->hot);
	const bn_item *prof = profile_of(in, run);
	static const char *const ev[] = { "run_id", "phase", "rank", "symbol", "module", "self_samples",
					  "self_pct", "phase_samples", NULL };
	for (size_t i = 0; i < in->hot.n; i++) {
		const bn_item *it = &in->hot.v[i];
		double pct, samples;
		if (!in_run(it, run) || nd_get_number(it->rec, "self_pct", &pct) != 1 || !(pct > r->thr))
			continue;
		const char *sym = nd_get_string(it->rec, "symbol"), *mod = nd_get_string(it->rec, "module");
		const char *phase = nd_get_string(it->rec, "phase");
		char *loc = lp_xasprintf("%s (%s)", sym ? sym : "[unknown symbol]", mod ? mod : "[unknown module]");
		char *cond = lp_xasprintf("self_pct %.4g > %.4g %%", pct, r->thr);
		json_t *f = bn_finding(in, r, phase, loc, pct, cond);
		json_object_set_new(f, "symbol", sym ? json_string(sym) : json_null());
		json_object_set_new(f, "module", mod ? json_string(mod) : json_null());
		json_array_append_new(json_object_get(f, "evidence"), bn_evidence(it, ev));
		const char *how;
		double ms = NAN;
		if (phase && nd_get_number(it->rec, "self_samples", &samples) == 1)
			ms = cpu_ms(in, prof, phase, samples, &how);
		if (!isnan(ms)) {
			static const char *const pev[] = { "run_id", "event", "freq_hz", "cold_starts", "samples_init",
							   "samples_invoke", NULL };
			json_array_append_new(json_object_get(f, "evidence"), bn_evidence(prof, pev));
			char *b = basis("CPU time in this symbol per cold start", how);
			bn_set_impact(in, f, ms, b);
			free(b);
		} else {
			bn_set_impact(in, f, NAN, "no profile record with freq_hz and cold_starts for this hotspot's run");
		}
		free(loc);
		free(cond);
	}
	(void)phases;
}

/* --- allocations ------------------------------------------------------- */

static const char *const alloc_syms[] = { "malloc", "free", "calloc", "realloc", "cfree", "_int_malloc",
	"_int_free", "_int_realloc", "__libc_malloc", "__libc_free", "__libc_calloc", "__libc_realloc",
	"malloc_consolidate", "sysmalloc", "tcache_*", "__rust_alloc", "__rust_dealloc", "__rust_realloc",
	"__rust_alloc_zeroed", "__rdl_*", "__rg_*", "*memalign*", "unlink_chunk*", NULL };

/* CPU ms per start in allocator symbols of a phase (hotspot records). */
static double alloc_ms(const bn_in *in, const char *phase, json_t *evidence)
{
	if (in->hot.n == 0)
		return NAN;
	const char *run = last_run(&in->hot);
	const bn_item *prof = profile_of(in, run);
	double sum = 0;
	int any = 0;
	static const char *const ev[] = { "run_id", "phase", "symbol", "module", "self_samples", "self_pct", NULL };
	for (size_t i = 0; i < in->hot.n; i++) {
		const bn_item *it = &in->hot.v[i];
		double s;
		if (!in_run(it, run) || !is_phase(it, phase) || !glob_any(nd_get_string(it->rec, "symbol"), alloc_syms) ||
		    nd_get_number(it->rec, "self_samples", &s) != 1)
			continue;
		sum += s;
		any = 1;
		json_array_append_new(evidence, bn_evidence(it, ev));
	}
	const char *how;
	return any ? cpu_ms(in, prof, phase, sum, &how) : NAN;
}

static void rule_alloc_count(bn_in *in, const bn_rule *r)
{
	if (in->alloc.n == 0) {
		bn_skip(in, r, "no alloc records in the input (lp-perfrec --alloc: make perf)");
		return;
	}
	const char *run = last_run(&in->alloc);
	static const char *const ev[] = { "run_id", "phase", "alloc.alloc_calls_per_start", "alloc.bytes_per_start",
					  "alloc.peak_live_bytes", "cold_starts", NULL };
	for (size_t i = 0; i < in->alloc.n; i++) {
		const bn_item *it = &in->alloc.v[i];
		double calls;
		if (!in_run(it, run) || nd_get_number(it->rec, "alloc.alloc_calls_per_start", &calls) != 1 ||
		    !(calls > r->thr))
			continue;
		const char *phase = nd_get_string(it->rec, "phase");
		char *loc = lp_xasprintf("%s: %.0f allocations per %s", phase ? phase : "?", calls,
					 phase && strcmp(phase, "init") == 0 ? "cold start" : "invocation");
		char *cond = lp_xasprintf("alloc_calls_per_start %.6g > %.6g", calls, r->thr);
		json_t *f = bn_finding(in, r, phase, loc, calls, cond);
		json_t *evid = json_object_get(f, "evidence");
		json_array_append_new(evid, bn_evidence(it, ev));
		double ms = phase ? alloc_ms(in, phase, evid) : NAN;
		bn_set_impact(in, f, ms,
			      !isnan(ms) ? "CPU time in the allocator's symbols (malloc, free, __rust_alloc...) per cold start: their self samples' share of the phase x the phase's median task_clock_ms (else samples / freq_hz / cold_starts)"
			      : in->hot.n ? "no allocator symbol among this phase's hotspot records: the allocator's time is below what the sampling resolved"
					  : "no hotspot records to time the allocator (lp-perfrec sampling: make perf)");
		free(loc);
		free(cond);
	}
}

/* --- syscalls ---------------------------------------------------------- */

static void rule_syscall_count(bn_in *in, const bn_rule *r)
{
	if (in->inv.n == 0 && in->sys.n == 0) {
		bn_skip(in, r, "neither invocation records (lp-invoke counters) nor syscall records (lp-perfrec --syscalls) in the input");
		return;
	}
	const char *srun = last_run(&in->sys);
	int fired_or_measured = 0;
	const char *why = NULL;
	for (size_t p = 0; p < 2; p++) {
		const char *phase = phases[p];
		char *path = lp_xasprintf("counters.%s.syscalls", phase);
		size_t n = 0;
		const char *reason;
		/* init counts only exist for cold starts; invoke counts for every
		 * invocation. */
		double v = cold_median(in, path, p == 0, &n, &reason, NULL);
		const char *source = "median of counters.<phase>.syscalls over ok invocations (lp-invoke)";
		double sum = 0, tsum = 0;
		int nsys = 0;
		for (size_t i = 0; i < in->sys.n; i++) {
			const bn_item *it = &in->sys.v[i];
			double c, t;
			if (!in_run(it, srun) || !is_phase(it, phase))
				continue;
			if (nd_get_number(it->rec, "calls_per_start", &c) == 1)
				sum += c;
			const char *name = nd_get_string(it->rec, "name");
			/* execve is the cold start's own exec: no change removes it. */
			if (nd_get_number(it->rec, "time_per_start_ms", &t) == 1 && !(name && strcmp(name, "execve") == 0))
				tsum += t;
			nsys++;
		}
		if (isnan(v) && nsys) {
			v = sum;
			source = "sum of calls_per_start of the syscall records (lp-perfrec --syscalls)";
		}
		if (isnan(v)) {
			if (!why)
				why = reason ? reason : "no syscall count for this phase";
			free(path);
			continue;
		}
		fired_or_measured = 1;
		if (!(v > r->thr)) {
			free(path);
			continue;
		}
		/* Location: the three most frequent syscalls of the phase. */
		const bn_item *top[3] = { 0 };
		double topc[3] = { -1, -1, -1 };
		for (size_t i = 0; i < in->sys.n; i++) {
			const bn_item *it = &in->sys.v[i];
			double c;
			if (!in_run(it, srun) || !is_phase(it, phase) || nd_get_number(it->rec, "calls_per_start", &c) != 1)
				continue;
			for (int k = 0; k < 3; k++)
				if (c > topc[k]) {
					for (int m = 2; m > k; m--) {
						topc[m] = topc[m - 1];
						top[m] = top[m - 1];
					}
					topc[k] = c;
					top[k] = it;
					break;
				}
		}
		char *loc = lp_xasprintf("%s: %.0f syscalls per %s", phase, v, p == 0 ? "cold start" : "invocation");
		for (int k = 0; k < 3 && top[k]; k++) {
			double errs = 0, cs = 1;
			nd_get_number(top[k]->rec, "errors", &errs);
			nd_get_number(top[k]->rec, "cold_starts", &cs);
			char *nl;
			if (errs > 0 && cs > 0)
				nl = lp_xasprintf("%s%s %s x%.0f (%.0f failed)", loc, k ? "," : ";",
						  nd_get_string(top[k]->rec, "name"), topc[k], errs / cs);
			else
				nl = lp_xasprintf("%s%s %s x%.0f", loc, k ? "," : ";", nd_get_string(top[k]->rec, "name"), topc[k]);
			free(loc);
			loc = nl;
		}
		char *cond = lp_xasprintf("syscalls per %s %.6g > %.6g", p == 0 ? "cold start" : "invocation", v, r->thr);
		json_t *f = bn_finding(in, r, phase, loc, v, cond);
		json_object_set_new(f, "value_source", json_string(source));
		json_t *evid = json_object_get(f, "evidence");
		if (n) {
			json_t *e = json_pack("{s:s, s:I, s:{s:f}}", "record", "invocation", "n", (json_int_t)n, "values",
					      path, v);
			json_array_append_new(evid, e);
		}
		static const char *const ev[] = { "run_id", "phase", "name", "calls_per_start", "errors",
						  "time_per_start_ms", NULL };
		for (int k = 0; k < 3 && top[k]; k++)
			json_array_append_new(evid, bn_evidence(top[k], ev));
		/* Tracing slows syscalls: their share of the traced run's phase
		 * time, times the untraced median of the phase. */
		const bn_item *sprof = profile_of(in, srun);
		char *mk = lp_xasprintf("%s_median", p == 0 ? "init_ms" : "duration_ms");
		double traced = NAN, untraced = NAN;
		size_t un = 0;
		const char *ur;
		if (sprof)
			nd_get_number(sprof->rec, mk, &traced);
		untraced = cold_median(in, p == 0 ? "init_ms" : "duration_ms", p == 0, &un, &ur, NULL);
		free(mk);
		if (nsys && traced > 0 && !isnan(untraced)) {
			double share = tsum / traced;
			if (share > 1)
				share = 1;
			bn_set_impact(in, f, share * untraced,
				      "time inside this phase's syscalls except execve (the exec itself): their share of the phase in the traced lp-perfrec --syscalls run (time_per_start_ms / its median phase time, at most 1) x the median phase time of the invocation records (untraced)");
		} else {
			bn_set_impact(in, f, nsys ? tsum : NAN,
				      nsys ? "sum of time_per_start_ms of this phase's syscall records except execve (the exec itself), measured under lp-perfrec's syscall tracing (which slows them: an upper bound)"
					   : "no syscall records to time the syscalls (lp-perfrec --syscalls: make perf)");
		}
		free(loc);
		free(cond);
		free(path);
	}
	if (!fired_or_measured)
		bn_skip(in, r, "no syscall count: %s", why ? why : "no data");
}

/* --- cache misses ------------------------------------------------------ */

static void rule_cache_miss_rate(bn_in *in, const bn_rule *r)
{
	if (in->inv.n == 0) {
		bn_skip(in, r, "no invocation records in the input (lp-invoke: make measure)");
		return;
	}
	int any = 0;
	const char *why = NULL;
	for (size_t p = 0; p < 2; p++) {
		char *mp = lp_xasprintf("counters.%s.cache_misses", phases[p]);
		char *rp = lp_xasprintf("counters.%s.cache_references", phases[p]);
		double miss = 0, ref = 0;
		size_t n = 0;
		for (size_t i = 0; i < in->inv.n; i++) {
			const json_t *rec = in->inv.v[i].rec;
			const char *st = nd_get_string(rec, "status"), *start = nd_get_string(rec, "start");
			if (!st || strcmp(st, "ok") || (p == 0 && (!start || strcmp(start, "cold"))))
				continue;
			double m, c;
			if (nd_get_number(rec, mp, &m) != 1) {
				if (!why) {
					char *reason = lp_xasprintf("%s_reason", mp);
					const char *rs = nd_get_string(rec, reason);
					why = rs ? rs : "cache_misses is absent or null";
					free(reason);
				}
				continue;
			}
			if (nd_get_number(rec, rp, &c) != 1) {
				if (!why)
					why = "the invocation records carry no cache_references counter, the miss rate's denominator";
				continue;
			}
			miss += m;
			ref += c;
			n++;
		}
		if (n && ref > 0) {
			any = 1;
			double rate = 100.0 * miss / ref;
			if (rate > r->thr) {
				char *loc = lp_xasprintf("%s: %.4g %% of cache references miss", phases[p], rate);
				char *cond = lp_xasprintf("cache_misses / cache_references %.4g %% > %.4g %%", rate, r->thr);
				json_t *f = bn_finding(in, r, phases[p], loc, rate, cond);
				json_array_append_new(json_object_get(f, "evidence"),
						      json_pack("{s:s, s:I, s:{s:f, s:f}}", "record", "invocation", "n",
								(json_int_t)n, "values", mp, miss, rp, ref));
				bn_set_impact(in, f, NAN, "a miss rate has no measured time: the stall time needs cycle counters");
				free(loc);
				free(cond);
			}
		}
		free(mp);
		free(rp);
	}
	if (!any)
		bn_skip(in, r, "no cache-miss rate: %s", why ? why : "no ok invocation");
}

/* --- binary size ------------------------------------------------------- */

static void rule_binary_size(bn_in *in, const bn_rule *r)
{
	if (in->bin.n == 0) {
		bn_skip(in, r, "no binary record in the input (lp-size: make size)");
		return;
	}
	const bn_item *it = &in->bin.v[in->bin.n - 1];
	double bytes;
	if (nd_get_number(it->rec, "file_bytes", &bytes) != 1) {
		bn_skip(in, r, "%s: the binary record has no file_bytes", it->at);
		return;
	}
	if (!(bytes > r->thr))
		return;
	/* Location: the file and its three largest crates / compile units. */
	char *loc = lp_xasprintf("%s (%.1f KiB)", nd_get_string(it->rec, "path") ? nd_get_string(it->rec, "path") : "?",
				 bytes / 1024);
	json_t *crates = json_array();
	static const char *const cev[] = { "name", "kind", "file_bytes", "file_pct", NULL };
	for (size_t i = 0; i < in->crate.n && i < 3; i++) {
		const bn_item *c = &in->crate.v[i];
		double cb = 0, pct = 0;
		nd_get_number(c->rec, "file_bytes", &cb);
		nd_get_number(c->rec, "file_pct", &pct);
		char *nl = lp_xasprintf("%s%s %s %.1f KiB (%.0f %%)", loc, i ? "," : ";", nd_get_string(c->rec, "name"),
					cb / 1024, pct);
		free(loc);
		loc = nl;
		json_array_append_new(crates, bn_evidence(c, cev));
	}
	char *cond = lp_xasprintf("file_bytes %.0f > %s", bytes, bn_fmt_threshold(r, r->thr));
	json_t *f = bn_finding(in, r, NULL, loc, bytes, cond);
	json_object_set_new(f, "path", json_string(nd_get_string(it->rec, "path") ? nd_get_string(it->rec, "path") : "?"));
	static const char *const ev[] = { "path", "file_bytes", "zip_bytes", "static", "interpreter", NULL };
	json_t *evid = json_object_get(f, "evidence");
	json_array_append_new(evid, bn_evidence(it, ev));
	json_array_extend(evid, crates);
	json_decref(crates);
	bn_set_impact(in, f, NAN,
		      "one build does not measure what its size costs in time: make sweep measures builds of different sizes");
	free(loc);
	free(cond);
}

/* --- init share -------------------------------------------------------- */

static void rule_init_share(bn_in *in, const bn_rule *r)
{
	if (in->cold.cold_ok == 0) {
		bn_skip(in, r, in->inv.n ? "no cold start with status ok and both init_ms and duration_ms"
					  : "no invocation records in the input (lp-invoke: make measure)");
		return;
	}
	/* The share is median init over median cold start, so that it is the
	 * impact_pct of the finding too. */
	qt_vec iv = { 0 }, tv = { 0 };
	for (size_t i = 0; i < in->cold.init.n; i++) {
		qt_push(&iv, in->cold.init.v[i]);
		qt_push(&tv, in->cold.total.v[i]);
	}
	double init = median_of(&iv), total = median_of(&tv);
	double s = 100.0 * init / total;
	qt_free(&iv);
	qt_free(&tv);
	if (!(s > r->thr))
		return;
	char *loc = lp_xasprintf("init (exec to first /next): %.4g %% of the cold start", s);
	char *cond = lp_xasprintf("median init_ms / median (init_ms + duration_ms) %.4g %% > %.4g %%", s, r->thr);
	json_t *f = bn_finding(in, r, "init", loc, s, cond);
	json_array_append_new(json_object_get(f, "evidence"),
			      json_pack("{s:s, s:I, s:{s:f, s:f}}", "record", "invocation", "n", (json_int_t)in->cold.cold_ok,
					"values", "init_ms_p50", init, "init_share_pct", s));
	bn_set_impact(in, f, init, "median init_ms of the cold starts (lp-invoke)");
	free(loc);
	free(cond);
}

/* --- dynamic loader ---------------------------------------------------- */

static const char *const loader_mods[] = { "ld-linux*", "ld-musl*", "ld.so*", "ld64.so*", "ld-*.so*", NULL };

static void rule_dynamic_loader(bn_in *in, const bn_rule *r)
{
	if (in->bin.n) {
		const json_t *b = in->bin.v[in->bin.n - 1].rec;
		json_t *st = json_object_get(b, "static");
		const char *interp = nd_get_string(b, "interpreter");
		if (json_is_true(st) && !interp) {
			bn_skip(in, r, "%s: static binary without an interpreter: there is no dynamic loader to time",
				in->bin.v[in->bin.n - 1].at);
			return;
		}
	}
	const char *run = last_run(&in->hot);
	const bn_item *prof = profile_of(in, run);
	double phase_samples = NAN, sum = 0;
	int nhot = 0;
	for (size_t i = 0; i < in->hot.n; i++)
		if (in_run(&in->hot.v[i], run) && is_phase(&in->hot.v[i], "init")) {
			nhot++;
			nd_get_number(in->hot.v[i].rec, "phase_samples", &phase_samples);
		}
	if (nhot == 0 || isnan(phase_samples) || phase_samples <= 0) {
		bn_skip(in, r, "no init-phase hotspot records with phase_samples (lp-perfrec sampling: make perf)");
		return;
	}
	json_t *evid = json_array();
	static const char *const ev[] = { "run_id", "symbol", "module", "self_samples", "self_pct", NULL };
	for (size_t i = 0; i < in->hot.n; i++) {
		const bn_item *it = &in->hot.v[i];
		double s;
		if (!in_run(it, run) || !is_phase(it, "init") || !glob_any(nd_get_string(it->rec, "module"), loader_mods) ||
		    nd_get_number(it->rec, "self_samples", &s) != 1)
			continue;
		sum += s;
		if (json_array_size(evid) < 5)
			json_array_append_new(evid, bn_evidence(it, ev));
	}
	double pct = 100.0 * sum / phase_samples;
	if (!(pct > r->thr)) {
		json_decref(evid);
		return;
	}
	/* Failed openat in init: the loader searching library paths. */
	for (size_t i = 0; i < in->sys.n; i++) {
		const bn_item *it = &in->sys.v[i];
		const char *name = nd_get_string(it->rec, "name");
		static const char *const sev[] = { "run_id", "name", "calls_per_start", "errors", "cold_starts", NULL };
		if (in_run(it, last_run(&in->sys)) && is_phase(it, "init") && name && strcmp(name, "openat") == 0)
			json_array_append_new(evid, bn_evidence(it, sev));
	}
	char *loc = lp_xasprintf("dynamic loader before main: %.4g %% of init CPU samples", pct);
	char *cond = lp_xasprintf("self samples in the loader's module %.0f of %.0f = %.4g %% > %.4g %%", sum,
				  phase_samples, pct, r->thr);
	json_t *f = bn_finding(in, r, "init", loc, pct, cond);
	json_array_extend(json_object_get(f, "evidence"), evid);
	json_decref(evid);
	const char *how;
	double ms = cpu_ms(in, prof, "init", sum, &how);
	char *b = basis("CPU time in the dynamic loader's module (ld-linux*, ld-musl*) per cold start, from the init hotspot records (lp-perfrec keeps the top 200; the kernel's page faults on its behalf are not included)", how);
	bn_set_impact(in, f, ms, b);
	free(b);
	free(loc);
	free(cond);
}

/* --- page faults ------------------------------------------------------- */

static const char *const fault_syms[] = { "asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault",
					  "handle_mm_fault", "__handle_mm_fault", NULL };

static void rule_init_page_faults(bn_in *in, const bn_rule *r)
{
	if (in->inv.n == 0) {
		bn_skip(in, r, "no invocation records in the input (lp-invoke: make measure)");
		return;
	}
	size_t n;
	const char *reason;
	double v = cold_median(in, "counters.init.page_faults_minor", 1, &n, &reason, "counters.init.page_faults_major");
	if (isnan(v)) {
		bn_skip(in, r, "no init page-fault counts: %s", reason ? reason : "no ok cold start with both counters");
		return;
	}
	if (!(v > r->thr))
		return;
	char *loc = lp_xasprintf("init: %.0f page faults per cold start", v);
	char *cond = lp_xasprintf("median page_faults_minor + page_faults_major %.6g > %.6g", v, r->thr);
	json_t *f = bn_finding(in, r, "init", loc, v, cond);
	json_t *evid = json_object_get(f, "evidence");
	json_array_append_new(evid, json_pack("{s:s, s:I, s:{s:f}}", "record", "invocation", "n", (json_int_t)n,
					      "values", "counters.init.page_faults_p50", v));
	/* Time: the largest inclusive (total) samples of the fault handlers;
	 * they nest, so the largest one holds the others. */
	const char *run = last_run(&in->hot);
	const bn_item *best = NULL;
	double bs = -1;
	for (size_t i = 0; i < in->hot.n; i++) {
		const bn_item *it = &in->hot.v[i];
		double s;
		if (in_run(it, run) && is_phase(it, "init") && glob_any(nd_get_string(it->rec, "symbol"), fault_syms) &&
		    nd_get_number(it->rec, "total_samples", &s) == 1 && s > bs) {
			bs = s;
			best = it;
		}
	}
	if (best) {
		static const char *const ev[] = { "run_id", "symbol", "module", "total_samples", "total_pct", NULL };
		json_array_append_new(evid, bn_evidence(best, ev));
		const char *how;
		double ms = cpu_ms(in, profile_of(in, run), "init", bs, &how);
		char *b = basis("CPU time in the kernel's page-fault handler (inclusive samples) per cold start", how);
		bn_set_impact(in, f, ms, b);
		free(b);
	} else {
		bn_set_impact(in, f, NAN, in->hot.n ? "no page-fault handler among the init hotspot records (kernel sampling off: --user-only?)"
						    : "no hotspot records to time the faults (lp-perfrec sampling: make perf)");
	}
	free(loc);
	free(cond);
}

/* --- memory ------------------------------------------------------------ */

static void rule_memory_limit(bn_in *in, const bn_rule *r)
{
	if (in->inv.n == 0) {
		bn_skip(in, r, "no invocation records in the input (lp-invoke: make measure)");
		return;
	}
	double used = in->cold.mem_used_max, lim = in->cold.memory_mb;
	if (isnan(used) || isnan(lim) || lim <= 0) {
		const char *reason = NULL;
		for (size_t i = 0; i < in->inv.n && !reason; i++)
			reason = nd_get_string(in->inv.v[i].rec, "max_memory_used_mb_reason");
		bn_skip(in, r, "no max_memory_used_mb or memory_mb: %s", reason ? reason : "absent from every record");
		return;
	}
	double pct = 100.0 * used / lim;
	if (!(pct > r->thr))
		return;
	char *loc = lp_xasprintf("memory: %.0f of %.0f MB used at peak (%.4g %%)", used, lim, pct);
	char *cond = lp_xasprintf("max max_memory_used_mb / memory_mb %.4g %% > %.4g %%", pct, r->thr);
	json_t *f = bn_finding(in, r, NULL, loc, pct, cond);
	json_array_append_new(json_object_get(f, "evidence"),
			      json_pack("{s:s, s:I, s:{s:f, s:f}}", "record", "invocation", "n", (json_int_t)in->inv.n,
					"values", "max_memory_used_mb_max", used, "memory_mb", lim));
	bn_set_impact(in, f, NAN, "headroom is a risk (out-of-memory kills, allocator pressure), not a measured time");
	free(loc);
	free(cond);
}

/* --- the table ----------------------------------------------------------- */

bn_rule bn_rules[] = {
	{ "cpu_hotspot", "cpu", BN_PCT, 5,
	  "a symbol's self samples, % of its phase's samples (hotspot.self_pct)",
	  "hotspot + profile records (lp-perfrec sampling)",
	  "its share of the phase's samples x the phase's median task_clock_ms (lp-invoke), else self_samples / freq_hz / cold_starts", rule_cpu_hotspot, 0, 0 },
	{ "alloc_count", "allocations", BN_COUNT, 1000,
	  "allocation calls per cold start (init) or per invocation (invoke) (alloc.alloc_calls_per_start)",
	  "alloc records (lp-perfrec --alloc)",
	  "the allocator symbols' samples, as cpu_hotspot", rule_alloc_count, 0, 0 },
	{ "syscall_count", "syscalls", BN_COUNT, 100,
	  "syscalls per cold start (init) or per invocation (invoke): median counters.<phase>.syscalls, else the syscall records' sum",
	  "invocation records (lp-invoke) or syscall records (lp-perfrec --syscalls)",
	  "the syscalls' share of the traced phase (execve excluded) x the untraced phase median", rule_syscall_count, 0, 0 },
	{ "cache_miss_rate", "cache", BN_PCT, 10,
	  "cache_misses / cache_references of the phase, summed over ok invocations",
	  "counters.<phase>.cache_misses and cache_references (hardware PMU)",
	  "none (null): a rate has no measured time", rule_cache_miss_rate, 0, 0 },
	{ "binary_size", "size", BN_BYTES, 100 * 1024,
	  "file size of the bootstrap (binary.file_bytes)",
	  "a binary record (lp-size)",
	  "none (null): make sweep measures size against time", rule_binary_size, 0, 0 },
	{ "init_share", "init", BN_PCT, 50,
	  "median init_ms / median (init_ms + duration_ms) of the cold starts",
	  "cold invocation records with status ok (lp-invoke)",
	  "median init_ms", rule_init_share, 0, 0 },
	{ "dynamic_loader", "loader", BN_PCT, 10,
	  "self samples in the dynamic loader's module, % of init samples",
	  "init hotspot records + profile (lp-perfrec sampling); a static binary has no loader",
	  "the loader's samples, as cpu_hotspot", rule_dynamic_loader, 0, 0 },
	{ "init_page_faults", "page_faults", BN_COUNT, 1000,
	  "median counters.init.page_faults_minor + page_faults_major per cold start",
	  "cold invocation records with page-fault counters (lp-invoke)",
	  "the kernel page-fault handler's inclusive samples, as cpu_hotspot", rule_init_page_faults, 0, 0 },
	{ "memory_limit", "memory", BN_PCT, 80,
	  "largest max_memory_used_mb, % of memory_mb",
	  "invocation records with max_memory_used_mb (lp-invoke)",
	  "none (null): headroom is a risk, not a time", rule_memory_limit, 0, 0 },
};
const size_t bn_nrules = sizeof bn_rules / sizeof bn_rules[0];
