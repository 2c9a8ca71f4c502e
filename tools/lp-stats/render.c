/* lp-stats: human and spreadsheet renderings of the records (table,
 * markdown, csv).  The NDJSON records stay the source of truth: every
 * number here is read back from them. */
#include "lpstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"

enum { FMT_TABLE, FMT_MD, FMT_CSV };

typedef struct {
	size_t ncol, nrow;
	const char **title;
	const int *right;
	char **cell; /* nrow * ncol */
	int colorize; /* column 0 holds PASS/FAIL: green/red on a terminal */
} table;

static void t_add(table *t, char **row)
{
	t->cell = lp_xreallocarray(t->cell, (t->nrow + 1) * t->ncol, sizeof *t->cell);
	memcpy(t->cell + t->nrow * t->ncol, row, t->ncol * sizeof *row);
	t->nrow++;
}

static void csv_cell(const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		putchar('"');
		for (; *s; s++) {
			if (*s == '"')
				putchar('"');
			putchar(*s);
		}
		putchar('"');
	} else
		fputs(s, stdout);
}

static void t_print(table *t, int fmt, const char *heading)
{
	if (t->nrow == 0)
		return;
	if (fmt == FMT_CSV) {
		for (size_t j = 0; j < t->ncol; j++) {
			if (j)
				putchar(',');
			csv_cell(t->title[j]);
		}
		putchar('\n');
		for (size_t i = 0; i < t->nrow; i++) {
			for (size_t j = 0; j < t->ncol; j++) {
				if (j)
					putchar(',');
				csv_cell(t->cell[i * t->ncol + j]);
			}
			putchar('\n');
		}
		putchar('\n');
		return;
	}
	size_t *w = lp_xcalloc(t->ncol, sizeof *w);
	for (size_t j = 0; j < t->ncol; j++)
		w[j] = strlen(t->title[j]);
	for (size_t i = 0; i < t->nrow; i++)
		for (size_t j = 0; j < t->ncol; j++) {
			size_t l = strlen(t->cell[i * t->ncol + j]);
			if (l > w[j])
				w[j] = l;
		}
	if (heading)
		printf(fmt == FMT_MD ? "### %s\n\n" : "%s\n", heading);
	const char *sep = fmt == FMT_MD ? " | " : "  ";
	for (size_t i = 0; i <= t->nrow + (fmt == FMT_MD); i++) {
		if (fmt == FMT_MD)
			fputs("| ", stdout);
		for (size_t j = 0; j < t->ncol; j++) {
			const char *s;
			int md_rule = fmt == FMT_MD && i == 1;
			if (i == 0)
				s = t->title[j];
			else if (md_rule)
				s = NULL;
			else
				s = t->cell[(i - 1 - (fmt == FMT_MD)) * t->ncol + j];
			if (j)
				fputs(sep, stdout);
			if (md_rule) {
				for (size_t k = 0; k < w[j]; k++)
					putchar(k + 1 == w[j] && t->right[j] ? ':' : '-');
				continue;
			}
			int pad = (int)(w[j] - strlen(s));
			const char *on = NULL;
			if (t->colorize && j == 0 && i > 0)
				on = strcmp(s, "PASS") == 0 ? "\033[32m" : "\033[31m";
			if (on)
				printf("%s%s\033[0m%*s", on, s, pad, "");
			else if (t->right[j])
				printf("%*s%s", pad, "", s);
			else if (j + 1 < t->ncol || fmt == FMT_MD)
				printf("%s%*s", s, pad, "");
			else
				fputs(s, stdout);
		}
		if (fmt == FMT_MD)
			fputs(" |", stdout);
		putchar('\n');
	}
	putchar('\n');
	free(w);
}

static void t_free(table *t)
{
	for (size_t i = 0; i < t->nrow * t->ncol; i++)
		free(t->cell[i]);
	free(t->cell);
}

static int csv;

static char *num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_number(v))
		return lp_xstrdup(csv ? "" : "-");
	double d = json_number_value(v);
	if (json_is_integer(v))
		return lp_xasprintf("%lld", (long long)json_integer_value(v));
	if (csv)
		return lp_xasprintf("%.10g", d);
	return lp_xasprintf(fabs(d) >= 1000 ? "%.1f" : fabs(d) >= 0.001 || d == 0 ? "%.3f" : "%.3g", d);
}

static char *interval(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_array(v) || json_array_size(v) != 2)
		return lp_xstrdup(csv ? "" : "-");
	double a = json_number_value(json_array_get(v, 0)), b = json_number_value(json_array_get(v, 1));
	if (csv)
		return lp_xasprintf("%.10g;%.10g", a, b);
	return lp_xasprintf("[%.3f, %.3f]", a, b);
}

static char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return lp_xstrdup(json_is_string(v) ? json_string_value(v) : csv ? "" : "-");
}

static int is_type(json_t *r, const char *t) { return strcmp(json_string_value(json_object_get(r, "type")), t) == 0; }

static void render_summaries(ctx *c, int fmt)
{
	static const char *title[] = {"GROUP", "FIELD", "N", "MEAN", "95% CI MEAN", "SD", "CV%", "MIN", "P50",
				      "95% CI P50", "P90", "P95", "P99", "MAX", "OUTLIERS", "EXCLUDED"};
	static const int right[] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
	table t = {.ncol = 16, .title = title, .right = right};
	size_t i;
	json_t *r;
	json_array_foreach(c->out, i, r) {
		if (!is_type(r, "summary"))
			continue;
		char *row[16] = {group_label(json_object_get(r, "group"), 0), str(r, "field"), num(r, "n"), num(r, "mean"),
				 interval(r, "mean_ci95"), num(r, "stddev"), num(r, "cv_pct"), num(r, "min"), num(r, "p50"),
				 interval(r, "median_ci95"), num(r, "p90"), num(r, "p95"), num(r, "p99"), num(r, "max"),
				 num(r, "outliers"), num(r, "excluded")};
		t_add(&t, row);
	}
	t_print(&t, fmt, fmt == FMT_CSV ? NULL : "Summary (percentiles: linear interpolation as numpy; median CI: order statistics)");
	t_free(&t);
	if (fmt == FMT_CSV)
		return;
	int notes = 0;
	json_array_foreach(c->out, i, r) {
		if (!is_type(r, "summary"))
			continue;
		json_t *w = json_object_get(r, "warnings");
		json_t *ex = json_object_get(r, "excluded_by_status");
		size_t j;
		json_t *m;
		char *g = group_label(json_object_get(r, "group"), 0);
		json_array_foreach(w, j, m) {
			if (strstr(json_string_value(m), "records excluded"))
				continue; /* said once per group below */
			printf("%s%s %s: %s\n", fmt == FMT_MD ? "- " : "  note: ", g, json_string_value(json_object_get(r, "field")),
			       json_string_value(m));
			notes++;
		}
		if (json_object_size(ex) && strcmp(json_string_value(json_object_get(r, "field")), c->fields[0]) == 0) {
			const char *k;
			printf("%s%s: excluded from timing statistics:", fmt == FMT_MD ? "- " : "  note: ", g);
			json_object_foreach(ex, k, m) printf(" %s %lld", k, (long long)json_integer_value(m));
			putchar('\n');
			notes++;
		}
		free(g);
	}
	if (notes)
		putchar('\n');
}

static void render_relative(ctx *c, int fmt)
{
	size_t i;
	json_t *r;
	if (fmt == FMT_CSV) {
		static const char *title[] = {"GROUP", "FIELD", "REFERENCE", "MEAN", "RATIO", "RATIO_SD", "RATIO_CI95"};
		static const int right[] = {0, 0, 0, 1, 1, 1, 1};
		table t = {.ncol = 7, .title = title, .right = right};
		json_array_foreach(c->out, i, r) {
			if (!is_type(r, "relative"))
				continue;
			char *row[7] = {group_label(json_object_get(r, "group"), 0), str(r, "field"),
					group_label(json_object_get(r, "reference"), 0), num(r, "mean"), num(r, "ratio"),
					num(r, "ratio_sd"), interval(r, "ratio_ci95")};
			t_add(&t, row);
		}
		t_print(&t, fmt, NULL);
		t_free(&t);
		return;
	}
	const char *field = NULL;
	json_array_foreach(c->out, i, r) {
		if (!is_type(r, "relative"))
			continue;
		const char *f = json_string_value(json_object_get(r, "field"));
		if (!field || strcmp(field, f) != 0) {
			if (field)
				putchar('\n');
			field = f;
			char *ref = group_label(json_object_get(r, "reference"), 0);
			printf(fmt == FMT_MD ? "### Relative speed (%s, mean)\n\n%s is fastest\n\n" : "Relative speed (%s, mean)\n  %s is fastest\n", f, ref);
			free(ref);
		}
		if (json_is_true(json_object_get(r, "fastest")))
			continue;
		char *g = group_label(json_object_get(r, "group"), 0);
		json_t *ratio = json_object_get(r, "ratio"), *sd = json_object_get(r, "ratio_sd");
		if (json_is_number(ratio)) {
			char *ci = interval(r, "ratio_ci95");
			printf("%s%.2f ± %.2f times faster than %s (95%% CI of the ratio %s)\n", fmt == FMT_MD ? "- " : "    ",
			       json_number_value(ratio), json_is_number(sd) ? json_number_value(sd) : NAN, g, ci);
			free(ci);
		} else
			printf("%s%s: no ratio (%s)\n", fmt == FMT_MD ? "- " : "    ", g,
			       json_string_value(json_object_get(r, "ratio_reason")));
		free(g);
	}
	if (field)
		putchar('\n');
}

static void render_comparisons(ctx *c, int fmt)
{
	static const char *title[] = {"GROUP", "FIELD", "BASE N", "BASE P50", "CAND N", "CAND P50", "MEDIAN %",
				      "95% CI MEDIAN RATIO", "MEAN RATIO", "95% CI MEAN RATIO", "WELCH P", "MW P", "VERDICT"};
	static const int right[] = {0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
	table t = {.ncol = 13, .title = title, .right = right};
	size_t i;
	json_t *r;
	json_array_foreach(c->out, i, r) {
		if (!is_type(r, "comparison"))
			continue;
		json_t *b = json_object_get(r, "base"), *a = json_object_get(r, "cand");
		char *row[13] = {group_label(json_object_get(r, "group"), 0), str(r, "field"), num(b, "n"), num(b, "p50"),
				 num(a, "n"), num(a, "p50"), num(r, "median_change_pct"), interval(r, "median_ratio_ci95"),
				 num(r, "mean_ratio"), interval(r, "mean_ratio_ci95"), num(r, "welch_p"), num(r, "mw_p"),
				 str(r, "verdict")};
		t_add(&t, row);
	}
	t_print(&t, fmt, fmt == FMT_CSV ? NULL : "Comparison (CAND vs BASE; verdict: Mann-Whitney U at alpha and minimum effect)");
	t_free(&t);
}

static void render_gates(ctx *c, int fmt)
{
	static const char *title[] = {"RESULT", "GATE", "GROUP", "VALUE", "REASON"};
	static const int right[] = {0, 0, 0, 1, 0};
	table t = {.ncol = 5, .title = title, .right = right};
	size_t i;
	json_t *r;
	json_array_foreach(c->out, i, r) {
		if (!is_type(r, "gate"))
			continue;
		int pass = json_is_true(json_object_get(r, "pass"));
		char *res = lp_xstrdup(pass ? "PASS" : "FAIL");
		json_t *g = json_object_get(r, "group");
		char *row[5] = {res, str(r, "expr"), json_is_object(g) ? group_label(g, 0) : lp_xstrdup("-"), num(r, "value"),
				str(r, "reason")};
		t_add(&t, row);
	}
	t.colorize = c->color && fmt == FMT_TABLE;
	t_print(&t, fmt, fmt == FMT_CSV ? NULL : "Gates");
	t_free(&t);
}

void render(ctx *c)
{
	int fmt = strcmp(c->format, "markdown") == 0 ? FMT_MD : strcmp(c->format, "csv") == 0 ? FMT_CSV : FMT_TABLE;
	csv = fmt == FMT_CSV;
	render_summaries(c, fmt);
	render_relative(c, fmt);
	render_comparisons(c, fmt);
	render_gates(c, fmt);
}
