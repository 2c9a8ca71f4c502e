/* lp-size output: NDJSON records, human tables, gates. */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "lputil.h"
#include "ndjson.h"
#include "size.h"

/* The seed's targets for a bootstrap (docs/lp-size.1). */
#define SZ_TARGET_KB 100.0
#define SZ_STRETCH_KB 50.0

/* Length of the valid UTF-8 sequence at s (1-4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* A growing line buffer for the hot path (one symbol record per line). */
struct lbuf {
	char *p;
	size_t n, cap;
};

static void lb_put(struct lbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = lp_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void lb_puts(struct lbuf *b, const char *s) { lb_put(b, s, strlen(s)); }

/* A JSON string; bytes that are not UTF-8 (a crafted file) become U+FFFD. */
static void lb_str(struct lbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	lb_put(b, "\"", 1);
	while (*s) {
		const unsigned char *run = s;
		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		lb_put(b, (const char *)run, (size_t)(s - run));
		if (*s == '\0')
			break;
		if (*s == '"' || *s == '\\') {
			char e[2] = { '\\', (char)*s };
			lb_put(b, e, 2);
			s++;
		} else if (*s < 0x20) {
			char e[8];
			snprintf(e, sizeof(e), "\\u%04x", *s);
			lb_put(b, e, 6);
			s++;
		} else {
			size_t k = utf8_len(s);
			if (k == 0) {
				lb_puts(b, "\\ufffd");
				s++;
			} else {
				lb_put(b, (const char *)s, k);
				s += k;
			}
		}
	}
	lb_put(b, "\"", 1);
}

static void lb_strn(struct lbuf *b, const char *s)
{
	if (s == NULL)
		lb_puts(b, "null");
	else
		lb_str(b, s);
}

static void lb_u64(struct lbuf *b, uint64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
	lb_put(b, t, (size_t)n);
}

/* json_string that survives names which are not UTF-8. */
json_t *sz_jstr(const char *s)
{
	json_t *j = json_string(s);
	if (j != NULL)
		return j;
	struct lbuf b = { NULL, 0, 0 };
	lb_str(&b, s);
	b.p[b.n] = '\0';
	json_error_t je;
	j = json_loads(b.p, JSON_DECODE_ANY, &je);
	free(b.p);
	return j ? j : json_string("[unprintable]");
}

double sz_pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static json_t *pct_or_null(uint64_t part, uint64_t whole)
{
	return whole ? nd_real(sz_pct(part, whole)) : json_null();
}

void sz_fmt_bytes(char *buf, size_t n, double bytes)
{
	double a = bytes < 0 ? -bytes : bytes;
	if (a >= 1024.0 * 1024.0)
		snprintf(buf, n, "%.2f MiB", bytes / (1024.0 * 1024.0));
	else if (a >= 1024.0)
		snprintf(buf, n, "%.1f KiB", bytes / 1024.0);
	else
		snprintf(buf, n, "%.0f B", bytes);
}

static const char *sh_type_name(uint32_t t)
{
	switch (t) {
	case SHT_NULL: return "NULL";
	case SHT_PROGBITS: return "PROGBITS";
	case SHT_SYMTAB: return "SYMTAB";
	case SHT_STRTAB: return "STRTAB";
	case SHT_RELA: return "RELA";
	case SHT_HASH: return "HASH";
	case SHT_DYNAMIC: return "DYNAMIC";
	case SHT_NOTE: return "NOTE";
	case SHT_NOBITS: return "NOBITS";
	case SHT_REL: return "REL";
	case SHT_DYNSYM: return "DYNSYM";
	case SHT_INIT_ARRAY: return "INIT_ARRAY";
	case SHT_FINI_ARRAY: return "FINI_ARRAY";
	case SHT_PREINIT_ARRAY: return "PREINIT_ARRAY";
	case SHT_GROUP: return "GROUP";
	case SHT_SYMTAB_SHNDX: return "SYMTAB_SHNDX";
	case SHT_GNU_HASH: return "GNU_HASH";
	case SHT_GNU_verdef: return "VERDEF";
	case SHT_GNU_verneed: return "VERNEED";
	case SHT_GNU_versym: return "VERSYM";
	default: return "OTHER";
	}
}

static const char *p_type_name(uint32_t t)
{
	switch (t) {
	case PT_NULL: return "NULL";
	case PT_LOAD: return "LOAD";
	case PT_DYNAMIC: return "DYNAMIC";
	case PT_INTERP: return "INTERP";
	case PT_NOTE: return "NOTE";
	case PT_PHDR: return "PHDR";
	case PT_TLS: return "TLS";
	case PT_GNU_EH_FRAME: return "GNU_EH_FRAME";
	case PT_GNU_STACK: return "GNU_STACK";
	case PT_GNU_RELRO: return "GNU_RELRO";
	case PT_GNU_PROPERTY: return "GNU_PROPERTY";
	default: return "OTHER";
	}
}

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case EM_X86_64: return "x86_64";
	case EM_AARCH64: return "arm64";
	case EM_RISCV: return "riscv64";
	case EM_PPC64: return "ppc64le";
	case EM_S390: return "s390x";
	default: return NULL;
	}
}

static void sec_flags(uint64_t f, char *b)
{
	char *p = b;
	if (f & SHF_WRITE) *p++ = 'W';
	if (f & SHF_ALLOC) *p++ = 'A';
	if (f & SHF_EXECINSTR) *p++ = 'X';
	if (f & SHF_MERGE) *p++ = 'M';
	if (f & SHF_STRINGS) *p++ = 'S';
	if (f & SHF_TLS) *p++ = 'T';
	*p = '\0';
}

static json_t *binary_record(const struct sz_model *m)
{
	const ex_elf *e = &m->elf;
	json_t *o = json_object();
	json_t *needed = json_array();
	for (size_t i = 0; i < e->nneeded; i++)
		json_array_append_new(needed, sz_jstr(e->needed[i]));
	const char *mach = machine_name(e->machine);
	int stripped = e->symtab == NULL || strcmp(e->symtab, ".symtab") != 0;

	json_object_set_new(o, "type", json_string("binary"));
	json_object_set_new(o, "path", sz_jstr(m->path));
	json_object_set_new(o, "file_bytes", json_integer((json_int_t)e->len));
	json_object_set_new(o, "file_kb", nd_real((double)e->len / 1024.0));
	json_object_set_new(o, "vm_bytes", json_integer((json_int_t)m->vm_bytes));
	if (m->zip_ok) {
		json_object_set_new(o, "zip_bytes", json_integer((json_int_t)m->zip_bytes));
		json_object_set_new(o, "zip_kb", nd_real((double)m->zip_bytes / 1024.0));
		json_object_set_new(o, "deflate_bytes", json_integer((json_int_t)m->deflate_bytes));
	} else {
		json_object_set_new(o, "zip_bytes", json_null());
		json_object_set_new(o, "zip_bytes_reason", json_string(m->zip_reason));
		json_object_set_new(o, "zip_kb", json_null());
		json_object_set_new(o, "deflate_bytes", json_null());
	}
	json_object_set_new(o, "arch", mach ? json_string(mach) : json_null());
	if (!mach)
		json_object_set_new(o, "arch_reason", json_string("e_machine not in lp's table"));
	json_object_set_new(o, "elf_type", json_string(e->etype == ET_EXEC ? "EXEC" : e->etype == ET_DYN ? "DYN" : e->etype == ET_REL ? "REL" : e->etype == ET_CORE ? "CORE" : "OTHER"));
	json_object_set_new(o, "stripped", json_boolean(stripped));
	json_object_set_new(o, "static", json_boolean(e->interp == NULL));
	json_object_set_new(o, "interpreter", e->interp ? sz_jstr(e->interp) : json_null());
	json_object_set_new(o, "needed", needed);
	if (e->build_id[0]) {
		json_object_set_new(o, "build_id", json_string(e->build_id));
	} else {
		json_object_set_new(o, "build_id", json_null());
		json_object_set_new(o, "build_id_reason", json_string("no NT_GNU_BUILD_ID note"));
	}
	json_object_set_new(o, "sections", json_integer((json_int_t)(e->nsec ? e->nsec - 1 : 0)));
	json_object_set_new(o, "exec_bytes", json_integer((json_int_t)m->exec_bytes));
	json_object_set_new(o, "section_overlap_bytes", json_integer((json_int_t)m->overlap_bytes));
	if (m->symsrc != NULL) {
		json_object_set_new(o, "symbols", json_integer((json_int_t)m->nsyms));
		json_object_set_new(o, "symbols_source", json_string(m->symbols_source));
		json_object_set_new(o, "uncovered_exec_bytes", json_integer((json_int_t)m->uncovered_exec));
	} else {
		json_object_set_new(o, "symbols", json_null());
		json_object_set_new(o, "symbols_source", json_null());
		json_object_set_new(o, "uncovered_exec_bytes", json_null());
		json_object_set_new(o, "uncovered_exec_bytes_reason", json_string("symbols unavailable"));
	}
	if (m->symbols_reason)
		json_object_set_new(o, "symbols_reason", json_string(m->symbols_reason));
	json_object_set_new(o, "debug_file", m->debug_path ? sz_jstr(m->debug_path) : json_null());
	if (m->debug_path)
		json_object_set_new(o, "debug_file_match", json_string(m->symbols_match));
	json_object_set_new(o, "dwarf_units", json_integer((json_int_t)m->dwarf_units));
	if (m->attribution_reason)
		json_object_set_new(o, "dwarf_reason", json_string(m->attribution_reason));
	return o;
}

static json_t *crate_record(const struct sz_model *m, const struct sz_crate *c)
{
	json_t *o = json_pack("{s:s, s:o, s:s, s:I, s:I, s:o, s:I, s:o, s:I}",
	    "type", "crate", "name", sz_jstr(c->name), "kind", c->kind,
	    "bytes", (json_int_t)c->bytes, "text_bytes", (json_int_t)c->text_bytes,
	    "text_pct", pct_or_null(c->text_bytes, m->exec_bytes),
	    "file_bytes", (json_int_t)c->file_bytes,
	    "file_pct", pct_or_null(c->file_bytes, m->elf.len),
	    "symbols", (json_int_t)c->nsym);
	if (strcmp(c->kind, "crate") == 0)
		json_object_set_new(o, "std_dep_name", json_boolean(dm_is_std_dep_crate(c->name)));
	if (strcmp(c->name, "[unknown]") == 0) {
		json_object_set_new(o, "uncovered_exec_bytes", json_integer((json_int_t)m->uncovered_exec));
		json_object_set_new(o, "reason", json_string(
		    m->attribution_reason
		    ? "code covered by no symbol, and symbols that are neither Rust-mangled nor inside a DWARF compile unit"
		    : "code covered by no symbol, and symbols outside every DWARF compile unit's ranges"));
	}
	return o;
}

void sz_emit_ndjson(const struct sz_model *m, size_t limit)
{
	char fl[8];
	nd_emit(stdout, binary_record(m));
	for (size_t i = 0; i < m->nrows; i++) {
		const struct sz_row *r = &m->rows[i];
		json_t *o = json_pack("{s:s, s:o, s:s, s:I, s:I}", "type", "section", "name", sz_jstr(r->name),
		    "kind", r->kind, "file_bytes", (json_int_t)r->file_bytes, "vm_bytes", (json_int_t)r->vm_bytes);
		if (r->sec) {
			sec_flags(r->sec->flags, fl);
			json_object_set_new(o, "sh_type", json_string(sh_type_name(r->sec->type)));
			json_object_set_new(o, "flags", json_string(fl));
			json_object_set_new(o, "offset", json_integer((json_int_t)r->sec->offset));
			json_object_set_new(o, "addr", json_integer((json_int_t)r->sec->addr));
			json_object_set_new(o, "size", json_integer((json_int_t)r->sec->size));
		}
		nd_emit(stdout, o);
	}
	for (size_t i = 0; i < m->elf.nseg; i++) {
		const struct ex_segment *s = &m->elf.seg[i];
		char f[4] = { s->flags & PF_R ? 'R' : '-', s->flags & PF_W ? 'W' : '-', s->flags & PF_X ? 'X' : '-', 0 };
		nd_emit(stdout, json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I}", "type", "segment",
		    "index", (json_int_t)i, "p_type", p_type_name(s->type), "flags", f,
		    "offset", (json_int_t)s->offset, "vaddr", (json_int_t)s->vaddr,
		    "file_bytes", (json_int_t)s->filesz, "vm_bytes", (json_int_t)s->memsz));
	}
	if (m->symsrc == NULL)
		return; /* binary.symbols is null with its reason */
	for (size_t i = 0; i < m->ncrates; i++)
		if (m->crates[i].bytes > 0 || strcmp(m->crates[i].name, "[unknown]") == 0)
			nd_emit(stdout, crate_record(m, &m->crates[i]));
	/* Hand-formatted: jansson's object building costs more than the whole
	 * analysis on 100k symbols.  Still one complete line per flush. */
	struct lbuf b = { NULL, 0, 0 };
	for (size_t i = 0; i < m->nsyms && (limit == 0 || i < limit); i++) {
		const struct sz_sym *s = &m->syms[i];
		b.n = 0;
		lb_puts(&b, "{\"type\":\"symbol\",\"name\":");
		lb_str(&b, s->name);
		lb_puts(&b, ",\"demangled\":");
		lb_strn(&b, s->demangled);
		lb_puts(&b, ",\"lang\":");
		lb_strn(&b, s->lang);
		lb_puts(&b, ",\"size\":");
		lb_u64(&b, s->size);
		lb_puts(&b, ",\"addr\":");
		lb_u64(&b, s->addr);
		lb_puts(&b, ",\"section\":");
		lb_str(&b, s->section);
		lb_puts(&b, ",\"crate\":");
		lb_str(&b, m->crates[s->crate].name);
		lb_puts(&b, ",\"crate_rule\":");
		lb_strn(&b, s->rule);
		lb_puts(&b, s->alias ? ",\"alias\":true}\n" : ",\"alias\":false}\n");
		if (fwrite(b.p, 1, b.n, stdout) != b.n || fflush(stdout) != 0)
			lp_err(LP_EXIT_ENV, "writing record");
	}
	free(b.p);
}

/* Thousands separators, for tables. */
static void commas(char *b, size_t n, long long v)
{
	char t[32];
	int neg = v < 0;
	snprintf(t, sizeof(t), "%lld", neg ? -v : v);
	size_t l = strlen(t), o = 0;
	if (neg && o + 1 < n)
		b[o++] = '-';
	for (size_t i = 0; i < l && o + 2 < n; i++) {
		b[o++] = t[i];
		if ((l - i - 1) % 3 == 0 && i + 1 < l)
			b[o++] = ',';
	}
	b[o] = '\0';
}

static void target_line(const char *what, uint64_t bytes, int color)
{
	char c[32];
	double kb = (double)bytes / 1024.0;
	commas(c, sizeof(c), (long long)bytes);
	const char *g = color ? "\033[32m" : "", *r = color ? "\033[31m" : "", *z = color ? "\033[0m" : "";
	printf("%-6s %12s B %9.1f KiB   target %3.0f KiB: %s%-4s%s   stretch %2.0f KiB: %s%s%s\n", what, c, kb,
	    SZ_TARGET_KB, kb <= SZ_TARGET_KB ? g : r, kb <= SZ_TARGET_KB ? "ok" : "over", z,
	    SZ_STRETCH_KB, kb <= SZ_STRETCH_KB ? g : r, kb <= SZ_STRETCH_KB ? "ok" : "over", z);
}

static size_t namew(const char *s, size_t max)
{
	size_t l = strlen(s);
	return l > max ? max : l;
}

static void print_name(const char *s, size_t w)
{
	size_t l = strlen(s);
	if (l <= w)
		printf("%-*s", (int)w, s);
	else
		printf("%.*s...", (int)(w - 3), s);
}

/* Paths keep their end: "...ime/c/lprt.c". */
static void print_name_left(const char *s, size_t w)
{
	size_t l = strlen(s);
	if (l <= w)
		printf("%-*s", (int)w, s);
	else
		printf("...%s", s + l - (w - 3));
}

void sz_print_table(const struct sz_model *m, size_t limit, const char *by)
{
	const ex_elf *e = &m->elf;
	int color = lp_color_enabled(stdout);
	const char *bo = color ? "\033[1m" : "", *z = color ? "\033[0m" : "";
	char a[32], b[32];

	printf("%s%s%s  %s, %s%s%s\n", bo, m->path, z,
	    e->interp ? "dynamic" : "static",
	    (e->symtab && strcmp(e->symtab, ".symtab") == 0) ? "not stripped" : "stripped",
	    e->build_id[0] ? ", build id " : "", e->build_id);
	target_line("file", e->len, color);
	if (m->zip_ok)
		target_line("zip", m->zip_bytes, color);
	else
		printf("%-6s unknown (%s)\n", "zip", m->zip_reason);
	if (e->interp)
		printf("interp %s\n", e->interp);
	if (e->nneeded) {
		printf("needs ");
		for (size_t i = 0; i < e->nneeded; i++)
			printf("%s%s", i ? ", " : "", e->needed[i]);
		putchar('\n');
	}
	if (m->symsrc)
		printf("symbols %zu from %s%s%s\n", m->nsyms, m->debug_path ? m->debug_path : m->symbols_source,
		    m->symbols_reason ? "; " : "", m->symbols_reason ? m->symbols_reason : "");
	else
		printf("symbols unavailable: %s\n", m->symbols_reason);

	size_t lim = limit ? limit : 10;
	if (by == NULL || strcmp(by, "section") == 0) {
		/* Largest sections first; the rows still sum to the file. */
		size_t n = m->nrows, w = 7;
		size_t *idx = lp_xreallocarray(NULL, n ? n : 1, sizeof(*idx));
		for (size_t i = 0; i < n; i++)
			idx[i] = i;
		for (size_t i = 1; i < n; i++) /* insertion sort: a few dozen rows */
			for (size_t j = i; j > 0 && m->rows[idx[j]].file_bytes > m->rows[idx[j - 1]].file_bytes; j--) {
				size_t t = idx[j]; idx[j] = idx[j - 1]; idx[j - 1] = t;
			}
		for (size_t i = 0; i < n && i < lim; i++)
			if (namew(m->rows[idx[i]].name, 28) > w)
				w = namew(m->rows[idx[i]].name, 28);
		printf("\n%s%-*s %12s %7s %12s%s\n", bo, (int)w, "SECTION", "FILE B", "FILE %", "VM B", z);
		uint64_t rest = 0, restvm = 0;
		for (size_t i = 0; i < n; i++) {
			const struct sz_row *r = &m->rows[idx[i]];
			if (i >= lim) {
				rest += r->file_bytes;
				restvm += r->vm_bytes;
				continue;
			}
			commas(a, sizeof(a), (long long)r->file_bytes);
			commas(b, sizeof(b), (long long)r->vm_bytes);
			print_name(r->name, w);
			printf(" %12s %6.1f%% %12s\n", a, sz_pct(r->file_bytes, e->len), b);
		}
		if (n > lim) {
			commas(a, sizeof(a), (long long)rest);
			commas(b, sizeof(b), (long long)restvm);
			char lbl[32];
			snprintf(lbl, sizeof(lbl), "[%zu others]", n - lim);
			print_name(lbl, w);
			printf(" %12s %6.1f%% %12s\n", a, sz_pct(rest, e->len), b);
		}
		commas(a, sizeof(a), (long long)e->len);
		commas(b, sizeof(b), (long long)m->vm_bytes);
		print_name("TOTAL", w);
		printf(" %12s %6.1f%% %12s\n", a, 100.0, b);
		free(idx);
	}
	if (m->symsrc == NULL)
		return;
	if (by == NULL || strcmp(by, "crate") == 0) {
		size_t w = 5;
		for (size_t i = 0; i < m->ncrates && i < lim; i++)
			if (namew(m->crates[i].name, 40) > w)
				w = namew(m->crates[i].name, 40);
		printf("\n%s%-*s %12s %7s %7s %8s%s\n", bo, (int)w, "CRATE", "BYTES", "TEXT %", "FILE %", "SYMBOLS", z);
		size_t shown = 0, starred = 0;
		for (size_t i = 0; i < m->ncrates && shown < lim; i++) {
			const struct sz_crate *c = &m->crates[i];
			if (c->bytes == 0)
				continue;
			shown++;
			int star = strcmp(c->kind, "crate") == 0 && dm_is_std_dep_crate(c->name);
			starred += star;
			commas(a, sizeof(a), (long long)c->bytes);
			print_name_left(c->name, w);
			printf(" %12s %6.1f%% %6.1f%% %8zu%s\n", a, sz_pct(c->text_bytes, m->exec_bytes),
			    sz_pct(c->file_bytes, e->len), c->nsym, star ? " *" : "");
		}
		size_t nonzero = 0;
		for (size_t i = 0; i < m->ncrates; i++)
			nonzero += m->crates[i].bytes > 0;
		if (nonzero > shown)
			printf("(%zu more crates or units in the NDJSON output)\n", nonzero - shown);
		if (starred)
			printf("* a crate std itself depends on: its code may come from std (e.g. the backtrace symbolizer), not from Cargo.toml\n");
	}
	if (by == NULL || strcmp(by, "symbol") == 0) {
		printf("\n%s%10s  %-16s %-16s %s%s\n", bo, "SIZE", "SECTION", "CRATE", "SYMBOL", z);
		for (size_t i = 0, shown = 0; i < m->nsyms && shown < lim; i++) {
			const struct sz_sym *s = &m->syms[i];
			if (s->alias)
				continue; /* same bytes as a row already shown */
			shown++;
			commas(a, sizeof(a), (long long)s->size);
			printf("%10s  ", a);
			print_name(s->section, 16);
			putchar(' ');
			print_name_left(m->crates[s->crate].name, 16);
			printf(" %s\n", s->demangled ? s->demangled : s->name);
		}
	}
}

static int gate(const char *path, const char *metric, double value, double thr, int table, int known, const char *reason)
{
	int pass = known && value <= thr;
	char expr[64];
	snprintf(expr, sizeof(expr), "%s <= %g", metric, thr);
	if (table) {
		printf("gate %-24s %s", expr, !known ? "UNKNOWN" : pass ? "pass" : "FAIL");
		if (known)
			printf(" (%.1f)", value);
		else
			printf(" (%s)", reason);
		putchar('\n');
	} else {
		/* The shape of lp-stats' gate record: metric is the statistic
		 * ("value": one measured number here), field what it is about. */
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:s, s:o, s:b}", "type", "gate",
		    "expr", expr, "metric", "value", "field", metric, "op", "<=", "threshold", thr,
		    "unit", "KiB", "value", known ? nd_real(value) : json_null(), "pass", pass);
		json_object_set_new(o, "n", json_integer(known ? 1 : 0));
		json_object_set_new(o, "group", json_pack("{s:o}", "path", sz_jstr(path)));
		json_object_set_new(o, "reason", known ? json_null() : json_string(reason));
		if (!known)
			json_object_set_new(o, "value_reason", json_string(reason));
		nd_emit(stdout, o);
	}
	return !pass;
}

int sz_gates(const struct sz_model *m, double max_kb, double max_zip_kb, int table)
{
	int failed = 0;
	if (table && (max_kb >= 0 || max_zip_kb >= 0))
		putchar('\n');
	if (max_kb >= 0)
		failed |= gate(m->path, "file_kb", (double)m->elf.len / 1024.0, max_kb, table, 1, NULL);
	if (max_zip_kb >= 0)
		failed |= gate(m->path, "zip_kb", (double)m->zip_bytes / 1024.0, max_zip_kb, table, m->zip_ok, m->zip_reason);
	return failed;
}
