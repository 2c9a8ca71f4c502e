/* lp-propose confirm — is an applied proposal confirmed by measurement?
 * Reads the proposals (with their expected gains) and lp-stats compare's
 * comparison records (baseline vs the re-measured build) and writes a
 * `validation` record per applied proposal.  Confirmed means lp-stats'
 * verdict on the proposal's metric is "faster": the Mann-Whitney test is
 * significant at its alpha and the median moved at least its minimum
 * effect, in the direction the proposal promised. */
#include "propose.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"
#include "ndjson.h"


static const json_t *find_proposal(const json_t *props, const char *id)
{
	size_t i;
	json_t *p;
	const json_t *best = NULL;
	json_array_foreach(props, i, p) {
		const char *a = nd_get_string(p, "id"), *b = nd_get_string(p, "proposal");
		if ((a && strcmp(a, id) == 0) || (b && strcmp(b, id) == 0)) {
			/* Several bottlenecks, one change: the best-ranked. */
			if (!best || nd_num(p, "rank") < nd_num(best, "rank"))
				best = p;
		}
	}
	return best;
}

static const json_t *find_comparison(const json_t *cmps, const char *field)
{
	size_t i;
	json_t *c;
	json_array_foreach(cmps, i, c) {
		const char *f = nd_get_string(c, "field");
		if (f && strcmp(f, field) == 0)
			return c;
	}
	return NULL;
}

int pr_confirm_main(int argc, char **argv)
{
	static const struct option opts[] = { { "applied", required_argument, NULL, 'a' },
					    { "format", required_argument, NULL, 'F' },
					    { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	const char *applied = NULL;
	int table = 0, c;
	while ((c = getopt_long(argc, argv, "a:F:h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': applied = optarg; break;
		case 'F':
			if ((table = lp_parse_table_format(optarg)) < 0)
				lp_usage_error("confirm --format '%s': want ndjson or table", optarg);
			break;
		case 'h':
			printf("usage: lp-propose confirm --applied ID[,ID...] [--format ndjson|table] [FILE...]\n");
			lp_close_stdout();
			return LP_EXIT_OK;
		default: return LP_EXIT_USAGE;
		}
	}
	if (!applied || !*applied)
		lp_usage_error("confirm: --applied ID[,ID...] names the proposals that were applied");
	pr_input in;
	pr_read(&in, argc - optind, argv + optind);
	if (json_array_size(in.comparisons) == 0)
		lp_errx(LP_EXIT_USAGE, "confirm: no comparison records in the input (lp-stats compare BASELINE NEW)");
	int all = 1;
	char *dup = lp_xstrdup(applied), *save = NULL;
	if (table)
		printf("%-34s %-14s %10s %26s %8s  %s\n", "PROPOSAL", "VERDICT", "EXPECTED", "MEASURED [95% CI]", "P50",
		       "WHY (changes of init p50 in ms; negative = faster)");
	for (char *id = strtok_r(dup, ",", &save); id; id = strtok_r(NULL, ",", &save)) {
		const json_t *p = find_proposal(in.proposals, id);
		if (!p)
			lp_errx(LP_EXIT_USAGE, "confirm: no proposal '%s' in the input (proposals.ndjson of the baseline)", id);
		const char *metric = nd_get_string(p, "metric") ? nd_get_string(p, "metric") : "init_ms";
		const json_t *cmp = find_comparison(in.comparisons, metric);
		if (!cmp)
			lp_errx(LP_EXIT_USAGE, "confirm: no comparison of field '%s' in the input (proposal %s)", metric, id);
		double base = nd_num(json_object_get(cmp, "base"), "p50"), cand = nd_num(json_object_get(cmp, "cand"), "p50");
		double change = cand - base;
		const char *verdict = nd_get_string(cmp, "verdict");
		int ok = verdict && strcmp(verdict, "faster") == 0;
		all &= ok;
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string("validation"));
		json_object_set_new(o, "schema", json_integer(1));
		json_object_set_new(o, "proposal", json_copy(json_object_get(p, "proposal")));
		json_object_set_new(o, "id", json_copy(json_object_get(p, "id")));
		json_object_set_new(o, "title", json_copy(json_object_get(p, "title")));
		json_object_set_new(o, "metric", json_string(metric));
		json_object_set_new(o, "verdict", json_string(ok ? "confirmed" : "not confirmed"));
		char *why = lp_xasprintf("lp-stats verdict '%s': %s", verdict ? verdict : "none",
					 nd_get_string(cmp, "verdict_reason") ? nd_get_string(cmp, "verdict_reason") : "no reason given");
		json_object_set_new(o, "verdict_reason", json_string(why));
		json_object_set_new(o, "expected_gain_ms", nd_real(nd_num(p, "gain_ms")));
		if (isnan(nd_num(p, "gain_ms")))
			json_object_set_new(o, "expected_gain_ms_reason", json_string("the proposal had no measured gain"));
		json_object_set_new(o, "expected_basis", json_copy(json_object_get(p, "gain_basis")));
		json_object_set_new(o, "base_p50", nd_real(base));
		json_object_set_new(o, "cand_p50", nd_real(cand));
		json_object_set_new(o, "measured_change_ms", nd_real(change));
		/* lp-stats gives the ratio's CI; in ms it is the base median times
		 * (ratio - 1), the base median taken as fixed. */
		json_t *rci = json_object_get(cmp, "median_ratio_ci95");
		double lo = NAN, hi = NAN;
		if (json_array_size(rci) == 2 && !isnan(base)) {
			lo = base * (json_number_value(json_array_get(rci, 0)) - 1);
			hi = base * (json_number_value(json_array_get(rci, 1)) - 1);
			json_object_set_new(o, "measured_change_ci95", json_pack("[f,f]", lo, hi));
			json_object_set_new(o, "measured_change_ci95_method",
					    json_string("base p50 x (median_ratio_ci95 - 1) from lp-stats compare (bootstrap)"));
		} else {
			json_object_set_new(o, "measured_change_ci95", json_null());
			json_object_set_new(o, "measured_change_ci95_reason",
					    json_string(nd_get_string(cmp, "median_ratio_ci95_reason") ? nd_get_string(cmp, "median_ratio_ci95_reason")
												: "no median ratio CI"));
		}
		json_object_set_new(o, "median_change_pct", json_copy(json_object_get(cmp, "median_change_pct")));
		json_object_set_new(o, "mw_p", json_copy(json_object_get(cmp, "mw_p")));
		json_object_set_new(o, "n_base", json_copy(json_object_get(json_object_get(cmp, "base"), "n")));
		json_object_set_new(o, "n_cand", json_copy(json_object_get(json_object_get(cmp, "cand"), "n")));
		if (table) {
			char e[32], m[64], pc[32];
			double g = nd_num(p, "gain_ms");
			if (isnan(g))
				snprintf(e, sizeof e, "-");
			else
				snprintf(e, sizeof e, "%+.3f", -g);
			if (isnan(lo))
				snprintf(m, sizeof m, "%+.3f [-]", change);
			else
				snprintf(m, sizeof m, "%+.3f [%+.3f,%+.3f]", change, lo, hi);
			double mc = nd_num(cmp, "median_change_pct");
			if (isnan(mc))
				snprintf(pc, sizeof pc, "-");
			else
				snprintf(pc, sizeof pc, "%+.1f%%", mc);
			printf("%-34s %-14s %10s %26s %8s  %s\n", nd_get_string(p, "proposal"), ok ? "confirmed" : "not confirmed",
			       e, m, pc, why);
		} else {
			nd_write(stdout, o);
		}
		free(why);
		json_decref(o);
	}
	free(dup);
	pr_input_free(&in);
	lp_close_stdout();
	return all ? LP_EXIT_OK : LP_EXIT_GATE;
}
