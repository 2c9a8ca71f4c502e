/* lp-stats: build summary, relative, comparison, gate and lambda-perf
 * records from the groups. */
#include "lpstats.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"
#include "ndjson.h"

#define MIN_RUNS 30   /* Georges et al.: enough runs for the CLT to hold */
#define MAX_CV_PCT 5.0
#define MAX_LISTED_OUTLIERS 20

void emit(ctx *c, json_t *rec)
{
	if (strcmp(c->format, "ndjson") == 0) {
		nd_emit(stdout, rec);
		return;
	}
	json_array_append_new(c->out, rec);
}

/* v, or null with "<name>_reason" when v is not a finite number. */
void put_num(json_t *o, const char *name, double v, const char *reason)
{
	if (isfinite(v)) {
		json_object_set_new(o, name, json_real(v));
		return;
	}
	json_object_set_new(o, name, json_null());
	char *rk = lp_xasprintf("%s_reason", name);
	json_object_set_new(o, rk, json_string(reason ? reason : "not computable"));
	free(rk);
}

static json_t *pair(double a, double b) { return json_pack("[f,f]", a, b); }

static const char *no_values_reason(const series *s)
{
	return s->n == 0 ? "no values in this group" : s->n == 1 ? "one value: no spread" : "not computable";
}

static json_t *excluded_obj(const group *g)
{
	json_t *o = json_object();
	for (size_t i = 0; i < g->nexcl; i++)
		json_object_set_new(o, g->excl[i].status, json_integer((json_int_t)g->excl[i].n));
	return o;
}

static void put_platform(json_t *o, const group *g)
{
	if (g->platform && !g->platform_mixed)
		json_object_set_new(o, "platform", json_string(g->platform));
	else {
		json_object_set_new(o, "platform", json_null());
		json_object_set_new(o, "platform_reason", json_string(g->platform ? "records from more than one platform" : "records without a platform"));
	}
}

static json_t *summary_record(ctx *c, group *g, size_t k)
{
	series *s = &g->s[k];
	series_summarize(s);
	const char *field = c->fields[k];
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("summary"));
	json_object_set(o, "group", g->gobj);
	json_object_set_new(o, "field", json_string(field));
	const char *u = unit_of(field);
	json_object_set_new(o, "unit", u ? json_string(u) : json_null());
	put_platform(o, g);
	json_object_set_new(o, "records", json_integer((json_int_t)g->records));
	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	json_object_set_new(o, "n_null", json_integer((json_int_t)s->n_null));
	json_object_set_new(o, "excluded", json_integer((json_int_t)g->excluded));
	json_object_set_new(o, "excluded_by_status", excluded_obj(g));
	const char *r = no_values_reason(s);
	put_num(o, "mean", s->mean, r);
	put_num(o, "stddev", s->sd, r);
	put_num(o, "cv_pct", s->cv, s->n >= 2 && s->mean == 0 ? "mean is 0" : r);
	put_num(o, "min", s->min, r);
	put_num(o, "p50", s->p50, r);
	put_num(o, "p90", s->p90, r);
	put_num(o, "p95", s->p95, r);
	put_num(o, "p99", s->p99, r);
	put_num(o, "max", s->max, r);
	if (s->mci_ok)
		json_object_set_new(o, "mean_ci95", pair(s->mci_lo, s->mci_hi));
	else {
		json_object_set_new(o, "mean_ci95", json_null());
		json_object_set_new(o, "mean_ci95_reason", json_string(s->n < 2 ? "fewer than 2 values" : "not computable"));
	}
	json_object_set_new(o, "mean_ci_method", json_string("student-t"));
	if (s->dci_ok) {
		json_object_set_new(o, "median_ci95", pair(s->dci_lo, s->dci_hi));
		json_object_set_new(o, "median_ci_coverage", json_real(s->dci_cov));
		json_object_set_new(o, "median_ci_ranks", json_pack("[I,I]", (json_int_t)s->dci_rlo, (json_int_t)s->dci_rhi));
	} else {
		json_object_set_new(o, "median_ci95", json_null());
		json_object_set_new(o, "median_ci95_reason",
				    json_string("fewer than 6 values: no pair of order statistics covers 95 %"));
	}
	json_object_set_new(o, "median_ci_method", json_string("order-statistic (binomial)"));
	json_object_set_new(o, "percentile_method", json_string("linear (numpy default)"));
	if (s->n > 0) {
		json_object_set_new(o, "outliers", json_integer((json_int_t)(s->out.low + s->out.high)));
		json_object_set_new(o, "outliers_low", json_integer((json_int_t)s->out.low));
		json_object_set_new(o, "outliers_high", json_integer((json_int_t)s->out.high));
		json_t *vals = json_array();
		size_t listed = 0;
		for (size_t i = 0; i < s->n && listed < MAX_LISTED_OUTLIERS; i++)
			if (s->v[i] < s->out.lo_fence || s->v[i] > s->out.hi_fence) {
				json_array_append_new(vals, json_real(s->v[i]));
				listed++;
			}
		json_object_set_new(o, "outlier_values", vals);
		json_object_set_new(o, "outlier_method",
				    json_string(s->out.mad_zero ? "modified z-score > 3.5 (MAD is 0: 1.253314 x mean absolute deviation)"
								: "modified z-score > 3.5 (MAD)"));
		put_num(o, "mad", s->out.mad, NULL);
	} else {
		json_object_set_new(o, "outliers", json_null());
		json_object_set_new(o, "outliers_reason", json_string("no values in this group"));
	}
	json_t *warn = json_array();
	if (s->n < MIN_RUNS) {
		char *m = lp_xasprintf("n = %zu < %d: too few runs for trustworthy intervals", s->n, MIN_RUNS);
		json_array_append_new(warn, json_string(m));
		free(m);
	}
	if (isfinite(s->cv) && s->cv > MAX_CV_PCT) {
		char *m = lp_xasprintf("CV %.1f %% > %.0f %%: noisy measurement", s->cv, MAX_CV_PCT);
		json_array_append_new(warn, json_string(m));
		free(m);
	}
	if (g->excluded) {
		char *m = lp_xasprintf("%zu of %zu records excluded (status not ok)", g->excluded, g->records);
		json_array_append_new(warn, json_string(m));
		free(m);
	}
	for (size_t i = 0; c->warn_stderr && i < json_array_size(warn); i++)
		lp_warnx("%s: %s: %s", g->label, field, json_string_value(json_array_get(warn, i)));
	json_object_set_new(o, "warnings", warn);
	return o;
}

void report_summaries(ctx *c)
{
	for (size_t i = 0; i < c->ngroups; i++) {
		group *g = c->groups[i];
		if (g->side != SIDE_CUR)
			continue;
		for (size_t k = 0; k < c->nfields; k++)
			emit(c, summary_record(c, g, k));
	}
}

/* hyperfine's relative speed: ratio of means to the fastest group's mean,
 * with the standard deviation propagated to first order; we add Fieller's
 * 95 % interval of the ratio of means. */
void report_relative(ctx *c)
{
	size_t ncur = 0;
	for (size_t i = 0; i < c->ngroups; i++)
		ncur += c->groups[i]->side == SIDE_CUR;
	if (ncur < 2)
		return;
	for (size_t k = 0; k < c->nfields; k++) {
		group *best = NULL;
		for (size_t i = 0; i < c->ngroups; i++) {
			group *g = c->groups[i];
			if (g->side != SIDE_CUR)
				continue;
			series_summarize(&g->s[k]);
			if (g->s[k].n && (!best || g->s[k].mean < best->s[k].mean))
				best = g;
		}
		if (!best)
			continue;
		series *b = &best->s[k];
		for (size_t i = 0; i < c->ngroups; i++) {
			group *g = c->groups[i];
			if (g->side != SIDE_CUR)
				continue;
			series *s = &g->s[k];
			json_t *o = json_object();
			json_object_set_new(o, "type", json_string("relative"));
			json_object_set(o, "group", g->gobj);
			json_object_set_new(o, "field", json_string(c->fields[k]));
			json_object_set(o, "reference", best->gobj);
			json_object_set_new(o, "fastest", json_boolean(g == best));
			json_object_set_new(o, "n", json_integer((json_int_t)s->n));
			put_num(o, "mean", s->mean, no_values_reason(s));
			double ratio = s->n ? s->mean / b->mean : NAN;
			double rsd = ratio * sqrt(pow(s->sd / s->mean, 2) + pow(b->sd / b->mean, 2));
			if (g == best)
				rsd = NAN;
			put_num(o, "ratio", ratio, s->n ? "reference mean is 0" : "no values in this group");
			put_num(o, "ratio_sd", rsd, g == best ? "the reference itself" : "needs 2 values in both groups");
			st_welch_r w;
			double lo, hi;
			if (g != best && st_welch(b->n, b->mean, b->sd, s->n, s->mean, s->sd, &w) == 0 &&
			    st_fieller(b->mean, b->sd * b->sd / (double)b->n, s->mean, s->sd * s->sd / (double)s->n, w.df,
				       0.95, &lo, &hi) == 0)
				json_object_set_new(o, "ratio_ci95", pair(lo, hi));
			else {
				json_object_set_new(o, "ratio_ci95", json_null());
				json_object_set_new(o, "ratio_ci95_reason",
						    json_string(g == best ? "the reference itself"
									  : "Fieller interval undefined (too few values or zero variance)"));
			}
			json_object_set_new(o, "method", json_string("ratio of means (hyperfine): +- first-order propagated stddev; CI: Fieller"));
			emit(c, o);
		}
	}
}

/* --- comparisons ------------------------------------------------------ */

static json_t *side_obj(const group *g, series *s)
{
	json_t *o = json_object();
	json_object_set(o, "group", g->gobj);
	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	put_num(o, "mean", s->mean, no_values_reason(s));
	put_num(o, "p50", s->p50, no_values_reason(s));
	put_num(o, "stddev", s->sd, no_values_reason(s));
	return o;
}

typedef struct {
	double med_change, mean_change, p_mw, p_welch;
	int ok;
} cmp_result;

static json_t *comparison_record(ctx *c, group *base, group *cand, size_t k, cmp_result *cr)
{
	series *a = &base->s[k], *b = &cand->s[k];
	series_summarize(a);
	series_summarize(b);
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("comparison"));
	json_t *common = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(cand->gobj, key, v) json_object_set(common, key, v);
	json_object_set_new(o, "group", common);
	json_object_set_new(o, "field", json_string(c->fields[k]));
	const char *u = unit_of(c->fields[k]);
	json_object_set_new(o, "unit", u ? json_string(u) : json_null());
	json_object_set_new(o, "base", side_obj(base, a));
	json_object_set_new(o, "cand", side_obj(cand, b));
	memset(cr, 0, sizeof *cr);
	cr->med_change = cr->mean_change = cr->p_mw = cr->p_welch = NAN;
	const char *why = (a->n == 0 || b->n == 0) ? "a side has no values" : NULL;

	double mr = (a->n && b->n && a->mean != 0) ? b->mean / a->mean : NAN;
	double dr = (a->n && b->n && a->p50 != 0) ? b->p50 / a->p50 : NAN;
	put_num(o, "mean_ratio", mr, why ? why : "base mean is 0");
	st_welch_r w;
	int wok = st_welch(a->n, a->mean, a->sd, b->n, b->mean, b->sd, &w) == 0;
	double lo, hi;
	if (wok && st_fieller(a->mean, a->sd * a->sd / (double)a->n, b->mean, b->sd * b->sd / (double)b->n, w.df, 0.95,
			      &lo, &hi) == 0)
		json_object_set_new(o, "mean_ratio_ci95", pair(lo, hi));
	else {
		json_object_set_new(o, "mean_ratio_ci95", json_null());
		json_object_set_new(o, "mean_ratio_ci95_reason",
				    json_string("Fieller interval undefined (fewer than 2 values, zero variance, or base mean not distinguishable from 0)"));
	}
	json_object_set_new(o, "mean_ratio_method", json_string("Fieller (independent samples, t at Welch df)"));
	put_num(o, "median_ratio", dr, why ? why : "base median is 0");
	/* The bootstrap costs B (n1 + n2) draws: keep it under ~4e8 (seconds,
	 * not hours) on huge samples; the method string says how many. */
	unsigned boot = c->boot;
	double draws = (double)boot * (double)(a->n + b->n);
	if (draws > 4e8) {
		double fit = 4e8 / (double)(a->n + b->n);
		boot = fit < 200 ? 200 : (unsigned)fit;
		lp_warnx("%s: %s: %zu + %zu values: bootstrap reduced to %u resamples", cand->label, c->fields[k], a->n, b->n, boot);
	}
	if (isfinite(dr) && st_boot_median_ratio(a->v, a->n, b->v, b->n, boot, c->seed, 0.95, &lo, &hi) == 0)
		json_object_set_new(o, "median_ratio_ci95", pair(lo, hi));
	else {
		json_object_set_new(o, "median_ratio_ci95", json_null());
		json_object_set_new(o, "median_ratio_ci95_reason", json_string(why ? why : "a resampled base median is 0"));
	}
	char *m = lp_xasprintf("percentile bootstrap, %u resamples, seed %llu", boot, (unsigned long long)c->seed);
	json_object_set_new(o, "median_ratio_method", json_string(m));
	free(m);
	cr->mean_change = 100.0 * (mr - 1);
	cr->med_change = 100.0 * (dr - 1);
	put_num(o, "mean_change_pct", cr->mean_change, why ? why : "base mean is 0");
	put_num(o, "median_change_pct", cr->med_change, why ? why : "base median is 0");
	put_num(o, "welch_t", w.t, "needs 2 values per side and a nonzero variance");
	put_num(o, "welch_df", w.df, "needs 2 values per side and a nonzero variance");
	put_num(o, "welch_p", w.p, "needs 2 values per side and a nonzero variance");
	st_mw_r mw;
	if (st_mann_whitney(a->v, a->n, b->v, b->n, &mw) != 0) {
		mw.u1 = mw.z = mw.p = NAN;
		mw.exact = 0;
	}
	put_num(o, "mw_u", mw.u1, "a side has no values");
	put_num(o, "mw_z", mw.z, "a side has no values");
	put_num(o, "mw_p", mw.p, "a side has no values");
	if (isfinite(mw.p))
		json_object_set_new(o, "mw_method", json_string(mw.exact ? "exact (no ties, n <= 20 per side)"
								    : "normal approximation, tie and continuity corrections"));
	cr->p_mw = mw.p;
	cr->p_welch = w.p;
	json_object_set_new(o, "alpha", json_real(c->alpha));
	json_object_set_new(o, "min_effect_pct", json_real(c->min_effect));
	json_object_set_new(o, "verdict_test", json_string("mann-whitney"));
	json_t *warn = json_array();
	if (!isfinite(mw.p) || !isfinite(dr)) {
		json_object_set_new(o, "verdict", json_null());
		json_object_set_new(o, "verdict_reason", json_string(why ? why : "median ratio undefined"));
	} else {
		cr->ok = 1;
		const char *verdict;
		char *reason;
		if (mw.p >= c->alpha) {
			verdict = "no change";
			reason = lp_xasprintf("not significant: Mann-Whitney p = %.3g >= alpha %.3g", mw.p, c->alpha);
		} else if (fabs(cr->med_change) < c->min_effect) {
			verdict = "no change";
			reason = lp_xasprintf("significant (p = %.3g) but the median moved %+.2f %%, under the minimum effect %.3g %%",
					      mw.p, cr->med_change, c->min_effect);
		} else {
			verdict = cr->med_change < 0 ? "faster" : "slower";
			reason = lp_xasprintf("Mann-Whitney p = %.3g < %.3g and median %+.2f %% (minimum effect %.3g %%)", mw.p,
					      c->alpha, cr->med_change, c->min_effect);
		}
		json_object_set_new(o, "verdict", json_string(verdict));
		json_object_set_new(o, "verdict_reason", json_string(reason));
		free(reason);
		if (isfinite(w.p) && ((w.p < c->alpha) != (mw.p < c->alpha)))
			json_array_append_new(warn, json_string("Welch and Mann-Whitney disagree at alpha: the means and the ranks tell different stories (outliers or skew)"));
	}
	if (a->n < MIN_RUNS || b->n < MIN_RUNS)
		json_array_append_new(warn, json_string("fewer than 30 values on a side: intervals and p-values are rough"));
	for (size_t i = 0; c->warn_stderr && i < json_array_size(warn); i++)
		lp_warnx("%s: %s: %s", cand->label, c->fields[k], json_string_value(json_array_get(warn, i)));
	json_object_set_new(o, "warnings", warn);
	return o;
}

int report_comparisons(ctx *c)
{
	size_t pairs = 0;
	for (size_t i = 0; i < c->ngroups; i++) {
		group *cand = c->groups[i];
		if (cand->side != SIDE_CUR)
			continue;
		group *base = group_find(c, cand, SIDE_REF);
		if (!base) {
			lp_warnx("%s: only in CAND, not compared", cand->label);
			continue;
		}
		pairs++;
		for (size_t k = 0; k < c->nfields; k++) {
			cmp_result cr;
			emit(c, comparison_record(c, base, cand, k, &cr));
		}
	}
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i]->side == SIDE_REF && !group_find(c, c->groups[i], SIDE_CUR))
			lp_warnx("%s: only in BASE, not compared", c->groups[i]->label);
	return (int)pairs;
}

/* --- gates ------------------------------------------------------------ */

static int is_metric(const char *m, double *pct)
{
	static const char *names[] = {"n", "mean", "stddev", "cv", "min", "max", "median", "regress"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(m, names[i]) == 0) {
			*pct = strcmp(m, "median") == 0 ? 50 : NAN;
			return 1;
		}
	if (m[0] == 'p' && lp_parse_double(m + 1, 0, 100, pct) == 0 && isdigit((unsigned char)m[1]))
		return 1;
	return 0;
}

static _Noreturn void gate_error(const char *src, const char *text, const char *why)
{
	lp_errx(LP_EXIT_USAGE, "%s: bad gate expression '%s': %s (want e.g. 'p50(init_ms) < 8' or 'regress(init_ms) < 5%%')",
		src, text, why);
}

void gate_parse(ctx *c, const char *text, const char *src)
{
	gate g = {0};
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	size_t n = 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '.' || p[n] == '_')
		n++;
	if (n == 0 || n >= sizeof g.metric)
		gate_error(src, text, "metric expected (mean, p50, p99, regress, ...)");
	memcpy(g.metric, p, n);
	if (!is_metric(g.metric, &g.pct))
		gate_error(src, text, "unknown metric");
	p += n;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '(')
		gate_error(src, text, "'(' expected after the metric");
	p++;
	while (isspace((unsigned char)*p))
		p++;
	n = 0;
	while (isalnum((unsigned char)p[n]) || p[n] == '.' || p[n] == '_')
		n++;
	if (n == 0)
		gate_error(src, text, "field name expected inside ( )");
	g.field = strndup(p, n);
	if (!g.field)
		lp_err(LP_EXIT_ENV, "strndup");
	p += n;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != ')')
		gate_error(src, text, "')' expected after the field");
	p++;
	while (isspace((unsigned char)*p))
		p++;
	if ((p[0] == '<' || p[0] == '>') && p[1] == '=') {
		memcpy(g.op, p, 2);
		p += 2;
	} else if (p[0] == '<' || p[0] == '>') {
		g.op[0] = p[0];
		p++;
	} else
		gate_error(src, text, "operator expected: <, <=, > or >=");
	while (isspace((unsigned char)*p))
		p++;
	char *end;
	const char *num = p;
	g.threshold = strtod(num, &end);
	if (end == num || !isfinite(g.threshold))
		gate_error(src, text, "number expected after the operator");
	p = end;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '%') {
		g.percent = 1;
		p++;
	} else if (strncmp(p, "ms", 2) == 0) {
		const char *u = unit_of(g.field);
		if (!u || strcmp(u, "ms") != 0)
			gate_error(src, text, "unit ms on a field that is not in ms");
		p += 2;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		gate_error(src, text, "unexpected text after the threshold");
	if (strcmp(g.metric, "regress") == 0 && !g.percent)
		gate_error(src, text, "regress() is a percent change: write the threshold with %");
	if (g.percent && strcmp(g.metric, "regress") != 0 && strcmp(g.metric, "cv") != 0)
		gate_error(src, text, "only regress() and cv() take a % threshold");
	g.text = lp_xstrdup(text);
	g.src = lp_xstrdup(src);
	/* The field must be summarized too. */
	size_t k;
	for (k = 0; k < c->nfields && strcmp(c->fields[k], g.field) != 0; k++)
		;
	if (k == c->nfields) {
		c->fields = lp_xreallocarray(c->fields, c->nfields + 1, sizeof *c->fields);
		c->fields[c->nfields++] = lp_xstrdup(g.field);
	}
	c->gates = lp_xreallocarray(c->gates, c->ngates + 1, sizeof *c->gates);
	c->gates[c->ngates++] = g;
}

void gates_file(ctx *c, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		lp_err(LP_EXIT_USAGE, "%s", path);
	char *line = NULL;
	size_t cap = 0;
	unsigned long no = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		no++;
		char *hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		char *s = line, *e = line + strlen(line);
		while (isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		if (!*s)
			continue;
		char *src = lp_xasprintf("%s:%lu", path, no);
		gate_parse(c, s, src);
		free(src);
	}
	if (ferror(f))
		lp_err(LP_EXIT_USAGE, "%s: read error", path);
	free(line);
	fclose(f);
}

static int compare_op(double v, const char *op, double t)
{
	if (strcmp(op, "<") == 0)
		return v < t;
	if (strcmp(op, "<=") == 0)
		return v <= t;
	if (strcmp(op, ">") == 0)
		return v > t;
	return v >= t;
}

static size_t field_index(ctx *c, const char *f)
{
	for (size_t k = 0; k < c->nfields; k++)
		if (strcmp(c->fields[k], f) == 0)
			return k;
	return 0; /* unreachable: gate_parse added it */
}

static json_t *gate_record(ctx *c, const gate *gt, group *g, int *pass)
{
	size_t k = field_index(c, gt->field);
	series *s = &g->s[k];
	series_summarize(s);
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("gate"));
	json_object_set_new(o, "expr", json_string(gt->text));
	json_object_set_new(o, "metric", json_string(gt->metric));
	json_object_set_new(o, "field", json_string(gt->field));
	json_object_set_new(o, "op", json_string(gt->op));
	json_object_set_new(o, "threshold", json_real(gt->threshold));
	const char *u = gt->percent ? "%" : strcmp(gt->metric, "n") == 0 ? NULL : unit_of(gt->field);
	json_object_set_new(o, "unit", u ? json_string(u) : json_null());
	double v = NAN;
	char *reason = NULL;
	int sig = 1;
	const char *m = gt->metric;
	if (s->n == 0 && strcmp(m, "n") != 0) {
		reason = lp_xasprintf("no values of %s in this group (%zu records, %zu excluded): a gate never passes on no data",
				      gt->field, g->records, g->excluded);
	} else if (strcmp(m, "n") == 0)
		v = (double)s->n;
	else if (strcmp(m, "mean") == 0)
		v = s->mean;
	else if (strcmp(m, "stddev") == 0)
		v = s->sd;
	else if (strcmp(m, "cv") == 0)
		v = s->cv;
	else if (strcmp(m, "min") == 0)
		v = s->min;
	else if (strcmp(m, "max") == 0)
		v = s->max;
	else if (strcmp(m, "regress") == 0) {
		group *ref = group_find(c, g, SIDE_REF);
		if (!ref)
			reason = lp_xstrdup(c->baseline || c->compare ? "no baseline records for this group"
								 : "no baseline: give --baseline FILE (or use lp-stats compare)");
		else {
			series *b = &ref->s[k];
			series_summarize(b);
			st_mw_r mw;
			if (b->n == 0)
				reason = lp_xstrdup("the baseline has no values of this field");
			else if (b->p50 == 0)
				reason = lp_xstrdup("the baseline median is 0");
			else if (st_mann_whitney(b->v, b->n, s->v, s->n, &mw) == 0) {
				v = 100.0 * (s->p50 / b->p50 - 1);
				sig = mw.p < c->alpha;
				json_object_set_new(o, "baseline_p50", json_real(b->p50));
				json_object_set_new(o, "baseline_n", json_integer((json_int_t)b->n));
				json_object_set_new(o, "p_value", json_real(mw.p));
				json_object_set_new(o, "alpha", json_real(c->alpha));
				json_object_set_new(o, "significant", json_boolean(sig));
			}
		}
	} else
		v = st_percentile(s->v, s->n, gt->pct);
	if (!reason && !isfinite(v))
		reason = lp_xasprintf("%s(%s) is not computable from %zu values", m, gt->field, s->n);
	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	if (reason) {
		json_object_set_new(o, "value", json_null());
		*pass = 0;
	} else {
		json_object_set_new(o, "value", json_real(v));
		*pass = compare_op(v, gt->op, gt->threshold);
		if (!*pass && !sig) {
			/* Significance before claims: a change the data cannot tell
			 * from noise is not a regression. */
			*pass = 1;
			reason = lp_xasprintf("median change %+.2f %% is outside the threshold but not significant (Mann-Whitney p >= %.3g)",
					      v, c->alpha);
		}
	}
	json_object_set_new(o, "pass", json_boolean(*pass));
	json_object_set(o, "group", g->gobj);
	json_object_set_new(o, "reason", reason ? json_string(reason) : json_null());
	if (!*pass)
		lp_warnx("gate failed: %s: %s%s%s", g->label, gt->text, reason ? ": " : "", reason ? reason : "");
	free(reason);
	return o;
}

int report_gates(ctx *c)
{
	int failed = 0;
	for (size_t i = 0; i < c->ngates; i++) {
		size_t applied = 0;
		for (size_t j = 0; j < c->ngroups; j++) {
			group *g = c->groups[j];
			if (g->side != SIDE_CUR)
				continue;
			int pass;
			emit(c, gate_record(c, &c->gates[i], g, &pass));
			failed |= !pass;
			applied++;
		}
		if (!applied) {
			json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:n,s:b,s:n,s:s}", "type", "gate", "expr",
					      c->gates[i].text, "metric", c->gates[i].metric, "field", c->gates[i].field, "op",
					      c->gates[i].op, "threshold", c->gates[i].threshold, "value", "pass", 0, "group",
					      "reason", "no group to apply the gate to: a gate never passes on no data");
			emit(c, o);
			failed = 1;
		}
	}
	return failed;
}

/* --- lambda-perf ------------------------------------------------------ */

static double r3(double v) { return round(v * 1000.0) / 1000.0; }

int report_lambda_perf(ctx *c)
{
	int n = 0;
	for (size_t i = 0; i < c->ngroups; i++) {
		group *g = c->groups[i];
		if (g->side != SIDE_CUR)
			continue;
		int local = !(g->platform && !g->platform_mixed && strcmp(g->platform, "aws") == 0);
		if (local && !c->allow_local)
			lp_errx(LP_EXIT_USAGE,
				"%s: platform is %s, not aws: lambda-perf publishes AWS measurements (--allow-local labels local ones as local)",
				g->label, g->platform_mixed ? "mixed" : g->platform ? g->platform : "missing");
		if (g->lpn == 0)
			lp_errx(LP_EXIT_USAGE, "%s: no ok record with a numeric init_ms (cold start): nothing to publish", g->label);
		if (!g->memory_ok || !g->arch || !g->impl)
			lp_errx(LP_EXIT_USAGE, "%s: records lack memory_mb, arch or impl", g->label);
		if (g->lpn < 10)
			lp_warnx("%s: only %zu cold starts; lambda-perf publishes 10", g->label, g->lpn);
		json_t *is = json_array();
		double si = 0, sm = 0, sd = 0;
		size_t nm = 0, nd = 0;
		for (size_t j = 0; j < g->lpn; j++) {
			json_array_append_new(is, json_real(r3(g->lpi[j])));
			si += g->lpi[j];
			if (g->lpmem_ok[j])
				sm += g->lpmem[j], nm++;
			if (g->lpdur_ok[j])
				sd += g->lpdur[j], nd++;
		}
		char *r = lp_xasprintf("%s_on_provided_al2023%s", g->impl, local ? "_local" : "");
		char *d = lp_xasprintf("%s %s (prov.al2023%s)", g->impl, g->func ? g->func : "?", local ? ", local" : "");
		json_t *o = json_object();
		json_object_set_new(o, "i", is);
		json_object_set_new(o, "m", json_integer((json_int_t)g->memory_mb));
		json_object_set_new(o, "a", json_string(g->arch));
		put_num(o, "mu", nm ? r3(sm / (double)nm) : NAN, "no max_memory_used_mb in these records");
		put_num(o, "ad", nd ? r3(sd / (double)nd) : NAN, "no duration_ms in these records");
		json_object_set_new(o, "acd", json_real(r3(si / (double)g->lpn)));
		json_object_set_new(o, "r", json_string(r));
		json_object_set_new(o, "p", json_string("zip"));
		json_object_set_new(o, "d", json_string(d));
		free(r);
		free(d);
		nd_emit(stdout, o);
		n++;
	}
	return n;
}
