/* lp-bottleneck — find the bottlenecks of a cold start in the records of
 * the other lp tools, with their impact computed from the measurements.
 *
 *   cat results/minimal-rust/ALL.ndjson | lp-bottleneck
 *
 * See docs/lp-bottleneck.1. */
#include "bn.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lputil.h"
#include "ndjson.h"
#include "stats.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lp-bottleneck [OPTIONS] [FILE...]\n"
		"\n"
		"Read the records of lp-invoke, lp-size and lp-perfrec (NDJSON, stdin when\n"
		"no FILE; e.g. cat results/minimal-rust/*.ndjson | lp-bottleneck) and write a\n"
		"`bottleneck` record for every rule whose threshold a measured value exceeds,\n"
		"ranked by impact (ms and %% of the cold start, from the measured data), and a\n"
		"`skipped` record for every rule without the data it needs.\n"
		"\n"
		"  -r, --rule NAME=VALUE  change a threshold (cpu_hotspot=5%%, alloc_count=1000,\n"
		"                         binary_size=100KB (KiB), ...) or NAME=off (repeatable)\n"
		"  -l, --list-rules       list the rules, their thresholds and the data they need\n"
		"  -F, --format FMT       ndjson (default) or table\n"
		"  -n, --top N            table: the first N findings (default all)\n"
		"      --gate             exit 1 when any bottleneck is found\n"
		"  -h, --help             this help\n"
		"\n"
		"One function per input: records of different func/impl/memory_mb are an\n"
		"input error.  Exit: 0 ok, 1 --gate and a bottleneck, 2 usage or input error,\n"
		"3 environment.\n");
}

/* --- helpers used by the rules ------------------------------------------ */

const char *bn_unit_name(enum bn_unit u)
{
	return u == BN_PCT ? "pct" : u == BN_BYTES ? "bytes" : "count";
}

const char *bn_fmt_threshold(const bn_rule *r, double v)
{
	static char buf[4][64];
	static int k;
	char *b = buf[k++ & 3];
	if (r->unit == BN_PCT)
		snprintf(b, 64, "%g%%", v);
	else if (r->unit == BN_BYTES && fmod(v, 1024) == 0)
		snprintf(b, 64, "%gKiB", v / 1024);
	else if (r->unit == BN_BYTES)
		snprintf(b, 64, "%gB", v);
	else
		snprintf(b, 64, "%g", v);
	return b;
}

json_t *bn_evidence(const bn_item *it, const char *const *fields)
{
	json_t *vals = json_object();
	for (; *fields; fields++) {
		json_t *v = nd_get_path(it->rec, *fields);
		json_object_set_new(vals, *fields, v ? json_deep_copy(v) : json_null());
	}
	const char *type = nd_get_string(it->rec, "type");
	return json_pack("{s:s, s:s, s:o}", "record", type ? type : "?", "at", it->at, "values", vals);
}

static json_t *common(const bn_in *in, json_t *o)
{
	json_object_set_new(o, "func", in->func ? json_string(in->func) : json_null());
	json_object_set_new(o, "impl", in->impl ? json_string(in->impl) : json_null());
	json_object_set_new(o, "platform", in->platform ? json_string(in->platform) : json_null());
	json_object_set_new(o, "arch", in->arch ? json_string(in->arch) : json_null());
	json_object_set_new(o, "memory_mb", isnan(in->memory_mb) ? json_null() : json_real(in->memory_mb));
	return o;
}

void bn_skip(bn_in *in, const bn_rule *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *reason;
	if (vasprintf(&reason, fmt, ap) < 0)
		lp_err(LP_EXIT_ENV, "vasprintf");
	va_end(ap);
	json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s}", "type", "skipped", "schema", 1, "rule", r->name,
			      "category", r->category, "reason", reason, "needs", r->needs);
	json_array_append_new(in->skipped, common(in, o));
	free(reason);
}

json_t *bn_finding(bn_in *in, const bn_rule *r, const char *phase, const char *location, double value,
		   const char *condition)
{
	json_t *o = json_object();
	json_object_set_new(o, "type", json_string("bottleneck"));
	json_object_set_new(o, "schema", json_integer(1));
	json_object_set_new(o, "rule", json_string(r->name));
	json_object_set_new(o, "category", json_string(r->category));
	json_object_set_new(o, "phase", phase ? json_string(phase) : json_null());
	json_object_set_new(o, "location", json_string(location));
	json_object_set_new(o, "value", json_real(value));
	json_object_set_new(o, "unit", json_string(bn_unit_name(r->unit)));
	json_object_set_new(o, "threshold", json_real(r->thr));
	json_object_set_new(o, "threshold_default", json_boolean(r->thr == r->def));
	json_object_set_new(o, "condition", json_string(condition));
	json_object_set_new(o, "evidence", json_array());
	json_array_append_new(in->found, common(in, o));
	return o;
}

void bn_set_impact(bn_in *in, json_t *f, double ms, const char *text)
{
	if (isfinite(ms)) {
		json_object_set_new(f, "impact_ms", json_real(ms));
		json_object_set_new(f, "impact_basis", json_string(text));
		if (isfinite(in->cold_ms) && in->cold_ms > 0) {
			json_object_set_new(f, "impact_pct", json_real(100.0 * ms / in->cold_ms));
		} else {
			json_object_set_new(f, "impact_pct", json_null());
			json_object_set_new(f, "impact_pct_reason", json_string(in->cold_reason));
		}
	} else {
		json_object_set_new(f, "impact_ms", json_null());
		json_object_set_new(f, "impact_ms_reason", json_string(text));
		json_object_set_new(f, "impact_pct", json_null());
		json_object_set_new(f, "impact_pct_reason", json_string("no impact_ms"));
	}
	json_object_set_new(f, "cold_start_ms", nd_real(in->cold_ms));
	if (isfinite(in->cold_ms))
		json_object_set_new(f, "cold_start_basis", json_string(in->cold_basis));
	else
		json_object_set_new(f, "cold_start_ms_reason", json_string(in->cold_reason));
}

/* --- input --------------------------------------------------------------- */

static void push(bn_items *it, json_t *rec, const char *file, unsigned long line)
{
	it->v = lp_xreallocarray(it->v, it->n + 1, sizeof *it->v);
	it->v[it->n].rec = json_incref(rec);
	it->v[it->n].at = lp_xasprintf("%s:%lu", file, line);
	it->n++;
}

static void items_free(bn_items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		json_decref(it->v[i].rec);
		free(it->v[i].at);
	}
	free(it->v);
}

static json_t *slim_invocation(const json_t *rec)
{
	static const char *const keys[] = { "type", "run_id", "start", "status", "init_ms", "duration_ms",
					    "max_memory_used_mb", "max_memory_used_mb_reason", "memory_mb", NULL };
	static const char *const ctr[] = { "task_clock_ms", "syscalls", "page_faults_minor", "page_faults_major", "cache_misses",
					   "cache_references", NULL };
	json_t *o = json_object();
	for (const char *const *k = keys; *k; k++) {
		json_t *v = json_object_get(rec, *k);
		if (v)
			json_object_set(o, *k, v);
	}
	json_t *counters = json_object();
	for (int p = 0; p < 2; p++) {
		const char *phase = p ? "invoke" : "init";
		json_t *src = nd_get_path(rec, p ? "counters.invoke" : "counters.init");
		if (!json_is_object(src))
			continue;
		json_t *dst = json_object();
		for (const char *const *k = ctr; *k; k++) {
			char *rk = lp_xasprintf("%s_reason", *k);
			json_t *v = json_object_get(src, *k), *r = json_object_get(src, rk);
			if (v)
				json_object_set(dst, *k, v);
			if (r)
				json_object_set(dst, rk, r);
			free(rk);
		}
		json_object_set_new(counters, phase, dst);
	}
	json_object_set_new(o, "counters", counters);
	return o;
}

/* One function per input: func and impl of measurement records agree. */
static void same(char **have, char **have_at, const char *got, const char *what, const char *at)
{
	if (!got)
		return;
	if (!*have) {
		*have = lp_xstrdup(got);
		*have_at = lp_xstrdup(at);
	} else if (strcmp(*have, got) != 0) {
		lp_errx(LP_EXIT_USAGE, "%s: %s '%s', but %s has '%s': analyze one function at a time", at, what, got,
			*have_at, *have);
	}
}

static void read_one(bn_in *in, const char *path)
{
	nd_reader *r = nd_open(path);
	json_t *rec;
	while ((rec = nd_read(r)) != NULL) {
		const char *type = nd_get_string(rec, "type");
		char *at = lp_xasprintf("%s:%lu", nd_name(r), nd_line(r));
		bn_items *dst = NULL;
		int measured = 1;
		if (!type)
			lp_errx(LP_EXIT_USAGE, "%s: record without a \"type\"", at);
		if (strcmp(type, "invocation") == 0)
			dst = &in->inv;
		else if (strcmp(type, "profile") == 0)
			dst = &in->prof;
		else if (strcmp(type, "hotspot") == 0)
			dst = &in->hot;
		else if (strcmp(type, "syscall") == 0)
			dst = &in->sys;
		else if (strcmp(type, "alloc") == 0)
			dst = &in->alloc;
		else if (strcmp(type, "binary") == 0)
			dst = &in->bin, measured = 0;
		else if (strcmp(type, "crate") == 0)
			dst = &in->crate, measured = 0;
		if (dst) {
			if (measured) {
				same(&in->func, &in->func_at, nd_get_string(rec, "func"), "func", at);
				same(&in->impl, &in->impl_at, nd_get_string(rec, "impl"), "impl", at);
				if (!in->platform && nd_get_string(rec, "platform"))
					in->platform = lp_xstrdup(nd_get_string(rec, "platform"));
				if (!in->arch && nd_get_string(rec, "arch"))
					in->arch = lp_xstrdup(nd_get_string(rec, "arch"));
				double m;
				if (nd_get_number(rec, "memory_mb", &m) == 1) {
					if (!isnan(in->memory_mb) && m != in->memory_mb)
						lp_errx(LP_EXIT_USAGE, "%s: memory_mb %g, but earlier records have %g: analyze one memory size at a time",
							at, m, in->memory_mb);
					in->memory_mb = m;
				}
			}
			if (dst == &in->bin && in->bin.n) {
				const char *p0 = nd_get_string(in->bin.v[0].rec, "path"), *p1 = nd_get_string(rec, "path");
				if (p0 && p1 && strcmp(p0, p1) != 0)
					lp_errx(LP_EXIT_USAGE, "%s: a second binary (%s; %s has %s): analyze one function at a time",
						at, p1, in->bin.v[0].at, p0);
			}
			if (dst == &in->inv) {
				qt_cold_add(&in->cold, rec);
				/* Keep only what the rules read: a whole record with its
				 * counters holds ~9 KB in jansson. */
				json_t *slim = slim_invocation(rec);
				push(dst, slim, nd_name(r), nd_line(r));
				json_decref(slim);
			} else {
				push(dst, rec, nd_name(r), nd_line(r));
			}
		}
		free(at);
		json_decref(rec);
	}
	nd_close(r);
}

static void cold_reference(bn_in *in)
{
	in->cold_ms = NAN;
	if (in->cold.cold_ok) {
		qt_vec v = { 0 };
		for (size_t i = 0; i < in->cold.total.n; i++)
			qt_push(&v, in->cold.total.v[i]);
		st_sort(v.v, v.n);
		in->cold_ms = st_percentile(v.v, v.n, 50);
		qt_free(&v);
		in->cold_basis = "median init_ms + duration_ms of the cold starts with status ok (lp-invoke)";
		return;
	}
	for (size_t i = in->prof.n; i-- > 0;) {
		double a, b;
		if (nd_get_number(in->prof.v[i].rec, "init_ms_median", &a) == 1 &&
		    nd_get_number(in->prof.v[i].rec, "duration_ms_median", &b) == 1) {
			in->cold_ms = a + b;
			in->cold_basis = "init_ms_median + duration_ms_median of the lp-perfrec run (profiling build, while sampled)";
			return;
		}
	}
	in->cold_reason = lp_xstrdup(in->inv.n ? "no cold start with status ok" : "no invocation or profile records");
}

/* --- options ------------------------------------------------------------- */

static bn_rule *find_rule(const char *name, size_t len)
{
	for (size_t i = 0; i < bn_nrules; i++)
		if (strlen(bn_rules[i].name) == len && strncmp(bn_rules[i].name, name, len) == 0)
			return &bn_rules[i];
	return NULL;
}

static void set_rule(const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq)
		lp_usage_error("--rule '%s': want NAME=VALUE (see --list-rules)", arg);
	bn_rule *r = find_rule(arg, (size_t)(eq - arg));
	if (!r)
		lp_usage_error("--rule '%s': no rule '%.*s' (see --list-rules)", arg, (int)(eq - arg), arg);
	const char *v = eq + 1;
	if (strcmp(v, "off") == 0) {
		r->off = 1;
		return;
	}
	/* Stack copies: a usage error exits without freeing. */
	char num[64], unit[64];
	size_t nl = strspn(v, "0123456789.+-eE");
	if (nl >= sizeof num || strlen(v + nl) >= sizeof unit)
		lp_usage_error("--rule %s: value too long", arg);
	memcpy(num, v, nl);
	num[nl] = 0;
	snprintf(unit, sizeof unit, "%s", v + nl);
	double x, mul = 1;
	if (r->unit == BN_PCT) {
		if (*unit && strcmp(unit, "%") != 0)
			lp_usage_error("--rule %s: '%s' is not a percentage (e.g. %s=5%%)", arg, v, r->name);
	} else if (r->unit == BN_COUNT) {
		if (*unit)
			lp_usage_error("--rule %s: '%s' is not a count (a plain number, e.g. %s=1000)", arg, v, r->name);
	} else {
		if (!*unit || strcasecmp(unit, "b") == 0)
			mul = 1;
		else if (strcasecmp(unit, "k") == 0 || strcasecmp(unit, "kb") == 0 || strcasecmp(unit, "kib") == 0)
			mul = 1024;
		else if (strcasecmp(unit, "m") == 0 || strcasecmp(unit, "mb") == 0 || strcasecmp(unit, "mib") == 0)
			mul = 1024 * 1024;
		else
			lp_usage_error("--rule %s: unknown size unit '%s' (B, KB, MB; binary units)", arg, unit);
	}
	if (lp_parse_double(num, 0, r->unit == BN_PCT ? 100 : 1e15, &x) != 0)
		lp_usage_error("--rule %s: '%s' is not a number in range (%s)", arg, v,
			       r->unit == BN_PCT ? "0-100" : ">= 0");
	r->thr = x * mul;
	r->off = 0;
}

static void list_rules(void)
{
	printf("%-17s %-12s %-11s %s\n", "RULE", "THRESHOLD", "CATEGORY", "FIRES WHEN / NEEDS / IMPACT");
	for (size_t i = 0; i < bn_nrules; i++) {
		const bn_rule *r = &bn_rules[i];
		char thr[80];
		if (r->off)
			snprintf(thr, sizeof thr, "off");
		else
			snprintf(thr, sizeof thr, "%s%s", bn_fmt_threshold(r, r->thr), r->thr == r->def ? "" : "*");
		printf("%-17s %-12s %-11s %s > threshold\n", r->name, thr, r->category, r->value);
		printf("%-17s %-12s %-11s needs: %s\n", "", "", "", r->needs);
		printf("%-17s %-12s %-11s impact: %s\n", "", "", "", r->impact);
	}
	printf("\n(* changed by --rule; a value exactly at its threshold does not fire)\n");
}

/* --- output -------------------------------------------------------------- */


static int by_impact(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	int c = st_cmp_desc(nd_num(a, "impact_ms"), nd_num(b, "impact_ms"));
	if (c)
		return c;
	/* No time on either side: how far over its threshold each is. */
	double ra = nd_num(a, "value") / nd_num(a, "threshold");
	double rb = nd_num(b, "value") / nd_num(b, "threshold");
	if (ra != rb && !isnan(ra) && !isnan(rb))
		return ra > rb ? -1 : 1;
	return strcmp(nd_get_string(a, "location"), nd_get_string(b, "location"));
}

static void finish(json_t *found)
{
	size_t n = json_array_size(found);
	json_t **v = lp_xreallocarray(NULL, n ? n : 1, sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(found, i));
	qsort(v, n, sizeof *v, by_impact);
	json_array_clear(found);
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(v[i], "rank", json_integer((json_int_t)i + 1));
		const char *rule = nd_get_string(v[i], "rule"), *phase = nd_get_string(v[i], "phase");
		const char *sym = nd_get_string(v[i], "symbol");
		char *id = lp_xasprintf("%s/%s%s%s", rule, phase ? phase : "-", sym ? "/" : "", sym ? sym : "");
		json_object_set_new(v[i], "id", json_string(id));
		free(id);
		json_array_append_new(found, v[i]);
	}
	free(v);
}

static void fmt_num(char *b, size_t n, const json_t *o, const char *k, const char *fmt)
{
	double v = nd_num(o, k);
	if (isnan(v))
		snprintf(b, n, "-");
	else
		snprintf(b, n, fmt, v);
}

static void print_table(const bn_in *in, size_t top)
{
	int color = lp_color_enabled(stdout);
	printf("bottlenecks of %s-%s", in->func ? in->func : "?", in->impl ? in->impl : "?");
	if (isfinite(in->cold_ms))
		printf(" (cold start p50 %.3f ms: %s)\n", in->cold_ms, in->cold_basis);
	else
		printf(" (cold start unknown: %s)\n", in->cold_reason);
	printf("%3s  %-16s %-6s %10s %7s  %s\n", "#", "RULE", "PHASE", "IMPACT_MS", "%COLD", "LOCATION");
	size_t i;
	json_t *f;
	json_array_foreach(in->found, i, f) {
		if (top && i >= top) {
			printf("     (%zu more in the NDJSON output)\n", json_array_size(in->found) - top);
			break;
		}
		char ms[32], pct[32];
		fmt_num(ms, sizeof ms, f, "impact_ms", "%.3f");
		fmt_num(pct, sizeof pct, f, "impact_pct", "%.1f");
		const char *ph = nd_get_string(f, "phase");
		printf("%3zu  %s%-16s%s %-6s %10s %7s  %s\n", i + 1, color ? "\033[1m" : "", nd_get_string(f, "rule"),
		       color ? "\033[0m" : "", ph ? ph : "-", ms, pct, nd_get_string(f, "location"));
		printf("%3s  %-16s %-6s %10s %7s    %s\n", "", "", "", "", "", nd_get_string(f, "condition"));
	}
	if (json_array_size(in->found) == 0)
		printf("     (no rule fired)\n");
	json_array_foreach(in->skipped, i, f)
		printf("skipped %-16s %s\n", nd_get_string(f, "rule"), nd_get_string(f, "reason"));
}

int main(int argc, char **argv)
{
	lp_setprogname(argv[0]);
	static const struct option lo[] = {
		{ "rule", required_argument, NULL, 'r' }, { "list-rules", no_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'F' }, { "gate", no_argument, NULL, 'g' },
		{ "top", required_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	long top = 0;
	for (size_t i = 0; i < bn_nrules; i++)
		bn_rules[i].thr = bn_rules[i].def;
	int list = 0, table = 0, gate = 0, c;
	while ((c = getopt_long(argc, argv, "r:lF:n:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (lp_parse_long(optarg, 0, 1000000, &top) != 0)
				lp_usage_error("--top '%s': want a number >= 0", optarg);
			break;
		case 'r': set_rule(optarg); break;
		case 'l': list = 1; break;
		case 'g': gate = 1; break;
		case 'F':
			if ((table = lp_parse_table_format(optarg)) < 0)
				lp_usage_error("--format '%s': want ndjson or table", optarg);
			break;
		case 'h': usage(stdout); lp_close_stdout(); return LP_EXIT_OK;
		default: usage(stderr); return LP_EXIT_USAGE;
		}
	}
	if (list) {
		list_rules();
		lp_close_stdout();
		return LP_EXIT_OK;
	}
	bn_in in = { 0 };
	in.memory_mb = NAN;
	in.found = json_array();
	in.skipped = json_array();
	if (optind == argc)
		read_one(&in, NULL);
	for (int i = optind; i < argc; i++)
		read_one(&in, argv[i]);
	size_t total = in.inv.n + in.prof.n + in.hot.n + in.sys.n + in.alloc.n + in.bin.n + in.crate.n;
	if (total == 0)
		lp_errx(LP_EXIT_USAGE, "no invocation, profile, hotspot, syscall, alloc, binary or crate record in the input");
	cold_reference(&in);
	for (size_t i = 0; i < bn_nrules; i++)
		if (!bn_rules[i].off)
			bn_rules[i].run(&in, &bn_rules[i]);
	finish(in.found);
	if (table) {
		print_table(&in, (size_t)top);
	} else {
		size_t i;
		json_t *f;
		json_array_foreach(in.found, i, f) nd_write(stdout, f);
		json_array_foreach(in.skipped, i, f) nd_write(stdout, f);
	}
	int found = json_array_size(in.found) > 0;
	json_decref(in.found);
	json_decref(in.skipped);
	items_free(&in.inv);
	items_free(&in.prof);
	items_free(&in.hot);
	items_free(&in.sys);
	items_free(&in.alloc);
	items_free(&in.bin);
	items_free(&in.crate);
	qt_cold_free(&in.cold);
	free(in.func);
	free(in.impl);
	free(in.func_at);
	free(in.impl_at);
	free(in.platform);
	free(in.arch);
	free(in.cold_reason);
	lp_close_stdout();
	return gate && found ? LP_EXIT_GATE : LP_EXIT_OK;
}
