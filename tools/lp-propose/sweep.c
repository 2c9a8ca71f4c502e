/* lp-propose sweep — summarize a build sweep (mk/sweep.mk): per variant the
 * cold-start p50/p99 with CIs, the change of init p50 against the current
 * build (bootstrap CI, Mann-Whitney p), sizes, memory, and the Pareto
 * front of init p50 against file size.  All variants come from one
 * interleaved run, so the machine's noise spreads over them evenly. */
#include "propose.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lputil.h"
#include "ndjson.h"
#include "quant.h"
#include "stats.h"

typedef struct {
	char *dir;
	json_t *config; /* sweep_config */
	json_t *binary; /* lp-size binary record or NULL */
	qt_cold cold;
	qt_vec rss;
	char *run_ids_first;
	size_t runs;
	qt_summary init, total;
	json_t *rec;
} variant;

static json_t *read_config(const char *dir)
{
	char *p = lp_xasprintf("%s/variant.json", dir);
	nd_reader *r = nd_open(p);
	json_t *rec = nd_read(r), *extra = rec ? nd_read(r) : NULL;
	if (!rec || extra || !nd_get_string(rec, "variant") || !json_is_object(json_object_get(rec, "settings")))
		lp_errx(LP_EXIT_USAGE, "%s: want one sweep_config record with \"variant\" and \"settings\"", p);
	nd_close(r);
	free(p);
	return rec;
}

static void read_variant(variant *v)
{
	v->config = read_config(v->dir);
	char *p = lp_xasprintf("%s/invocations.ndjson", v->dir);
	nd_reader *r = nd_open(p);
	json_t *rec;
	while ((rec = nd_read(r)) != NULL) {
		qt_cold_add(&v->cold, rec);
		double kb;
		const char *start = nd_get_string(rec, "start"), *st = nd_get_string(rec, "status");
		if (start && strcmp(start, "cold") == 0 && st && strcmp(st, "ok") == 0 &&
		    nd_get_number(rec, "rss_peak_kb", &kb) == 1)
			qt_push(&v->rss, kb);
		const char *run = nd_get_string(rec, "run_id");
		if (run && (!v->run_ids_first || strcmp(run, v->run_ids_first) != 0)) {
			if (!v->run_ids_first)
				v->run_ids_first = lp_xstrdup(run);
			v->runs++;
		}
		json_decref(rec);
	}
	nd_close(r);
	free(p);
	p = lp_xasprintf("%s/size.ndjson", v->dir);
	struct stat st;
	if (stat(p, &st) == 0) {
		r = nd_open(p);
		while ((rec = nd_read(r)) != NULL) {
			const char *t = nd_get_string(rec, "type");
			if (t && strcmp(t, "binary") == 0 && !v->binary)
				v->binary = json_incref(rec);
			json_decref(rec);
		}
		nd_close(r);
	}
	free(p);
}

static json_t *ci_pair(double lo, double hi)
{
	return isnan(lo) || isnan(hi) ? json_null() : json_pack("[f,f]", lo, hi);
}

static void put_q(json_t *o, const char *name, double v, double lo, double hi, size_t n)
{
	char *k = lp_xasprintf("%s_ci95", name);
	json_object_set_new(o, name, nd_real(v));
	json_object_set_new(o, k, ci_pair(lo, hi));
	if (isnan(lo)) {
		char *rk = lp_xasprintf("%s_reason", k);
		json_object_set_new(o, rk, json_string(n == 0 ? "no ok cold start"
						       : "too few cold starts for a distribution-free 95 % interval of this quantile"));
		free(rk);
	}
	free(k);
}

static void fmt(char *b, size_t n, double v, const char *f)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else
		snprintf(b, n, f, v);
}

static void print_table(variant *vs, size_t n, const int *front)
{
	const char *func = nd_get_string(vs[0].config, "func"), *impl = nd_get_string(vs[0].config, "impl");
	printf("sweep of %s-%s: %zu variants, one interleaved run (cold start = init + first invocation)\n",
	       func ? func : "?", impl ? impl : "?", n);
	printf("%-34s %4s %21s %21s %9s %22s %9s %8s %7s %s\n", "VARIANT", "N", "COLD_P50_MS [95% CI]",
	       "COLD_P99_MS [95% CI]", "INIT_P50", "dINIT_MS [95% CI]", "SIZE_KIB", "ZIP_KIB", "MEM_MB", "");
	for (size_t i = 0; i < n; i++) {
		json_t *o = vs[i].rec;
		char a[64], b[64], c[64], d[64], e[64], f[64], g[64];
		double lo, hi;
		json_t *ci = json_object_get(o, "cold_start_ms_p50_ci95");
		lo = json_is_array(ci) ? json_number_value(json_array_get(ci, 0)) : NAN;
		hi = json_is_array(ci) ? json_number_value(json_array_get(ci, 1)) : NAN;
		if (isnan(lo))
			snprintf(a, sizeof a, "%.3f [-]", vs[i].total.p50);
		else
			snprintf(a, sizeof a, "%.3f [%.3f,%.3f]", vs[i].total.p50, lo, hi);
		ci = json_object_get(o, "cold_start_ms_p99_ci95");
		if (json_is_array(ci))
			snprintf(b, sizeof b, "%.3f [%.3f,%.3f]", vs[i].total.p99, json_number_value(json_array_get(ci, 0)),
				 json_number_value(json_array_get(ci, 1)));
		else
			snprintf(b, sizeof b, "%.3f [-]", vs[i].total.p99);
		fmt(c, sizeof c, vs[i].init.p50, "%.3f");
		double dl, dd = NAN;
		nd_get_number(o, "init_ms_p50_delta", &dd);
		ci = json_object_get(o, "init_ms_p50_delta_ci95");
		if (json_is_true(json_object_get(o, "current")))
			snprintf(d, sizeof d, "(current)");
		else if (json_is_array(ci) && !isnan(dd))
			snprintf(d, sizeof d, "%+.3f [%+.3f,%+.3f]", dd, json_number_value(json_array_get(ci, 0)),
				 json_number_value(json_array_get(ci, 1)));
		else
			fmt(d, sizeof d, dd, "%+.3f");
		fmt(e, sizeof e, nd_get_number(o, "file_bytes", &dl) == 1 ? dl / 1024 : NAN, "%.1f");
		fmt(f, sizeof f, nd_get_number(o, "zip_bytes", &dl) == 1 ? dl / 1024 : NAN, "%.1f");
		fmt(g, sizeof g, nd_get_number(o, "max_memory_used_mb", &dl) == 1 ? dl : NAN, "%.0f");
		printf("%-34s %4zu %21s %21s %9s %22s %9s %8s %7s %s\n", nd_get_string(o, "variant"), vs[i].total.n, a, b, c, d,
		       e, f, g, front[i] ? "pareto" : "");
	}
	printf("\nPareto front, init p50 against file size (no other variant is both faster and smaller):\n");
	printf("  %-34s %9s %9s\n", "VARIANT", "INIT_P50", "SIZE_KIB");
	/* By size, smallest first. */
	size_t *idx = lp_xreallocarray(NULL, n, sizeof *idx), k = 0;
	for (size_t i = 0; i < n; i++)
		if (front[i])
			idx[k++] = i;
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0; j--) {
			double x, y;
			nd_get_number(vs[idx[j - 1]].rec, "file_bytes", &x);
			nd_get_number(vs[idx[j]].rec, "file_bytes", &y);
			if (y < x) {
				size_t t = idx[j];
				idx[j] = idx[j - 1];
				idx[j - 1] = t;
			}
		}
	for (size_t i = 0; i < k; i++) {
		double fb = NAN;
		nd_get_number(vs[idx[i]].rec, "file_bytes", &fb);
		printf("  %-34s %9.3f %9.1f\n", nd_get_string(vs[idx[i]].rec, "variant"), vs[idx[i]].init.p50, fb / 1024);
	}
	if (k == 0)
		printf("  (none: no variant has both an init p50 and a size)\n");
	free(idx);
}

int pr_sweep_main(int argc, char **argv)
{
	static const struct option opts[] = { { "format", required_argument, NULL, 'F' },
					    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	int table = 0, c;
	while ((c = getopt_long(argc, argv, "F:h", opts, NULL)) != -1) {
		switch (c) {
		case 'F':
			if ((table = lp_parse_table_format(optarg)) < 0)
				lp_usage_error("sweep --format '%s': want ndjson or table", optarg);
			break;
		case 'h':
			printf("usage: lp-propose sweep [--format ndjson|table] VARIANT_DIR...\n");
			lp_close_stdout();
			return LP_EXIT_OK;
		default: return LP_EXIT_USAGE;
		}
	}
	size_t n = (size_t)(argc - optind);
	if (n == 0)
		lp_usage_error("sweep: no variant directory");
	variant *vs = lp_xcalloc(n, sizeof *vs);
	variant *cur = NULL;
	for (size_t i = 0; i < n; i++) {
		vs[i].dir = argv[optind + (int)i];
		read_variant(&vs[i]);
		if (json_is_true(json_object_get(vs[i].config, "current"))) {
			if (cur)
				lp_errx(LP_EXIT_USAGE, "%s/variant.json: a second current variant (%s is current)", vs[i].dir, cur->dir);
			cur = &vs[i];
		}
	}
	double *x = lp_xcalloc(n, sizeof *x), *y = lp_xcalloc(n, sizeof *y);
	int *front = lp_xcalloc(n, sizeof *front);
	for (size_t i = 0; i < n; i++) {
		variant *v = &vs[i];
		/* Copies: qt_summarize sorts, the deltas want the raw samples. */
		qt_vec iv = { 0 }, tv = { 0 };
		for (size_t k = 0; k < v->cold.init.n; k++) {
			qt_push(&iv, v->cold.init.v[k]);
			qt_push(&tv, v->cold.total.v[k]);
		}
		qt_summarize(&iv, &v->init);
		qt_summarize(&tv, &v->total);
		qt_free(&iv);
		qt_free(&tv);
		x[i] = v->init.p50;
		double fb;
		y[i] = v->binary && nd_get_number(v->binary, "file_bytes", &fb) == 1 ? fb : NAN;
	}
	qt_pareto(x, y, n, front);
	for (size_t i = 0; i < n; i++) {
		variant *v = &vs[i];
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string("sweep_variant"));
		json_object_set_new(o, "schema", json_integer(1));
		static const char *const keys[] = { "func", "impl", "variant", "settings", "apply", NULL };
		for (const char *const *k = keys; *k; k++) {
			json_t *val = json_object_get(v->config, *k);
			json_object_set(o, *k, val ? val : json_null());
		}
		json_object_set_new(o, "current", json_boolean(v == cur));
		json_object_set_new(o, "platform", json_string("local"));
		json_object_set_new(o, "memory_mb", nd_real(v->cold.memory_mb));
		json_object_set_new(o, "run_id", v->run_ids_first ? json_string(v->run_ids_first) : json_null());
		json_object_set_new(o, "n", json_integer((json_int_t)v->cold.cold_ok));
		json_object_set_new(o, "cold_starts", json_integer((json_int_t)v->cold.cold));
		json_object_set_new(o, "cold_starts_failed", json_integer((json_int_t)(v->cold.cold - v->cold.cold_ok)));
		put_q(o, "init_ms_p50", v->init.p50, v->init.p50_lo, v->init.p50_hi, v->init.n);
		put_q(o, "init_ms_p99", v->init.p99, v->init.p99_lo, v->init.p99_hi, v->init.n);
		put_q(o, "cold_start_ms_p50", v->total.p50, v->total.p50_lo, v->total.p50_hi, v->total.n);
		put_q(o, "cold_start_ms_p99", v->total.p99, v->total.p99_lo, v->total.p99_hi, v->total.n);
		if (cur && v != cur && v->cold.init.n && cur->cold.init.n) {
			double lo, hi;
			json_object_set_new(o, "init_ms_p50_delta", nd_real(v->init.p50 - cur->init.p50));
			if (qt_boot_median_diff(cur->cold.init.v, cur->cold.init.n, v->cold.init.v, v->cold.init.n, 2000, 1, 0.95,
						&lo, &hi) == 0)
				json_object_set_new(o, "init_ms_p50_delta_ci95", json_pack("[f,f]", lo, hi));
			else
				json_object_set_new(o, "init_ms_p50_delta_ci95", json_null());
			json_object_set_new(o, "init_ms_p50_delta_method",
					    json_string("percentile bootstrap of the difference of medians, 2000 resamples, seed 1"));
			st_mw_r mw;
			if (st_mann_whitney(cur->cold.init.v, cur->cold.init.n, v->cold.init.v, v->cold.init.n, &mw) == 0)
				json_object_set_new(o, "init_ms_mw_p", nd_real(mw.p));
		} else {
			json_object_set_new(o, "init_ms_p50_delta", v == cur ? json_real(0) : json_null());
			if (v != cur)
				json_object_set_new(o, "init_ms_p50_delta_reason",
						    json_string(!cur ? "no variant is marked current" : "a side has no ok cold start"));
		}
		double b;
		json_object_set_new(o, "file_bytes", v->binary && nd_get_number(v->binary, "file_bytes", &b) == 1 ? json_real(b) : json_null());
		json_object_set_new(o, "zip_bytes", v->binary && nd_get_number(v->binary, "zip_bytes", &b) == 1 ? json_real(b) : json_null());
		if (!v->binary) {
			json_object_set_new(o, "file_bytes_reason", json_string("no size.ndjson binary record for this variant"));
			json_object_set_new(o, "zip_bytes_reason", json_string("no size.ndjson binary record for this variant"));
		}
		if (v->binary)
			json_object_set(o, "static", json_object_get(v->binary, "static") ? json_object_get(v->binary, "static") : json_null());
		json_object_set_new(o, "max_memory_used_mb", nd_real(v->cold.mem_used_max));
		if (v->rss.n) {
			st_sort(v->rss.v, v->rss.n);
			json_object_set_new(o, "rss_peak_kb_p50", json_real(st_percentile(v->rss.v, v->rss.n, 50)));
		} else {
			json_object_set_new(o, "rss_peak_kb_p50", json_null());
			json_object_set_new(o, "rss_peak_kb_p50_reason", json_string("no rss_peak_kb in the ok cold starts"));
		}
		json_object_set_new(o, "pareto", json_boolean(front[i]));
		json_object_set_new(o, "pareto_axes", json_string("init_ms_p50 vs file_bytes, both minimized"));
		v->rec = o;
		if (!table)
			nd_write(stdout, o);
	}
	if (table)
		print_table(vs, n, front);
	for (size_t i = 0; i < n; i++) {
		json_decref(vs[i].rec);
		json_decref(vs[i].config);
		json_decref(vs[i].binary);
		qt_cold_free(&vs[i].cold);
		qt_free(&vs[i].rss);
		free(vs[i].run_ids_first);
	}
	free(vs);
	free(x);
	free(y);
	free(front);
	lp_close_stdout();
	return LP_EXIT_OK;
}
