/* lp-propose — map measured bottlenecks to proposals for the layer that can
 * act on them (Ruchy transpiler, runtime, build, handler), each with an
 * expected gain whose basis is stated: a measured sweep result, or the
 * measured share times an assumption written in the catalogue.
 *
 *   lp-bottleneck results/X/... > b.ndjson; lp-propose b.ndjson sweep.ndjson
 *   lp-propose sweep DIR...        summarize a build sweep (sweep.c)
 *   lp-propose confirm ...         validate applied proposals (confirm.c)
 *
 * See docs/lp-propose.1. */
#include "propose.h"

#include <fnmatch.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"
#include "ndjson.h"
#include "quant.h"
#include "stats.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lp-propose [OPTIONS] [FILE...]\n"
		"       lp-propose sweep [--format ndjson|table|markdown] VARIANT_DIR...\n"
		"       lp-propose confirm --applied ID[,ID...] [FILE...]\n"
		"\n"
		"Read bottleneck records (lp-bottleneck), sweep_variant records (make sweep)\n"
		"and invocation records (NDJSON, stdin when no FILE) and write a `proposal`\n"
		"record per change that answers a bottleneck: layer, concrete change, expected\n"
		"gain in ms with its basis, effort, priority = gain / effort, and the command\n"
		"that validates it.  The catalogue of changes is data (share/proposals/).\n"
		"\n"
		"  -c, --catalogue FILE   catalogue (default $LP_SHARE/proposals/catalogue)\n"
		"  -F, --format FMT       ndjson (default), table or markdown (a report)\n"
		"  -n, --top N            rows in table/markdown (default 5; 0 = all)\n"
		"      --baseline FILE    the baseline the validate commands name\n"
		"                         (default results/FUNC-IMPL/baseline.ndjson)\n"
		"      --results DIR      where the report finds flame graphs (markdown)\n"
		"  -h, --help             this help\n"
		"\n"
		"sweep: each VARIANT_DIR holds variant.json, invocations.ndjson and\n"
		"size.ndjson (mk/sweep.mk); writes sweep_variant records with p50/p99 and\n"
		"CIs, the change against the current build, sizes and the Pareto front.\n"
		"confirm: reads proposal and comparison records (lp-stats compare) and says\n"
		"for each applied proposal whether the measured change confirms it.\n"
		"\n"
		"Exit: 0 ok, 1 confirm: an applied proposal not confirmed, 2 usage or\n"
		"input error, 3 environment.\n");
}

/* --- input ----------------------------------------------------------------- */

static void keep_first(char **dst, const json_t *rec, const char *k)
{
	const char *s = nd_get_string(rec, k);
	if (!*dst && s)
		*dst = lp_xstrdup(s);
}

static void read_file(pr_input *in, const char *path)
{
	nd_reader *r = nd_open(path);
	json_t *rec;
	while ((rec = nd_read(r)) != NULL) {
		const char *type = nd_get_string(rec, "type");
		if (!type)
			lp_errx(LP_EXIT_USAGE, "%s:%lu: record without a \"type\"", nd_name(r), nd_line(r));
		json_t *dst = NULL;
		if (strcmp(type, "bottleneck") == 0)
			dst = in->bottlenecks;
		else if (strcmp(type, "skipped") == 0)
			dst = in->skipped;
		else if (strcmp(type, "sweep_variant") == 0)
			dst = in->variants;
		else if (strcmp(type, "proposal") == 0)
			dst = in->proposals;
		else if (strcmp(type, "comparison") == 0)
			dst = in->comparisons;
		else if (strcmp(type, "binary") == 0)
			dst = in->binaries;
		else if (strcmp(type, "invocation") == 0)
			qt_cold_add(in->cold, rec);
		else if (strcmp(type, "profile") == 0 && nd_get_number(rec, "freq_hz", &(double){ 0 }) == 1) {
			json_decref(in->hot_profile);
			in->hot_profile = json_incref(rec);
		}
		if (strcmp(type, "bottleneck") == 0 || strcmp(type, "invocation") == 0) {
			const char *f = nd_get_string(rec, "func"), *i = nd_get_string(rec, "impl");
			if (in->func && f && strcmp(in->func, f) != 0)
				lp_errx(LP_EXIT_USAGE, "%s:%lu: func '%s', but earlier records have '%s': one function at a time",
					nd_name(r), nd_line(r), f, in->func);
			if (in->impl && i && strcmp(in->impl, i) != 0)
				lp_errx(LP_EXIT_USAGE, "%s:%lu: impl '%s', but earlier records have '%s': one function at a time",
					nd_name(r), nd_line(r), i, in->impl);
			keep_first(&in->func, rec, "func");
			keep_first(&in->impl, rec, "impl");
			keep_first(&in->platform, rec, "platform");
			keep_first(&in->arch, rec, "arch");
			double m;
			if (isnan(in->memory_mb) && nd_get_number(rec, "memory_mb", &m) == 1)
				in->memory_mb = m;
		}
		if (dst) {
			/* Where it came from, for messages. */
			json_t *c = json_copy(rec);
			char *at = lp_xasprintf("%s:%lu", nd_name(r), nd_line(r));
			json_object_set_new(c, "_at", json_string(at));
			free(at);
			json_array_append_new(dst, c);
		}
		json_decref(rec);
	}
	nd_close(r);
}

void pr_read(pr_input *in, int argc, char **argv)
{
	memset(in, 0, sizeof *in);
	in->bottlenecks = json_array();
	in->skipped = json_array();
	in->variants = json_array();
	in->proposals = json_array();
	in->comparisons = json_array();
	in->binaries = json_array();
	in->memory_mb = NAN;
	in->cold = lp_xcalloc(1, sizeof(qt_cold));
	if (argc == 0)
		read_file(in, NULL);
	for (int i = 0; i < argc; i++)
		read_file(in, argv[i]);
	/* Sweep variants of other functions are not ours. */
	if (in->func || in->impl) {
		json_t *keep = json_array();
		size_t i;
		json_t *v;
		json_array_foreach(in->variants, i, v) {
			const char *f = nd_get_string(v, "func"), *im = nd_get_string(v, "impl");
			if ((!in->func || (f && strcmp(f, in->func) == 0)) && (!in->impl || (im && strcmp(im, in->impl) == 0)))
				json_array_append(keep, v);
		}
		json_decref(in->variants);
		in->variants = keep;
	}
}

void pr_input_free(pr_input *in)
{
	json_decref(in->bottlenecks);
	json_decref(in->skipped);
	json_decref(in->variants);
	json_decref(in->proposals);
	json_decref(in->comparisons);
	json_decref(in->binaries);
	json_decref(in->hot_profile);
	qt_cold_free(in->cold);
	free(in->cold);
	free(in->func);
	free(in->impl);
	free(in->platform);
	free(in->arch);
}

char *pr_template(const char *tpl, const json_t *vars)
{
	size_t cap = strlen(tpl) + 64, n = 0;
	char *out = lp_xmalloc(cap);
	for (const char *p = tpl; *p;) {
		const char *add = p;
		size_t len = 1;
		char numbuf[64];
		const char *close = *p == '{' ? strchr(p, '}') : NULL;
		if (close) {
			char *name = lp_xasprintf("%.*s", (int)(close - p - 1), p + 1);
			json_t *v = json_object_get(vars, name);
			free(name);
			if (json_is_string(v)) {
				add = json_string_value(v);
				len = strlen(add);
				p = close + 1;
			} else if (json_is_number(v)) {
				snprintf(numbuf, sizeof numbuf, "%.4g", json_number_value(v));
				add = numbuf;
				len = strlen(add);
				p = close + 1;
			} else {
				p++;
			}
		} else {
			p++;
		}
		if (n + len + 1 > cap) {
			cap = 2 * (n + len + 1);
			out = lp_xrealloc(out, cap);
		}
		memcpy(out + n, add, len);
		n += len;
	}
	out[n] = 0;
	return out;
}

/* --- matching --------------------------------------------------------------- */

static int has_word(char **v, size_t n, const char *w)
{
	for (size_t i = 0; i < n; i++)
		if (w && strcmp(v[i], w) == 0)
			return 1;
	return 0;
}

static int matches(const pr_entry *e, const json_t *b, const char *impl)
{
	if (!has_word(e->answers, e->nanswers, nd_get_string(b, "rule")))
		return 0;
	if (e->nimpls && !has_word(e->impls, e->nimpls, impl))
		return 0;
	for (size_t i = 0; i < e->nmatch; i++) {
		const char *m = e->match[i];
		const char *eq = strchr(m, '=');
		int neg = eq > m && eq[-1] == '!';
		char *field = lp_xasprintf("%.*s", (int)(eq - m - neg), m);
		const json_t *v = json_object_get(b, field);
		free(field);
		char buf[64];
		const char *s = json_is_string(v) ? json_string_value(v) : NULL;
		if (json_is_number(v)) {
			snprintf(buf, sizeof buf, "%g", json_number_value(v));
			s = buf;
		}
		int hit = s && fnmatch(eq + 1, s, 0) == 0;
		if (hit == neg)
			return 0;
	}
	return 1;
}

/* --- sweep variants ------------------------------------------------------- */

static const json_t *current_variant(const json_t *variants)
{
	size_t i;
	json_t *v;
	json_array_foreach(variants, i, v)
		if (json_is_true(json_object_get(v, "current")))
			return v;
	return NULL;
}


/* The variant a "sweep:" line names: the current settings with the given
 * keys changed; "best": the lowest init p50; "smallest": the smallest file.
 * NULL with *why when none was measured; *same when the current build
 * already has those settings. */
static const json_t *find_variant(const json_t *variants, const char *spec, const char **why, int *same)
{
	*same = 0;
	const json_t *cur = current_variant(variants);
	if (json_array_size(variants) == 0) {
		*why = "no sweep results in the input (make sweep)";
		return NULL;
	}
	if (!cur) {
		*why = "the sweep has no variant marked current";
		return NULL;
	}
	size_t i;
	json_t *v;
	const json_t *best = NULL;
	if (strcmp(spec, "best") == 0 || strcmp(spec, "smallest") == 0) {
		const char *key = spec[0] == 'b' ? "init_ms_p50" : "file_bytes";
		json_array_foreach(variants, i, v) {
			if (v == cur || isnan(nd_num(v, key)) || !(nd_num(v, key) < nd_num(cur, key)))
				continue;
			if (!best || nd_num(v, key) < nd_num(best, key))
				best = v;
		}
		if (!best)
			*why = spec[0] == 'b' ? "no variant of the sweep has a lower init p50 than the current build"
					      : "no variant of the sweep is smaller than the current build";
		return best;
	}
	const json_t *cs = json_object_get(cur, "settings");
	json_t *want = json_deep_copy(cs);
	char *dup = lp_xstrdup(spec), *save = NULL;
	int differs = 0;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (!eq)
			continue;
		*eq = 0;
		const char *old = nd_get_string(cs, t);
		if (!old || strcmp(old, eq + 1) != 0)
			differs = 1;
		json_object_set_new(want, t, json_string(eq + 1));
	}
	free(dup);
	if (!differs) {
		*same = 1;
		json_decref(want);
		return NULL;
	}
	json_array_foreach(variants, i, v)
		if (json_equal(json_object_get(v, "settings"), want)) {
			best = v;
			break;
		}
	json_decref(want);
	if (!best)
		*why = "the sweep did not build that variant (SWEEP=full builds every combination)";
	return best;
}

/* --- proposals -------------------------------------------------------------- */

typedef struct {
	const pr_input *in;
	const char *baseline;
	json_t *out;
	json_t *used_variants; /* variant name -> 1 */
} gen;

static json_t *vars_for(const gen *g, const pr_entry *e, const json_t *b, const json_t *variant)
{
	json_t *vars = json_object();
	json_object_set_new(vars, "func", json_string(g->in->func ? g->in->func : "FUNC"));
	json_object_set_new(vars, "impl", json_string(g->in->impl ? g->in->impl : "IMPL"));
	json_object_set_new(vars, "baseline", json_string(g->baseline));
	json_object_set_new(vars, "id", json_string(e->id));
	static const char *const bk[] = { "symbol", "module", "phase", "location", "rule", "value", "path", NULL };
	for (const char *const *k = bk; b && *k; k++) {
		json_t *v = json_object_get(b, *k);
		if (json_is_string(v) || json_is_number(v))
			json_object_set(vars, *k, v);
	}
	if (e->sweep && !variant) {
		json_object_set_new(vars, "variant", json_string("not measured yet: make sweep"));
		json_object_set_new(vars, "apply", json_string("not measured yet: make sweep"));
	}
	if (variant) {
		static const char *const vk[] = { "variant", "apply", NULL };
		for (const char *const *k = vk; *k; k++) {
			json_t *v = json_object_get(variant, *k);
			if (json_is_string(v))
				json_object_set(vars, *k, v);
		}
	}
	return vars;
}

static void emit(gen *g, const pr_entry *e, json_t *bids, const json_t *b, const json_t *variant, const char *why,
		 int sweep_first)
{
	json_t *vars = vars_for(g, e, b, variant);
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("proposal"));
	json_object_set_new(o, "schema", json_integer(1));
	json_object_set_new(o, "proposal", json_string(e->id));
	json_object_set_new(o, "layer", json_string(e->layer));
	char *s = pr_template(e->title, vars);
	json_object_set_new(o, "title", json_string(s));
	free(s);
	s = pr_template(e->change, vars);
	json_object_set_new(o, "change", json_string(s));
	free(s);
	json_object_set_new(o, "bottlenecks", bids);
	json_object_set_new(o, "rule", b ? json_copy(json_object_get(b, "rule")) : json_null());
	json_object_set_new(o, "location", b && json_object_get(b, "location") ? json_copy(json_object_get(b, "location")) : json_null());
	json_object_set_new(o, "metric", json_string(e->metric ? e->metric : "init_ms"));
	double gain = NAN;
	if (variant) {
		double d = nd_num(variant, "init_ms_p50_delta");
		json_t *ci = json_object_get(variant, "init_ms_p50_delta_ci95");
		gain = -d;
		json_object_set_new(o, "gain_kind", json_string("measured"));
		json_object_set_new(o, "variant", json_copy(json_object_get(variant, "variant")));
		const json_t *cur = current_variant(g->in->variants);
		char *basis;
		if (json_array_size(ci) == 2) {
			double lo = json_number_value(json_array_get(ci, 0)), hi = json_number_value(json_array_get(ci, 1));
			json_object_set_new(o, "gain_ci95", json_pack("[f,f]", -hi, -lo));
			json_object_set_new(o, "significant", json_boolean(hi < 0 || lo > 0));
			basis = lp_xasprintf("measured: sweep variant %s vs current %s, one interleaved run, n=%.0f each: init p50 %.3f -> %.3f ms, change %+.3f ms [95%% CI %+.3f, %+.3f]",
					     nd_get_string(variant, "variant"), cur ? nd_get_string(cur, "variant") : "?",
					     nd_num(variant, "n"), nd_num(cur, "init_ms_p50"), nd_num(variant, "init_ms_p50"), d, lo, hi);
		} else {
			json_object_set_new(o, "gain_ci95", json_null());
			json_object_set_new(o, "gain_ci95_reason", json_string("the sweep record has no CI of the change"));
			json_object_set_new(o, "significant", json_null());
			basis = lp_xasprintf("measured: sweep variant %s vs current: init p50 change %+.3f ms",
					     nd_get_string(variant, "variant"), d);
		}
		json_object_set_new(o, "gain_basis", json_string(basis));
		free(basis);
		double fb = nd_num(variant, "file_bytes"), cb = cur ? nd_num(cur, "file_bytes") : NAN;
		json_object_set_new(o, "gain_bytes", nd_real(cb - fb));
	} else if (!sweep_first && !isnan(e->fraction) && b && !isnan(nd_num(b, "impact_ms"))) {
		gain = e->fraction * nd_num(b, "impact_ms");
		char *basis = lp_xasprintf("measured share x stated assumption: %s measured %.3f ms (%s) x %.2f ('%s') = %.3f ms",
					   nd_get_string(b, "id") ? nd_get_string(b, "id") : "bottleneck", nd_num(b, "impact_ms"),
					   nd_get_string(b, "impact_basis") ? nd_get_string(b, "impact_basis") : "?",
					   e->fraction, e->assumption, gain);
		json_object_set_new(o, "gain_kind", json_string("share"));
		json_object_set_new(o, "gain_basis", json_string(basis));
		json_object_set_new(o, "assumption", json_string(e->assumption));
		json_object_set_new(o, "gain_ci95", json_null());
		json_object_set_new(o, "gain_ci95_reason", json_string("an assumption times a measured share has no sampling CI"));
		free(basis);
	} else {
		const char *reason = why ? why
				   : e->no_gain ? "the catalogue gives no basis for a number; validate measures it"
				   : b && isnan(nd_num(b, "impact_ms")) && nd_get_string(b, "impact_ms_reason")
				   ? nd_get_string(b, "impact_ms_reason")
				   : "no measured basis";
		json_object_set_new(o, "gain_kind", json_null());
		char *r = lp_xasprintf("no measured gain: %s", reason);
		json_object_set_new(o, "gain_basis", json_string(r));
		free(r);
	}
	json_object_set_new(o, "gain_ms", nd_real(gain));
	if (isnan(gain))
		json_object_set_new(o, "gain_ms_reason", json_string(json_string_value(json_object_get(o, "gain_basis"))));
	json_object_set_new(o, "effort", json_string(e->effort));
	double w = pr_effort_weight(e->effort);
	json_object_set_new(o, "effort_weight", json_real(w));
	/* A measured change the sweep cannot tell from noise ranks nothing. */
	int insignificant = variant && json_is_false(json_object_get(o, "significant"));
	int slower = variant && !insignificant && gain < 0;
	json_object_set_new(o, "priority", nd_real(insignificant || slower ? NAN : gain / w));
	if (isnan(gain))
		json_object_set_new(o, "priority_reason", json_string("no gain"));
	else if (slower)
		json_object_set_new(o, "priority_reason", json_string("measured slower: the sweep measured this change making init slower"));
	else if (insignificant)
		json_object_set_new(o, "priority_reason",
				    json_string("not significant: the 95 % CI of the measured change includes 0 (more cold starts: SWEEP_N)"));
	if (e->sweep && !variant)
		s = pr_template("make sweep FUNC={func} IMPL={impl} (measures it; lp-propose then names the variant to validate)", vars);
	else
		s = pr_template(e->validate, vars);
	json_object_set_new(o, "validate", json_string(s));
	free(s);
	json_object_set_new(o, "catalogue", json_string(e->at));
	json_object_set_new(o, "func", g->in->func ? json_string(g->in->func) : json_null());
	json_object_set_new(o, "impl", g->in->impl ? json_string(g->in->impl) : json_null());
	json_object_set_new(o, "platform", g->in->platform ? json_string(g->in->platform) : json_null());
	json_object_set_new(o, "arch", g->in->arch ? json_string(g->in->arch) : json_null());
	json_object_set_new(o, "memory_mb", nd_real(g->in->memory_mb));
	json_array_append_new(g->out, o);
	json_decref(vars);
}

static void propose_entry(gen *g, const pr_entry *e, int pass)
{
	/* Pass 0: sweep lines that name settings; pass 1: best/smallest (a
	 * variant an explicit entry already proposes is not proposed twice);
	 * pass 2: everything else. */
	int generic = e->sweep && (strcmp(e->sweep, "best") == 0 || strcmp(e->sweep, "smallest") == 0);
	if ((pass == 0) != (e->sweep && !generic) || (pass == 1) != generic) {
		if (!(pass == 2 && !e->sweep))
			return;
	}
	json_t *hits = json_array();
	size_t i;
	json_t *b;
	json_array_foreach(g->in->bottlenecks, i, b)
		if (matches(e, b, g->in->impl))
			json_array_append(hits, b);
	if (json_array_size(hits) == 0) {
		json_decref(hits);
		return;
	}
	const json_t *first = json_array_get(hits, 0);
	if (e->sweep) {
		const char *why = NULL;
		int same = 0;
		const json_t *v = find_variant(g->in->variants, e->sweep, &why, &same);
		int generic_none = !v && json_array_size(g->in->variants) && current_variant(g->in->variants) &&
				   (strcmp(e->sweep, "best") == 0 || strcmp(e->sweep, "smallest") == 0);
		if (same || generic_none) { /* the build already does this, or no variant beats it */
			json_decref(hits);
			return;
		}
		if (v && json_object_get(g->used_variants, nd_get_string(v, "variant"))) {
			json_decref(hits);
			return;
		}
		if (v || isnan(e->fraction)) {
			json_t *ids = json_array();
			json_array_foreach(hits, i, b) json_array_append(ids, json_object_get(b, "id"));
			if (v)
				json_object_set_new(g->used_variants, nd_get_string(v, "variant"), json_true());
			emit(g, e, ids, first, v, why, v != NULL);
			json_decref(hits);
			return;
		}
		/* No sweep result: fall back to the share basis below. */
	}
	json_array_foreach(hits, i, b) {
		json_t *ids = json_array();
		json_array_append(ids, json_object_get(b, "id"));
		emit(g, e, ids, b, NULL, NULL, 0);
	}
	json_decref(hits);
}

static int by_priority(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = st_cmp_desc(nd_num(a, "priority"), nd_num(b, "priority"));
	if (c)
		return c;
	/* No priority on either side: the larger gain first, none last. */
	c = st_cmp_desc(nd_num(a, "gain_ms"), nd_num(b, "gain_ms"));
	if (c)
		return c;
	return strcmp(nd_get_string(a, "proposal"), nd_get_string(b, "proposal"));
}

static json_t *propose(const pr_input *in, const pr_catalogue *cat, const char *baseline)
{
	gen g = { in, baseline, json_array(), json_object() };
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < cat->n; i++)
			propose_entry(&g, &cat->v[i], pass);
	size_t n = json_array_size(g.out);
	json_t **v = lp_xreallocarray(NULL, n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(g.out, i));
	qsort(v, n, sizeof *v, by_priority);
	json_t *sorted = json_array();
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(v[i], "rank", json_integer((json_int_t)i + 1));
		char *id = lp_xasprintf("%s@%s", nd_get_string(v[i], "proposal"),
					json_string_value(json_array_get(json_object_get(v[i], "bottlenecks"), 0)));
		json_object_set_new(v[i], "id", json_string(id));
		free(id);
		json_array_append_new(sorted, v[i]);
	}
	free(v);
	json_decref(g.out);
	json_decref(g.used_variants);
	return sorted;
}

int main(int argc, char **argv)
{
	lp_setprogname(argv[0]);
	if (argc > 1 && strcmp(argv[1], "sweep") == 0)
		return pr_sweep_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "confirm") == 0)
		return pr_confirm_main(argc - 1, argv + 1);
	static const struct option lo[] = {
		{ "catalogue", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'F' },
		{ "top", required_argument, NULL, 'n' }, { "baseline", required_argument, NULL, 'B' },
		{ "results", required_argument, NULL, 'R' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *catalogue = NULL, *format = "ndjson", *baseline = NULL, *results = NULL;
	long top = 5;
	int c;
	while ((c = getopt_long(argc, argv, "c:F:n:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': catalogue = optarg; break;
		case 'F':
			if (strcmp(optarg, "ndjson") && strcmp(optarg, "table") && strcmp(optarg, "markdown"))
				lp_usage_error("--format '%s': want ndjson, table or markdown", optarg);
			format = optarg;
			break;
		case 'n':
			if (lp_parse_long(optarg, 0, 100000, &top) != 0)
				lp_usage_error("--top '%s': want a number >= 0", optarg);
			break;
		case 'B': baseline = optarg; break;
		case 'R': results = optarg; break;
		case 'h': usage(stdout); lp_close_stdout(); return LP_EXIT_OK;
		default: usage(stderr); return LP_EXIT_USAGE;
		}
	}
	char *catpath = catalogue ? lp_xstrdup(catalogue) : lp_xasprintf("%s/proposals/catalogue", lp_share_dir());
	pr_catalogue cat;
	pr_catalogue_load(&cat, catpath);
	pr_input in;
	pr_read(&in, argc - optind, argv + optind);
	if (json_array_size(in.bottlenecks) == 0 && json_array_size(in.skipped) == 0)
		lp_errx(LP_EXIT_USAGE, "no bottleneck or skipped records in the input (run lp-bottleneck first)");
	char *bl = baseline ? lp_xstrdup(baseline)
			    : lp_xasprintf("results/%s-%s/baseline.ndjson", in.func ? in.func : "FUNC", in.impl ? in.impl : "IMPL");
	json_t *props = propose(&in, &cat, bl);
	if (strcmp(format, "ndjson") == 0) {
		size_t i;
		json_t *p;
		json_array_foreach(props, i, p) nd_write(stdout, p);
	} else if (strcmp(format, "table") == 0) {
		pr_table(&in, props, (size_t)top);
	} else {
		pr_markdown(&in, props, (size_t)top, results);
	}
	json_decref(props);
	pr_input_free(&in);
	pr_catalogue_free(&cat);
	free(catpath);
	free(bl);
	lp_close_stdout();
	return LP_EXIT_OK;
}
