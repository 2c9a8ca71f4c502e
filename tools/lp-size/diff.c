/* lp-size diff OLD NEW: byte deltas per section, crate and symbol. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lputil.h"
#include "ndjson.h"
#include "size.h"

struct ent {
	const char *name;
	uint64_t bytes;
};

struct delta {
	const char *name;
	uint64_t old_b, new_b;
	int in_old, in_new;
};

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->name, ((const struct ent *)b)->name);
}

static long long dval(const struct delta *d) { return (long long)d->new_b - (long long)d->old_b; }

static int delta_cmp(const void *a, const void *b)
{
	long long x = llabs(dval(a)), y = llabs(dval(b));
	if (x != y)
		return x > y ? -1 : 1;
	return strcmp(((const struct delta *)a)->name, ((const struct delta *)b)->name);
}

/* Entries of one kind, names merged (sum of bytes per name). */
static struct ent *entries(const struct sz_model *m, const char *kind, size_t *n)
{
	struct ent *v = NULL;
	size_t k = 0;
	if (strcmp(kind, "section") == 0) {
		v = lp_xreallocarray(NULL, m->nrows + 1, sizeof(*v));
		for (size_t i = 0; i < m->nrows; i++)
			v[k++] = (struct ent){ m->rows[i].name, m->rows[i].file_bytes };
	} else if (strcmp(kind, "crate") == 0) {
		v = lp_xreallocarray(NULL, m->ncrates + 1, sizeof(*v));
		for (size_t i = 0; i < m->ncrates; i++)
			v[k++] = (struct ent){ m->crates[i].name, m->crates[i].bytes };
	} else {
		v = lp_xreallocarray(NULL, m->nsyms + 1, sizeof(*v));
		for (size_t i = 0; i < m->nsyms; i++)
			if (!m->syms[i].alias)
				v[k++] = (struct ent){ m->syms[i].demangled ? m->syms[i].demangled : m->syms[i].name, m->syms[i].size };
	}
	qsort(v, k, sizeof(*v), ent_cmp);
	size_t o = 0;
	for (size_t i = 0; i < k; i++) {
		if (o > 0 && strcmp(v[o - 1].name, v[i].name) == 0)
			v[o - 1].bytes += v[i].bytes;
		else
			v[o++] = v[i];
	}
	*n = o;
	return v;
}

static struct delta *join(const struct sz_model *a, const struct sz_model *b, const char *kind, size_t *nd)
{
	size_t na, nb, i = 0, j = 0, k = 0;
	struct ent *ea = entries(a, kind, &na), *eb = entries(b, kind, &nb);
	struct delta *d = lp_xreallocarray(NULL, na + nb + 1, sizeof(*d));
	while (i < na || j < nb) {
		int c = i >= na ? 1 : j >= nb ? -1 : strcmp(ea[i].name, eb[j].name);
		if (c < 0) {
			d[k++] = (struct delta){ ea[i].name, ea[i].bytes, 0, 1, 0 };
			i++;
		} else if (c > 0) {
			d[k++] = (struct delta){ eb[j].name, 0, eb[j].bytes, 0, 1 };
			j++;
		} else {
			d[k++] = (struct delta){ ea[i].name, ea[i].bytes, eb[j].bytes, 1, 1 };
			i++;
			j++;
		}
	}
	free(ea);
	free(eb);
	qsort(d, k, sizeof(*d), delta_cmp);
	*nd = k;
	return d;
}

static json_t *rec(const char *kind, const struct delta *d)
{
	json_t *o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I}", "type", "size_diff", "kind", kind,
	    "name", sz_jstr(d->name), "old_bytes", (json_int_t)d->old_b, "new_bytes", (json_int_t)d->new_b,
	    "delta_bytes", (json_int_t)dval(d));
	if (d->old_b > 0) {
		json_object_set_new(o, "delta_pct", nd_real(100.0 * (double)dval(d) / (double)d->old_b));
	} else {
		json_object_set_new(o, "delta_pct", json_null());
		json_object_set_new(o, "delta_pct_reason", json_string(d->in_old ? "old size is 0" : "absent from OLD"));
	}
	json_object_set_new(o, "status", json_string(!d->in_old ? "added" : !d->in_new ? "removed" : dval(d) ? "changed" : "same"));
	return o;
}

static void print_delta(const struct delta *d, int color)
{
	char a[32], b[32], pct[16];
	long long v = dval(d);
	const char *c = !color ? "" : v > 0 ? "\033[31m" : "\033[32m", *z = color ? "\033[0m" : "";
	snprintf(a, sizeof(a), "%+lld", v);
	sz_fmt_bytes(b, sizeof(b), (double)d->new_b);
	if (d->old_b > 0)
		snprintf(pct, sizeof(pct), "%+.1f%%", 100.0 * (double)v / (double)d->old_b);
	else
		snprintf(pct, sizeof(pct), "new");
	if (!d->in_new)
		snprintf(pct, sizeof(pct), "gone");
	printf("%s%12s%s %8s %12s  %s\n", c, a, z, pct, b, d->name);
}

/* A saved lp-size NDJSON output (results/FUNC-IMPL/size.ndjson) as a
 * model: the binary totals, sections, crates and symbols it recorded. */
static void load_ndjson(struct sz_model *m, const char *path)
{
	nd_reader *r = nd_open(path);
	json_t *all = json_array(), *rec;
	int have_binary = 0, have_syms = 0;

	memset(m, 0, sizeof(*m));
	m->path = path;
	m->records = all;
	while ((rec = nd_read(r)) != NULL) {
		json_array_append_new(all, rec);
		const char *t = nd_get_string(rec, "type");
		double v;
		if (t == NULL)
			continue;
		if (strcmp(t, "binary") == 0) {
			if (nd_get_number(rec, "file_bytes", &v) != 1)
				lp_errx(LP_EXIT_USAGE, "%s:%lu: binary record without file_bytes", nd_name(r), nd_line(r));
			m->elf.len = (size_t)v;
			if (nd_get_number(rec, "vm_bytes", &v) == 1)
				m->vm_bytes = (uint64_t)v;
			if (nd_get_number(rec, "zip_bytes", &v) == 1) {
				m->zip_bytes = (uint64_t)v;
				m->zip_ok = 1;
			}
			have_binary = 1;
			/* symbols: null means the saved run had none */
			have_syms = json_is_integer(json_object_get(rec, "symbols"));
		} else if (strcmp(t, "section") == 0 && nd_get_string(rec, "name") && nd_get_number(rec, "file_bytes", &v) == 1) {
			m->rows = lp_xreallocarray(m->rows, m->nrows + 1, sizeof(*m->rows));
			m->rows[m->nrows++] = (struct sz_row){ nd_get_string(rec, "name"), "section", NULL, (uint64_t)v, 0 };
		} else if (strcmp(t, "crate") == 0 && nd_get_string(rec, "name") && nd_get_number(rec, "bytes", &v) == 1) {
			m->crates = lp_xreallocarray(m->crates, m->ncrates + 1, sizeof(*m->crates));
			m->crates[m->ncrates++] = (struct sz_crate){ lp_xstrdup(nd_get_string(rec, "name")), "crate", (uint64_t)v, 0, 0, 0, 0 };
		} else if (strcmp(t, "symbol") == 0 && nd_get_string(rec, "name") && nd_get_number(rec, "size", &v) == 1) {
			m->syms = lp_xreallocarray(m->syms, m->nsyms + 1, sizeof(*m->syms));
			struct sz_sym *y = &m->syms[m->nsyms++];
			memset(y, 0, sizeof(*y));
			y->name = nd_get_string(rec, "name");
			y->demangled = nd_get_string(rec, "demangled") ? lp_xstrdup(nd_get_string(rec, "demangled")) : NULL;
			y->size = (uint64_t)v;
			y->alias = json_is_true(json_object_get(rec, "alias"));
		}
	}
	nd_close(r);
	if (!have_binary)
		lp_errx(LP_EXIT_USAGE, "%s: no binary record: not an lp-size output", path);
	/* Non-NULL marks "symbols were available" for the comparison. */
	m->symsrc = have_syms ? &m->elf : NULL;
	m->symbols_source = have_syms ? "ndjson" : NULL;
}

/* An ELF file, or a saved lp-size NDJSON output (first byte '{'). */
static void load_any(struct sz_model *m, const char *path, const struct sz_opts *o)
{
	FILE *f = fopen(path, "rb");
	int c = f ? getc(f) : EOF;
	if (f)
		fclose(f);
	if (c == '{')
		load_ndjson(m, path);
	else
		sz_load(m, path, o);
}

int sz_diff_main(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_SPLIT, O_OLDDBG, O_NEWDBG };
	static const struct option lo[] = {
		{ "format", required_argument, NULL, O_FORMAT },
		{ "split-std", no_argument, NULL, O_SPLIT },
		{ "old-debug-file", required_argument, NULL, O_OLDDBG },
		{ "new-debug-file", required_argument, NULL, O_NEWDBG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sz_opts oa = { NULL, 0, 1 }, ob = { NULL, 0, 1 };
	int table = 0, c;
	long limit = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "hn:", lo, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("usage: lp-size diff [--format ndjson|table] [-n N] [--split-std]\n"
			    "                    [--old-debug-file F] [--new-debug-file F] OLD NEW\n"
			    "Byte deltas per section, crate and symbol, largest first, and the totals\n"
			    "(file, zip, VM).  OLD and NEW are ELF files or saved lp-size NDJSON\n"
			    "outputs (results/FUNC-IMPL/size.ndjson).  Records: size_diff (docs/schema.md).\n");
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
		case O_SPLIT: oa.split_std = ob.split_std = 1; break;
		case O_OLDDBG: oa.debug_file = optarg; break;
		case O_NEWDBG: ob.debug_file = optarg; break;
		default:
			lp_usage_error("bad option");
		}
	}
	if (argc - optind != 2)
		lp_usage_error("diff needs OLD and NEW");

	struct sz_model a, b;
	load_any(&a, argv[optind], &oa);
	load_any(&b, argv[optind + 1], &ob);
	int color = table && lp_color_enabled(stdout);

	struct delta tot[3] = {
		{ "file", a.elf.len, b.elf.len, 1, 1 },
		{ "zip", a.zip_bytes, b.zip_bytes, a.zip_ok, b.zip_ok },
		{ "vm", a.vm_bytes, b.vm_bytes, 1, 1 },
	};
	if (table) {
		printf("%s -> %s\n%12s %8s %12s  %s\n", a.path, b.path, "DELTA B", "DELTA %", "NEW", "TOTAL");
		for (int i = 0; i < 3; i++)
			print_delta(&tot[i], color);
	} else {
		for (int i = 0; i < 3; i++) {
			json_t *o = rec("total", &tot[i]);
			if (!tot[i].in_old || !tot[i].in_new) {
				json_object_set_new(o, "old_bytes", tot[i].in_old ? json_integer((json_int_t)tot[i].old_b) : json_null());
				json_object_set_new(o, "new_bytes", tot[i].in_new ? json_integer((json_int_t)tot[i].new_b) : json_null());
				json_object_set_new(o, "delta_bytes", json_null());
				json_object_set_new(o, "delta_bytes_reason", json_string("zip size not computed"));
				json_object_del(o, "status");
			}
			nd_emit(stdout, o);
		}
	}
	static const char *const kinds[] = { "section", "crate", "symbol" };
	for (int k = 0; k < 3; k++) {
		if (k > 0 && (a.symsrc == NULL || b.symsrc == NULL)) {
			const char *why = a.symsrc == NULL ? a.path : b.path;
			if (table)
				printf("\n%s: not compared, symbols unavailable in %s\n", kinds[k], why);
			else
				nd_emit(stdout, json_pack("{s:s, s:s, s:n, s:s}", "type", "size_diff", "kind", kinds[k],
				    "name", "delta_bytes_reason", "symbols unavailable"));
			continue;
		}
		size_t nd;
		struct delta *d = join(&a, &b, kinds[k], &nd);
		size_t lim = limit ? (size_t)limit : table ? 10 : 0, shown = 0;
		if (table)
			printf("\n%12s %8s %12s  %s\n", "DELTA B", "DELTA %", "NEW", k == 0 ? "SECTION" : k == 1 ? "CRATE" : "SYMBOL");
		long long sum = 0;
		for (size_t i = 0; i < nd; i++) {
			sum += dval(&d[i]);
			if (dval(&d[i]) == 0 || (lim && shown >= lim))
				continue;
			shown++;
			if (table)
				print_delta(&d[i], color);
			else
				nd_emit(stdout, rec(kinds[k], &d[i]));
		}
		if (table)
			printf("%+12lld %8s %12s  (all %ss)\n", sum, "", "", kinds[k]);
		free(d);
	}
	sz_free(&a);
	sz_free(&b);
	lp_close_stdout();
	return LP_EXIT_OK;
}
