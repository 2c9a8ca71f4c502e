/* lp-size — what a bootstrap's bytes are made of: sections, symbols and
 * Rust crates (or C compile units), file and zip size, size gates, and the
 * difference between two builds.  See docs/lp-size.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"
#include "size.h"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: lp-size [options] FILE\n"
	    "       lp-size diff [options] OLD NEW\n"
	    "\n"
	    "Explain the size of an ELF executable (a Lambda bootstrap): sections,\n"
	    "segments, symbols, Rust crates or C compile units, the size in a\n"
	    "deployment zip.  NDJSON on stdout (docs/schema.md), or a table.\n"
	    "\n"
	    "  --format ndjson|table   output (default ndjson)\n"
	    "  -n N                    rows per table; in NDJSON, top N symbols (default: all)\n"
	    "  --by section|crate|symbol  table: only this view (default: all three)\n"
	    "  --split-std             keep core, alloc... apart instead of folding them into std\n"
	    "  --debug-file F          symbols from F (objcopy --only-keep-debug or the unstripped\n"
	    "                          file of the same build: the build ids must match)\n"
	    "  --max-kb N              gate: file size <= N KiB (gate record, exit 1 when over)\n"
	    "  --max-zip-kb N          gate: zip size <= N KiB\n"
	    "  --no-zip                skip the deflate pass (zip_bytes null with a reason)\n"
	    "  -h, --help              this help\n"
	    "\n"
	    "Exit: 0 ok, 1 a gate failed, 2 usage or bad input (not a 64-bit\n"
	    "little-endian ELF, truncated, corrupt), 3 environment.\n");
}

int main(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_BY, O_SPLIT, O_DEBUG, O_MAXKB, O_MAXZIP, O_NOZIP };
	static const struct option lo[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "by", required_argument, NULL, O_BY },
		{ "split-std", no_argument, NULL, O_SPLIT },
		{ "debug-file", required_argument, NULL, O_DEBUG },
		{ "max-kb", required_argument, NULL, O_MAXKB },
		{ "max-zip-kb", required_argument, NULL, O_MAXZIP },
		{ "no-zip", no_argument, NULL, O_NOZIP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sz_opts o = { NULL, 0, 1 };
	const char *by = NULL;
	int table = 0, c;
	long limit = 0;
	double max_kb = -1, max_zip_kb = -1;

	lp_setprogname(argv[0]);
	if (argc > 1 && strcmp(argv[1], "diff") == 0)
		return sz_diff_main(argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "hn:", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			lp_close_stdout();
			return LP_EXIT_OK;
		case 'n':
			if (lp_parse_long(optarg, 1, 100000000, &limit) < 0)
				lp_usage_error("-n: not a positive integer: %s", optarg);
			break;
		case O_FORMAT:
			if ((table = lp_parse_table_format(optarg)) < 0)
				lp_usage_error("--format: ndjson or table, not %s", optarg);
			break;
		case O_BY:
			if (strcmp(optarg, "section") && strcmp(optarg, "crate") && strcmp(optarg, "symbol"))
				lp_usage_error("--by: section, crate or symbol, not %s", optarg);
			by = optarg;
			break;
		case O_SPLIT: o.split_std = 1; break;
		case O_DEBUG: o.debug_file = optarg; break;
		case O_MAXKB:
			if (lp_parse_double(optarg, 0, 1e9, &max_kb) < 0)
				lp_usage_error("--max-kb: not a size in KiB: %s", optarg);
			break;
		case O_MAXZIP:
			if (lp_parse_double(optarg, 0, 1e9, &max_zip_kb) < 0)
				lp_usage_error("--max-zip-kb: not a size in KiB: %s", optarg);
			break;
		case O_NOZIP: o.want_zip = 0; break;
		default:
			lp_usage_error("bad option");
		}
	}
	if (optind != argc - 1)
		lp_usage_error(optind >= argc ? "missing FILE" : "one FILE only (lp-size diff OLD NEW compares two)");
	if (max_zip_kb >= 0 && !o.want_zip)
		lp_usage_error("--max-zip-kb needs the zip size: drop --no-zip");

	struct sz_model m;
	sz_load(&m, argv[optind], &o);
	if (table)
		sz_print_table(&m, (size_t)limit, by);
	else
		sz_emit_ndjson(&m, (size_t)limit);
	int failed = sz_gates(&m, max_kb, max_zip_kb, table);
	sz_free(&m);
	lp_close_stdout();
	return failed ? LP_EXIT_GATE : LP_EXIT_OK;
}
