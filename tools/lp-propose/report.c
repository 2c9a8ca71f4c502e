/* lp-propose output for people: a table (make profile) and a markdown
 * report read top to bottom: the cold start, where it goes, what to change
 * first and why, the build variants, how to validate. */
#include "propose.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lputil.h"
#include "ndjson.h"
#include "quant.h"


static const char *str(const json_t *o, const char *k, const char *dflt)
{
	const char *s = nd_get_string(o, k);
	return s ? s : dflt;
}

static void fmtn(char *b, size_t n, double v, const char *f)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else
		snprintf(b, n, f, v);
}

static void fmt_ci(char *b, size_t n, double v, double lo, double hi)
{
	if (isnan(v))
		snprintf(b, n, "-");
	else if (isnan(lo))
		snprintf(b, n, "%.3f", v);
	else
		snprintf(b, n, "%.3f [%.3f, %.3f]", v, lo, hi);
}

static size_t limit(const json_t *a, size_t top)
{
	size_t n = json_array_size(a);
	return top && top < n ? top : n;
}

void pr_table(const pr_input *in, const json_t *props, size_t top)
{
	int color = lp_color_enabled(stdout);
	printf("top proposals for %s-%s (gain = expected reduction of the cold start; priority = gain / effort, S=1 M=2 L=4;\n"
	       "n.s. = measured change not significant, slower = measured slower: no priority)\n",
	       in->func ? in->func : "?", in->impl ? in->impl : "?");
	printf("%3s  %9s  %-6s %8s  %-10s %s\n", "#", "GAIN_MS", "EFFORT", "PRIORITY", "LAYER", "CHANGE");
	for (size_t i = 0; i < limit(props, top); i++) {
		const json_t *p = json_array_get(props, i);
		char g[32], pr[32];
		fmtn(g, sizeof g, nd_num(p, "gain_ms"), "%.3f");
		fmtn(pr, sizeof pr, nd_num(p, "priority"), "%.3f");
		/* Why a gain has no priority, in the column. */
		const char *why = str(p, "priority_reason", "");
		if (isnan(nd_num(p, "priority")) && !isnan(nd_num(p, "gain_ms")))
			snprintf(pr, sizeof pr, "%s", strncmp(why, "not significant", 15) == 0 ? "n.s." : "slower");
		printf("%3zu  %9s  %-6s %8s  %-10s %s%s%s\n", i + 1, g, str(p, "effort", "?"), pr, str(p, "layer", "?"),
		       color ? "\033[1m" : "", str(p, "title", "?"), color ? "\033[0m" : "");
		printf("%3s  %9s  %-6s %8s  %-10s   basis: %s\n", "", "", "", "", "", str(p, "gain_basis", "-"));
		printf("%3s  %9s  %-6s %8s  %-10s   validate: %s\n", "", "", "", "", "", str(p, "validate", "-"));
	}
	if (json_array_size(props) == 0)
		printf("     (no proposal: no bottleneck matched the catalogue)\n");
}

static int exists(const char *dir, const char *name)
{
	struct stat st;
	char *p = lp_xasprintf("%s/%s", dir, name);
	int ok = stat(p, &st) == 0;
	free(p);
	return ok;
}

void pr_markdown(const pr_input *in, const json_t *props, size_t top, const char *results)
{
	qt_cold *c = in->cold;
	printf("# Cold start of %s-%s\n\n", in->func ? in->func : "?", in->impl ? in->impl : "?");
	char mem[32];
	fmtn(mem, sizeof mem, in->memory_mb, "%.0f");
	printf("Platform `%s`, %s, %s MB configured. Every number below was measured; "
	       "a value that could not be measured says why.\n\n",
	       in->platform ? in->platform : "unknown", in->arch ? in->arch : "unknown arch", mem);
	printf("## The cold start\n\n");
	if (c->cold_ok) {
		qt_vec a = { 0 }, b = { 0 }, t = { 0 };
		for (size_t i = 0; i < c->init.n; i++) {
			qt_push(&a, c->init.v[i]);
			qt_push(&b, c->duration.v[i]);
			qt_push(&t, c->total.v[i]);
		}
		qt_summary si, sd, st;
		qt_summarize(&a, &si);
		qt_summarize(&b, &sd);
		qt_summarize(&t, &st);
		char x[64], y[64], z[64], w[64];
		fmt_ci(x, sizeof x, si.p50, si.p50_lo, si.p50_hi);
		fmt_ci(y, sizeof y, sd.p50, sd.p50_lo, sd.p50_hi);
		fmt_ci(z, sizeof z, st.p50, st.p50_lo, st.p50_hi);
		fmt_ci(w, sizeof w, st.p99, st.p99_lo, st.p99_hi);
		printf("%zu cold starts measured, %zu with status ok.\n\n", c->cold, c->cold_ok);
		printf("| measure | ms [95 %% CI] |\n|---|---|\n");
		printf("| init (exec to first /next) p50 | %s |\n", x);
		printf("| first invocation p50 | %s |\n", y);
		printf("| cold start (init + first invocation) p50 | %s |\n", z);
		printf("| cold start p99 | %s |\n\n", w);
		if (isnan(st.p99_lo))
			printf("(The p99's interval needs more cold starts than were measured: N >= 300 gives one.)\n\n");
		qt_free(&a);
		qt_free(&b);
		qt_free(&t);
	} else {
		printf("No cold start with status ok in the input (no invocation records: run `make measure`).\n\n");
	}

	printf("## Where it goes\n\n");
	if (json_array_size(in->bottlenecks)) {
		printf("Rules of lp-bottleneck whose threshold a measured value exceeds, by impact.\n\n");
		printf("| # | rule | phase | where | impact ms | %% of cold start | fired because |\n|---|---|---|---|---|---|---|\n");
		size_t i;
		json_t *b;
		json_array_foreach(in->bottlenecks, i, b) {
			char ms[32], pct[32];
			fmtn(ms, sizeof ms, nd_num(b, "impact_ms"), "%.3f");
			fmtn(pct, sizeof pct, nd_num(b, "impact_pct"), "%.1f");
			printf("| %zu | %s | %s | %s | %s | %s | %s |\n", i + 1, str(b, "rule", "?"), str(b, "phase", "-"),
			       str(b, "location", "?"), ms, pct, str(b, "condition", "?"));
		}
		printf("\nHow each impact was computed:\n\n");
		json_array_foreach(in->bottlenecks, i, b) {
			/* once per rule */
			int seen = 0;
			for (size_t k = 0; k < i && !seen; k++)
				seen = strcmp(str(json_array_get(in->bottlenecks, k), "rule", ""), str(b, "rule", "?")) == 0;
			if (!seen)
				printf("- `%s`: %s\n", str(b, "rule", "?"), str(b, "impact_basis", str(b, "impact_ms_reason", "?")));
		}
		printf("\n");
	} else {
		printf("No rule fired.\n\n");
	}
	if (json_array_size(in->skipped)) {
		printf("Rules without the data they need (no finding, not a pass):\n\n");
		size_t i;
		json_t *s;
		json_array_foreach(in->skipped, i, s)
			printf("- `%s`: %s\n", str(s, "rule", "?"), str(s, "reason", "?"));
		printf("\n");
	}

	printf("## What to change first\n\n");
	size_t nmeasured = 0;
	for (size_t i = 0; i < json_array_size(props); i++)
		nmeasured += !isnan(nd_num(json_array_get(props, i), "gain_ms"));
	if (json_array_size(props) == 0) {
		printf("No proposal: no bottleneck matched the catalogue.\n\n");
	} else {
		printf("Ranked by priority = expected gain / effort (S = 1, M = 2, L = 4). "
		       "A *measured* gain comes from the build sweep (one interleaved run); "
		       "a *share* gain is a measured share times the assumption stated with it.\n\n");
		printf("| # | change | layer | expected gain ms | basis | effort | priority |\n|---|---|---|---|---|---|---|\n");
		for (size_t i = 0; i < limit(props, top); i++) {
			const json_t *p = json_array_get(props, i);
			char g[64], pr[32];
			json_t *ci = json_object_get(p, "gain_ci95");
			if (json_array_size(ci) == 2)
				snprintf(g, sizeof g, "%.3f [%.3f, %.3f]", nd_num(p, "gain_ms"), json_number_value(json_array_get(ci, 0)),
					 json_number_value(json_array_get(ci, 1)));
			else
				fmtn(g, sizeof g, nd_num(p, "gain_ms"), "%.3f");
			fmtn(pr, sizeof pr, nd_num(p, "priority"), "%.3f");
			if (isnan(nd_num(p, "priority")) && !isnan(nd_num(p, "gain_ms")))
				snprintf(pr, sizeof pr, "- (%s)", str(p, "priority_reason", "no priority"));
			printf("| %zu | %s | %s | %s | %s | %s | %s |\n", i + 1, str(p, "title", "?"), str(p, "layer", "?"), g,
			       str(p, "gain_kind", "none"), str(p, "effort", "?"), pr);
		}
		printf("\n");
		for (size_t i = 0; i < limit(props, top); i++) {
			const json_t *p = json_array_get(props, i);
			printf("### %zu. %s\n\n", i + 1, str(p, "title", "?"));
			printf("- **Answers**: ");
			size_t k;
			json_t *id;
			json_array_foreach(json_object_get(p, "bottlenecks"), k, id)
				printf("%s`%s`", k ? ", " : "", json_string_value(id));
			printf(" (%s)\n", str(p, "location", "-"));
			printf("- **Change** (%s): %s\n", str(p, "layer", "?"), str(p, "change", "?"));
			printf("- **Why, and how much**: %s\n", str(p, "gain_basis", "-"));
			if (nd_get_string(p, "assumption"))
				printf("- **Assumption**: %s\n", str(p, "assumption", ""));
			printf("- **Effort**: %s\n", str(p, "effort", "?"));
			printf("- **Validate**: `%s`\n\n", str(p, "validate", "?"));
		}
		if (json_array_size(props) > limit(props, top))
			printf("%zu more proposals in proposals.ndjson (%zu of all %zu have a measured or share gain).\n\n",
			       json_array_size(props) - limit(props, top), nmeasured, json_array_size(props));
	}

	if (json_array_size(in->variants)) {
		printf("## Build variants\n\n");
		printf("`make sweep`: every variant measured with the same N in one interleaved run. "
		       "On the Pareto front no other variant is both faster (init p50) and smaller.\n\n");
		printf("| variant | n | init p50 ms [95 %% CI] | change vs current ms [95 %% CI] | cold p99 ms | size KiB | Pareto |\n|---|---|---|---|---|---|---|\n");
		size_t i;
		json_t *v;
		json_array_foreach(in->variants, i, v) {
			char a[64], d[64], p99[32], sz[32];
			json_t *ci = json_object_get(v, "init_ms_p50_ci95");
			fmt_ci(a, sizeof a, nd_num(v, "init_ms_p50"), json_array_size(ci) == 2 ? json_number_value(json_array_get(ci, 0)) : NAN,
			       json_array_size(ci) == 2 ? json_number_value(json_array_get(ci, 1)) : NAN);
			ci = json_object_get(v, "init_ms_p50_delta_ci95");
			if (json_is_true(json_object_get(v, "current")))
				snprintf(d, sizeof d, "(current)");
			else if (json_array_size(ci) == 2)
				snprintf(d, sizeof d, "%+.3f [%+.3f, %+.3f]", nd_num(v, "init_ms_p50_delta"),
					 json_number_value(json_array_get(ci, 0)), json_number_value(json_array_get(ci, 1)));
			else
				fmtn(d, sizeof d, nd_num(v, "init_ms_p50_delta"), "%+.3f");
			fmtn(p99, sizeof p99, nd_num(v, "cold_start_ms_p99"), "%.3f");
			fmtn(sz, sizeof sz, nd_num(v, "file_bytes") / 1024, "%.1f");
			printf("| %s | %.0f | %s | %s | %s | %s | %s |\n", str(v, "variant", "?"), nd_num(v, "n"), a, d, p99, sz,
			       json_is_true(json_object_get(v, "pareto")) ? "yes" : "");
		}
		printf("\n");
	}

	if (results) {
		static const char *const files[] = { "init.svg", "invoke.svg", "speedscope.json", "hotspots.ndjson",
						     "syscalls.ndjson", "alloc.ndjson", "size.ndjson", "invocations.ndjson",
						     "bottlenecks.ndjson", "proposals.ndjson", "sweep.ndjson", NULL };
		printf("## Files\n\n");
		for (const char *const *f = files; *f; f++)
			if (exists(results, *f))
				printf("- `%s/%s`\n", results, *f);
		printf("\n");
	}
	printf("## How to validate\n\n");
	printf("Run the proposal's validate command. A build variant: `make validate-interleaved` measures it and "
	       "the current build in one interleaved run and says whether the change is confirmed, with the measured "
	       "change and its confidence interval. A code change: save a baseline (`make baseline FUNC=%s IMPL=%s`), "
	       "apply the change, then `make validate ... APPLIED=id` re-measures and compares with the baseline "
	       "(lp-stats compare); the machine's load may differ between the two runs.\n",
	       in->func ? in->func : "FUNC", in->impl ? in->impl : "IMPL");
}
