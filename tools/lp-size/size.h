/* lp-size internals: the size model of one ELF file (model.c), its
 * NDJSON and table output (report.c) and the diff of two (diff.c). */
#ifndef LP_SIZE_H
#define LP_SIZE_H

#include <stddef.h>
#include <stdint.h>

#include "elfx.h"

/* One row of the file-size accounting: a section or a pseudo-section
 * ("[ELF header]", "[program headers]", "[section headers]", "[unmapped]"). */
struct sz_row {
	const char *name;
	const char *kind;         /* "section" or "pseudo" */
	const struct ex_section *sec; /* NULL for pseudo rows */
	uint64_t file_bytes, vm_bytes;
};

struct sz_sym {
	const char *name;         /* raw */
	char *demangled;          /* NULL when not mangled */
	const char *lang;         /* dm_kind_name() or NULL */
	uint64_t addr, size;
	const char *section;
	size_t crate;             /* index into model crates */
	const char *rule;         /* attribution rule, NULL for [unknown] */
	int exec, filebacked, alias;
};

struct sz_crate {
	char *name;
	const char *kind;         /* "crate", "compile-unit", "unknown" */
	uint64_t bytes, text_bytes, file_bytes;
	size_t nsym;
	size_t id;                /* index before sorting (internal) */
};

struct sz_opts {
	const char *debug_file;
	int split_std;
	int want_zip;
};

struct sz_model {
	const char *path;
	unsigned char *buf;
	ex_elf elf;
	/* Where symbols come from: the file itself or a debug file. */
	unsigned char *dbuf;
	ex_elf delf;
	char *debug_path;
	const ex_elf *symsrc;     /* &elf, &delf or NULL */
	const char *symbols_source; /* ".symtab", ".dynsym", "debug-file", NULL */
	const char *symbols_match;  /* debug file: "build-id" or "alloc-sections-identical" */
	char *symbols_reason;     /* why symbols are missing or partial */
	const char *attribution_reason; /* why C code could not go to CUs */
	size_t dwarf_units;

	uint64_t vm_bytes, zip_bytes, deflate_bytes, exec_bytes, uncovered_exec;
	int zip_ok;
	char zip_reason[128];
	uint64_t overlap_bytes;

	struct sz_row *rows;
	size_t nrows;
	struct sz_sym *syms;      /* sorted by size, largest first */
	size_t nsyms;
	struct sz_crate *crates;  /* sorted by bytes, largest first */
	size_t ncrates;
	void *records;            /* diff of saved NDJSON: the json_t array names point into */
};

/* Load and analyse path.  Exits 2 on bad input, 3 on environment errors. */
void sz_load(struct sz_model *m, const char *path, const struct sz_opts *o);
void sz_free(struct sz_model *m);
/* Crate index for "[unknown]" (always present). */
size_t sz_unknown_crate(const struct sz_model *m);

/* Output. limit 0 = no limit (NDJSON symbols), by NULL = everything. */
void sz_emit_ndjson(const struct sz_model *m, size_t limit);
void sz_print_table(const struct sz_model *m, size_t limit, const char *by);
/* Gates: emits gate records (NDJSON) or lines (table).  1 if one failed. */
int sz_gates(const struct sz_model *m, double max_kb, double max_zip_kb, int table);

/* diff.c */
int sz_diff_main(int argc, char **argv);

/* report.c helpers shared with diff.c */
void sz_fmt_bytes(char *buf, size_t n, double bytes);
double sz_pct(uint64_t part, uint64_t whole);
/* json_string, with bytes that are not UTF-8 replaced by U+FFFD. */
#include <jansson.h>
json_t *sz_jstr(const char *s);

#endif
