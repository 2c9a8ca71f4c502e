/* lp-stats — summaries, comparisons and gates over invocation records.
 *
 * Method: Georges, Buytaert and Eeckhout, "Statistically Rigorous Java
 * Performance Evaluation" (OOPSLA 2007).  See docs/lp-stats.1. */
#include "lpstats.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lputil.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: lp-stats [OPTIONS] [FILE...]\n"
		"       lp-stats compare [OPTIONS] BASE CAND\n"
		"       lp-stats compare [OPTIONS] KEY=VALUE[,KEY=VALUE] KEY=VALUE[,...] [FILE...]\n"
		"\n"
		"Summarize invocation records (NDJSON from lp-invoke; stdin when no FILE)\n"
		"per group: n, mean, stddev, CV, min, p50/p90/p95/p99, max, 95 %% CIs of the\n"
		"mean (Student t) and median (order statistics), outliers (modified Z).\n"
		"compare: ratio of means (Fieller CI) and medians (bootstrap CI), Welch and\n"
		"Mann-Whitney p-values, verdict faster / slower / no change (Mann-Whitney).\n"
		"\n"
		"  -b, --by KEYS         group by these fields (default func,impl,memory_mb;\n"
		"                        compare of two files: func,memory_mb; '' = one group)\n"
		"  -f, --field PATH      summarize this numeric field, dotted paths allowed\n"
		"                        (repeatable; default init_ms and duration_ms)\n"
		"  -g, --gate EXPR       e.g. 'p50(init_ms) < 8', 'regress(init_ms) < 5%%'\n"
		"  -G, --gates FILE      gate expressions, one per line, # comments\n"
		"      --baseline FILE   baseline records for regress() gates\n"
		"  -F, --format FMT      ndjson (default), table, markdown, csv, lambda-perf\n"
		"      --alpha A         significance level (default 0.05)\n"
		"      --min-effect PCT  smallest change called faster/slower (default 2%%)\n"
		"      --bootstrap N     resamples for the median-ratio CI (default 2000)\n"
		"      --seed N          bootstrap seed (default 1)\n"
		"      --allow-local     lambda-perf output from local records, labelled local\n"
		"  -h, --help            this help\n"
		"\n"
		"Exit: 0 ok, 1 a gate failed, 2 bad usage or input, 3 environment.\n");
}

static char **split_list(const char *s, size_t *n)
{
	char **v = NULL;
	*n = 0;
	char *dup = lp_xstrdup(s), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (!*t)
			continue;
		v = lp_xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = lp_xstrdup(t);
	}
	free(dup);
	return v;
}

static int is_selector(const char *s)
{
	struct stat st;
	return strchr(s, '=') && stat(s, &st) != 0;
}

static void parse_selector(selector *sel, const char *s)
{
	size_t n;
	char **parts = split_list(s, &n);
	if (n == 0)
		lp_usage_error("empty group selector '%s'", s);
	sel->kv = lp_xcalloc(n, sizeof *sel->kv);
	sel->n = n;
	for (size_t i = 0; i < n; i++) {
		char *eq = strchr(parts[i], '=');
		if (!eq || eq == parts[i])
			lp_usage_error("bad group selector '%s': want KEY=VALUE[,KEY=VALUE]", s);
		*eq = '\0';
		sel->kv[i].k = lp_xstrdup(parts[i]);
		sel->kv[i].v = lp_xstrdup(eq + 1);
		free(parts[i]);
	}
	free(parts);
}

static void ctx_free(ctx *c)
{
	for (size_t i = 0; i < c->ngroups; i++) {
		group *g = c->groups[i];
		for (size_t k = 0; k < c->nfields; k++)
			free(g->s[k].v);
		free(g->s);
		for (size_t j = 0; j < g->nexcl; j++)
			free(g->excl[j].status);
		free(g->excl);
		json_decref(g->gobj);
		free(g->key);
		free(g->label);
		free(g->platform);
		free(g->platform_raw);
		free(g->arch);
		free(g->impl);
		free(g->func);
		free(g);
	}
	free(c->groups);
	ingest_free();
	for (size_t k = 0; k < c->nfields; k++)
		free(c->fields[k]);
	free(c->fields);
	for (size_t k = 0; k < c->nby; k++)
		free(c->by[k]);
	free(c->by);
	for (size_t i = 0; i < c->ngates; i++) {
		free(c->gates[i].text);
		free(c->gates[i].field);
		free(c->gates[i].src);
	}
	free(c->gates);
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < c->sel[s].n; i++) {
			free(c->sel[s].kv[i].k);
			free(c->sel[s].kv[i].v);
		}
		free(c->sel[s].kv);
	}
	for (size_t i = 0; i < c->nignored; i++)
		free(c->ignored[i].status);
	free(c->ignored);
	free(c->seen_field);
	json_decref(c->out);
}

int main(int argc, char **argv)
{
	lp_setprogname(argv[0]);
	ctx c = {.format = "ndjson", .alpha = 0.05, .min_effect = 2.0, .boot = 2000, .seed = 1};
	const char *by = NULL;
	const char **gate_files = NULL;
	size_t ngate_files = 0;
	char **gate_exprs = NULL;
	size_t ngate_exprs = 0;

	if (argc > 1 && strcmp(argv[1], "compare") == 0) {
		c.compare = 1;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	enum { O_BASELINE = 256, O_ALPHA, O_MINEFF, O_BOOT, O_SEED, O_LOCAL };
	static const struct option opts[] = {
		{"by", required_argument, NULL, 'b'},        {"field", required_argument, NULL, 'f'},
		{"gate", required_argument, NULL, 'g'},      {"gates", required_argument, NULL, 'G'},
		{"format", required_argument, NULL, 'F'},    {"baseline", required_argument, NULL, O_BASELINE},
		{"alpha", required_argument, NULL, O_ALPHA}, {"min-effect", required_argument, NULL, O_MINEFF},
		{"bootstrap", required_argument, NULL, O_BOOT}, {"seed", required_argument, NULL, O_SEED},
		{"allow-local", no_argument, NULL, O_LOCAL}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	long l;
	while ((ch = getopt_long(argc, argv, "b:f:g:G:F:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			by = optarg;
			break;
		case 'f': {
			size_t n;
			char **v = split_list(optarg, &n);
			if (n == 0)
				lp_usage_error("--field needs a field name");
			c.fields = lp_xreallocarray(c.fields, c.nfields + n, sizeof *c.fields);
			memcpy(c.fields + c.nfields, v, n * sizeof *v);
			c.nfields += n;
			free(v);
			break;
		}
		case 'g':
			gate_exprs = lp_xreallocarray(gate_exprs, ngate_exprs + 1, sizeof *gate_exprs);
			gate_exprs[ngate_exprs++] = optarg;
			break;
		case 'G':
			gate_files = lp_xreallocarray(gate_files, ngate_files + 1, sizeof *gate_files);
			gate_files[ngate_files++] = optarg;
			break;
		case 'F':
			if (strcmp(optarg, "ndjson") && strcmp(optarg, "table") && strcmp(optarg, "markdown") &&
			    strcmp(optarg, "csv") && strcmp(optarg, "lambda-perf"))
				lp_usage_error("unknown format '%s': ndjson, table, markdown, csv or lambda-perf", optarg);
			c.format = optarg;
			break;
		case O_BASELINE:
			c.baseline = optarg;
			break;
		case O_ALPHA:
			if (lp_parse_double(optarg, 1e-12, 0.5, &c.alpha) != 0)
				lp_usage_error("--alpha wants a number in (0, 0.5], got '%s'", optarg);
			break;
		case O_MINEFF: {
			char *s = lp_xstrdup(optarg);
			size_t n = strlen(s);
			if (n && s[n - 1] == '%')
				s[n - 1] = '\0';
			if (lp_parse_double(s, 0, 1000, &c.min_effect) != 0)
				lp_usage_error("--min-effect wants a percentage like 2 or 2%%, got '%s'", optarg);
			free(s);
			break;
		}
		case O_BOOT:
			if (lp_parse_long(optarg, 100, 1000000, &l) != 0)
				lp_usage_error("--bootstrap wants 100..1000000 resamples, got '%s'", optarg);
			c.boot = (unsigned)l;
			break;
		case O_SEED:
			if (lp_parse_long(optarg, 1, 0x7fffffffL, &l) != 0)
				lp_usage_error("--seed wants a positive integer, got '%s'", optarg);
			c.seed = (uint64_t)l;
			break;
		case O_LOCAL:
			c.allow_local = 1;
			break;
		case 'h':
			usage(stdout);
			lp_close_stdout();
			return LP_EXIT_OK;
		default:
			lp_usage_error("bad option");
		}
	}
	argc -= optind;
	argv += optind;

	if (c.nfields == 0) {
		c.fields = lp_xcalloc(2, sizeof *c.fields);
		c.fields[c.nfields++] = lp_xstrdup("init_ms");
		c.fields[c.nfields++] = lp_xstrdup("duration_ms");
	}
	for (size_t i = 0; i < ngate_exprs; i++)
		gate_parse(&c, gate_exprs[i], "--gate");
	for (size_t i = 0; i < ngate_files; i++)
		gates_file(&c, gate_files[i]);

	/* What is read, on which side. */
	const char **inputs = NULL;
	size_t ninputs = 0;
	const char *ref_file = c.baseline;
	const char *default_by = "func,impl,memory_mb";
	if (c.compare) {
		if (c.baseline)
			lp_usage_error("compare takes BASE and CAND, not --baseline");
		if (argc < 2)
			lp_usage_error("compare needs BASE and CAND");
		int s0 = is_selector(argv[0]), s1 = is_selector(argv[1]);
		if (s0 != s1)
			lp_usage_error("BASE and CAND must both be files or both KEY=VALUE group selectors");
		if (s0) {
			c.selectors = 1;
			parse_selector(&c.sel[SIDE_REF], argv[0]);
			parse_selector(&c.sel[SIDE_CUR], argv[1]);
			inputs = (const char **)argv + 2;
			ninputs = (size_t)argc - 2;
		} else {
			if (argc > 2)
				lp_usage_error("compare of two files takes exactly BASE and CAND");
			ref_file = argv[0];
			inputs = (const char **)argv + 1;
			ninputs = 1;
			default_by = "func,memory_mb";
		}
	} else {
		inputs = (const char **)argv;
		ninputs = (size_t)argc;
	}
	c.by = split_list(by ? by : default_by, &c.nby);
	if (c.selectors) {
		/* the selector keys tell the sides apart; they cannot also group */
		size_t k = 0;
		for (size_t i = 0; i < c.nby; i++) {
			int drop = 0;
			for (int s = 0; s < 2; s++)
				for (size_t j = 0; j < c.sel[s].n; j++)
					drop |= strcmp(c.by[i], c.sel[s].kv[j].k) == 0;
			if (drop)
				free(c.by[i]);
			else
				c.by[k++] = c.by[i];
		}
		c.nby = k;
	}
	c.lambda_perf = strcmp(c.format, "lambda-perf") == 0;
	if (c.lambda_perf && (c.compare || c.ngates))
		lp_usage_error("--format lambda-perf summarizes one stream: no compare, no gates");
	c.color = lp_color_enabled(stdout);
	c.warn_stderr = strcmp(c.format, "ndjson") == 0 || !(isatty(STDOUT_FILENO) && isatty(STDERR_FILENO));
	c.out = json_array();
	c.seen_field = lp_xcalloc(c.nfields, sizeof *c.seen_field);

	if (ref_file)
		ingest(&c, ref_file, SIDE_REF);
	if (ninputs == 0)
		ingest(&c, NULL, SIDE_CUR);
	for (size_t i = 0; i < ninputs; i++)
		ingest(&c, inputs[i], SIDE_CUR);

	if (c.nignored) {
		size_t total = 0;
		for (size_t i = 0; i < c.nignored; i++)
			total += c.ignored[i].n;
		fprintf(stderr, "%s: ignored %zu record%s not of type invocation (", lp_getprogname(), total,
			total == 1 ? "" : "s");
		for (size_t i = 0; i < c.nignored; i++)
			fprintf(stderr, "%s%s: %zu", i ? ", " : "", c.ignored[i].status, c.ignored[i].n);
		fprintf(stderr, ")\n");
	}
	if (c.unselected)
		lp_warnx("ignored %zu invocation records matching neither BASE nor CAND", c.unselected);
	if (c.invocations == 0)
		lp_errx(LP_EXIT_USAGE, "no invocation records in the input");
	size_t ncur = 0, nref = 0;
	for (size_t i = 0; i < c.ngroups; i++)
		c.groups[i]->side == SIDE_CUR ? ncur++ : nref++;
	if (ncur == 0)
		lp_errx(LP_EXIT_USAGE, c.compare ? "CAND has no invocation records (empty group)" : "no invocation records in the input");
	if (c.compare && nref == 0)
		lp_errx(LP_EXIT_USAGE, "BASE has no invocation records (empty group)");
	size_t ok_records = 0;
	for (size_t i = 0; i < c.ngroups; i++)
		ok_records += c.groups[i]->records - c.groups[i]->excluded;
	for (size_t k = 0; k < c.nfields && ok_records; k++)
		if (!c.seen_field[k])
			lp_errx(LP_EXIT_USAGE, "field '%s' is absent from every ok invocation record (misspelt?)", c.fields[k]);
	groups_sort(&c);

	int failed = 0;
	if (c.lambda_perf) {
		report_lambda_perf(&c);
	} else {
		if (c.compare) {
			if (report_comparisons(&c) == 0)
				lp_errx(LP_EXIT_USAGE, "BASE and CAND have no group in common (grouped by %s)",
					c.nby ? (by ? by : default_by) : "nothing");
		} else {
			report_summaries(&c);
			report_relative(&c);
		}
		failed = report_gates(&c);
		if (strcmp(c.format, "ndjson") != 0)
			render(&c);
	}
	ctx_free(&c);
	free(gate_files);
	free(gate_exprs);
	lp_close_stdout();
	return failed ? LP_EXIT_GATE : LP_EXIT_OK;
}
