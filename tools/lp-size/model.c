/* lp-size model: file accounting, symbols, attribution, zip size. */
#include <elf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include <jansson.h>

#include "demangle.h"
#include "lputil.h"
#include "size.h"

/* The size of this file inside the deployment zip lp writes (tools/lib/
 * dzip.c): raw deflate level 9, memLevel 9, one entry "bootstrap", no
 * extra fields: local header 30+9, central header 46+9, end record 22. */
#define SZ_ZIP_OVERHEAD (30 + 9 + 46 + 9 + 22)

struct zip_job {
	const unsigned char *buf;
	size_t len;
	uint64_t out;
	int ok;
	char reason[128];
};

static void *zip_thread(void *arg)
{
	struct zip_job *j = arg;
	z_stream z;
	unsigned char out[65536];
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		snprintf(j->reason, sizeof(j->reason), "zlib deflateInit2 failed");
		return NULL;
	}
	size_t pos = 0;
	int rc;
	do {
		size_t chunk = j->len - pos > (1u << 30) ? (1u << 30) : j->len - pos;
		z.next_in = (unsigned char *)(uintptr_t)(j->buf + pos);
		z.avail_in = (uInt)chunk;
		pos += chunk;
		int flush = pos == j->len ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			rc = deflate(&z, flush);
			if (rc == Z_STREAM_ERROR) {
				snprintf(j->reason, sizeof(j->reason), "zlib deflate failed");
				deflateEnd(&z);
				return NULL;
			}
			j->out += sizeof(out) - z.avail_out;
		} while (z.avail_out == 0);
	} while (rc != Z_STREAM_END);
	deflateEnd(&z);
	j->ok = 1;
	return NULL;
}

static void load_elf(const char *path, unsigned char **buf, ex_elf *e)
{
	char err[512];
	size_t len;
	int rc = ex_read_file(path, buf, &len, err, sizeof(err));
	if (rc == -2)
		lp_errx(LP_EXIT_ENV, "%s", err);
	if (rc < 0)
		lp_errx(LP_EXIT_USAGE, "%s", err);
	if (ex_parse(*buf, len, e, err, sizeof(err)) < 0) {
		ex_free(e);
		free(*buf);
		lp_errx(LP_EXIT_USAGE, "%s: %s", path, err);
	}
}

struct ival {
	uint64_t lo, hi;
};

static int ival_cmp(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static void add_row(struct sz_model *m, const char *name, const char *kind,
    const struct ex_section *s, uint64_t fb, uint64_t vb)
{
	m->rows = lp_xreallocarray(m->rows, m->nrows + 1, sizeof(*m->rows));
	m->rows[m->nrows++] = (struct sz_row){ name, kind, s, fb, vb };
}

/* Sections plus pseudo rows whose file bytes sum to the file size. */
static void account(struct sz_model *m)
{
	const ex_elf *e = &m->elf;
	size_t n = 0, cap = e->nsec + 3;
	struct ival *iv = lp_xreallocarray(NULL, cap, sizeof(*iv));
	uint64_t sum = 0;

	add_row(m, "[ELF header]", "pseudo", NULL, e->ehsize, 0);
	iv[n++] = (struct ival){ 0, e->ehsize };
	if (e->phnum > 0) {
		uint64_t b = e->phnum * sizeof(Elf64_Phdr);
		add_row(m, "[program headers]", "pseudo", NULL, b, 0);
		iv[n++] = (struct ival){ e->phoff, e->phoff + b };
	}
	if (e->shnum > 0) {
		uint64_t b = e->shnum * sizeof(Elf64_Shdr);
		add_row(m, "[section headers]", "pseudo", NULL, b, 0);
		iv[n++] = (struct ival){ e->shoff, e->shoff + b };
	}
	for (size_t i = 1; i < e->nsec; i++) {
		const struct ex_section *s = &e->sec[i];
		add_row(m, s->name[0] ? s->name : "[unnamed section]", "section", s, s->file_size,
		    (s->flags & SHF_ALLOC) ? s->size : 0);
		if (s->file_size > 0)
			iv[n++] = (struct ival){ s->offset, s->offset + s->file_size };
	}
	qsort(iv, n, sizeof(*iv), ival_cmp);
	uint64_t covered = 0, end = 0;
	for (size_t i = 0; i < n; i++) {
		sum += iv[i].hi - iv[i].lo;
		uint64_t lo = iv[i].lo > end ? iv[i].lo : end;
		if (iv[i].hi > lo)
			covered += iv[i].hi - lo;
		if (iv[i].hi > end)
			end = iv[i].hi;
	}
	free(iv);
	m->overlap_bytes = sum - covered;
	/* Padding between sections and anything no header describes. */
	add_row(m, "[unmapped]", "pseudo", NULL, e->len - covered, 0);

	for (size_t i = 0; i < e->nseg; i++)
		if (e->seg[i].type == PT_LOAD)
			m->vm_bytes += e->seg[i].memsz;
	for (size_t i = 1; i < e->nsec; i++)
		if ((e->sec[i].flags & SHF_EXECINSTR) && (e->sec[i].flags & SHF_ALLOC))
			m->exec_bytes += e->sec[i].size;
}

/* Crate name table: open addressing on the name. */
struct ctab {
	size_t *slot;
	size_t cap;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t crate_id(struct sz_model *m, struct ctab *t, const char *name, const char *kind)
{
	if (t->cap == 0 || m->ncrates * 2 >= t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 256;
		size_t *ns = lp_xreallocarray(NULL, ncap, sizeof(*ns));
		for (size_t i = 0; i < ncap; i++)
			ns[i] = SIZE_MAX;
		for (size_t c = 0; c < m->ncrates; c++) {
			size_t h = hash_str(m->crates[c].name) & (ncap - 1);
			while (ns[h] != SIZE_MAX)
				h = (h + 1) & (ncap - 1);
			ns[h] = c;
		}
		free(t->slot);
		t->slot = ns;
		t->cap = ncap;
	}
	size_t h = hash_str(name) & (t->cap - 1);
	while (t->slot[h] != SIZE_MAX) {
		if (strcmp(m->crates[t->slot[h]].name, name) == 0)
			return t->slot[h];
		h = (h + 1) & (t->cap - 1);
	}
	m->crates = lp_xreallocarray(m->crates, m->ncrates + 1, sizeof(*m->crates));
	m->crates[m->ncrates] = (struct sz_crate){ lp_xstrdup(name), kind, 0, 0, 0, 0, 0 };
	t->slot[h] = m->ncrates;
	return m->ncrates++;
}

static int sym_addr_cmp(const void *a, const void *b)
{
	const struct sz_sym *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int sym_size_cmp(const void *a, const void *b)
{
	const struct sz_sym *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int crate_cmp(const void *a, const void *b)
{
	const struct sz_crate *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* 1 when every allocated section of e is in d at the same address with
 * the same size and bytes (the build-id note aside). */
static int same_alloc(const ex_elf *e, const ex_elf *d, char *why, size_t n)
{
	size_t checked = 0;
	for (size_t i = 1; i < e->nsec; i++) {
		const struct ex_section *a = &e->sec[i], *b = NULL;
		if (!(a->flags & SHF_ALLOC))
			continue;
		b = ex_section_named(d, a->name);
		if (b == NULL || !(b->flags & SHF_ALLOC)) {
			snprintf(why, n, "section %s missing", a->name);
			return 0;
		}
		if (a->addr != b->addr || a->size != b->size) {
			snprintf(why, n, "section %s differs in address or size", a->name);
			return 0;
		}
		if (strcmp(a->name, ".note.gnu.build-id") == 0 || a->type == SHT_NOBITS)
			continue;
		if (b->type == SHT_NOBITS) {
			snprintf(why, n, "section %s has no bytes in the debug file to compare", a->name);
			return 0;
		}
		if (b->offset > d->len || a->size > d->len - b->offset ||
		    memcmp(e->buf + a->offset, d->buf + b->offset, a->size) != 0) {
			snprintf(why, n, "section %s has different bytes", a->name);
			return 0;
		}
		checked++;
	}
	if (checked == 0) {
		snprintf(why, n, "no allocated section to compare");
		return 0;
	}
	return 1;
}

/* Find symbols: the file's own .symtab, a debug file, or by build id. */
static void find_symbols(struct sz_model *m, const struct sz_opts *o)
{
	const ex_elf *e = &m->elf;
	char *cand = NULL;

	if (o->debug_file != NULL) {
		cand = lp_xstrdup(o->debug_file);
	} else if (e->symtab != NULL && strcmp(e->symtab, ".symtab") == 0) {
		m->symsrc = e;
		m->symbols_source = ".symtab";
		return;
	} else {
		/* Separate debug file by build id, then FILE.debug beside it. */
		struct stat st;
		if (e->build_id[0] != '\0' && strlen(e->build_id) > 2) {
			char *p = lp_xasprintf("/usr/lib/debug/.build-id/%.2s/%s.debug", e->build_id, e->build_id + 2);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
				cand = p;
			else
				free(p);
		}
		if (cand == NULL) {
			char *p = lp_xasprintf("%s.debug", m->path);
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode))
				cand = p;
			else
				free(p);
		}
	}
	if (cand != NULL) {
		char why[512];
		load_elf(cand, &m->dbuf, &m->delf);
		const ex_elf *d = &m->delf;
		if (d->symtab == NULL || strcmp(d->symtab, ".symtab") != 0)
			lp_errx(LP_EXIT_USAGE, "%s: has no .symtab", cand);
		/* Names from another build would land on the wrong bytes: the
		 * build ids must match, or (an unstripped twin) every allocated
		 * section must be byte-identical. */
		if (e->build_id[0] != '\0' && strcmp(e->build_id, d->build_id) == 0)
			m->symbols_match = "build-id";
		else if (same_alloc(e, d, why, sizeof(why)))
			m->symbols_match = "alloc-sections-identical";
		else
			lp_errx(LP_EXIT_USAGE, "%s: not the same build as %s (build id %s vs %s; %s): refusing its symbols",
			    cand, m->path, d->build_id[0] ? d->build_id : "none", e->build_id[0] ? e->build_id : "none", why);
		m->debug_path = cand;
		m->symsrc = d;
		m->symbols_source = "debug-file";
		return;
	}
	size_t defined = 0;
	for (size_t i = 0; i < e->nsym; i++)
		if (e->sym[i].shndx != SHN_UNDEF && e->sym[i].size > 0 &&
		    e->sym[i].type != STT_SECTION && e->sym[i].type != STT_FILE)
			defined++;
	if (e->symtab != NULL && defined > 0) {
		m->symsrc = e;
		m->symbols_source = ".dynsym";
		m->symbols_reason = lp_xstrdup("stripped: only the dynamic symbol table (.dynsym); pass --debug-file for the rest");
		return;
	}
	m->symbols_reason = lp_xstrdup(e->build_id[0]
	    ? "stripped (.dynsym, if any, defines no sized symbol) and no debug file (--debug-file, /usr/lib/debug/.build-id/, FILE.debug): symbols unavailable"
	    : "stripped, no build id and no --debug-file: symbols unavailable");
}

static const char *section_name(const struct sz_model *m, uint32_t shndx)
{
	if (shndx == SHN_ABS)
		return "[ABS]";
	if (shndx == SHN_COMMON)
		return "[COMMON]";
	const struct ex_section *s = ex_section_at(m->symsrc, shndx);
	return s ? s->name : "[bad section index]";
}

/* "/rustc/<hash>/library/<crate>/..." -> crate (dashes as underscores). */
static int sysroot_cu(const char *cu, char *out, size_t n)
{
	if (strncmp(cu, "/rustc/", 7) != 0)
		return 0;
	const char *l = strstr(cu, "/library/");
	if (l == NULL)
		return 0;
	l += 9;
	size_t k = 0;
	while (l[k] && l[k] != '/' && k + 1 < n) {
		out[k] = l[k] == '-' ? '_' : l[k];
		k++;
	}
	out[k] = '\0';
	return k > 0;
}

static void symbols(struct sz_model *m, const struct sz_opts *o)
{
	const ex_elf *src = m->symsrc;
	struct ctab t = { NULL, 0 };
	size_t unk = crate_id(m, &t, "[unknown]", "unknown");

	if (src == NULL) {
		free(t.slot);
		return;
	}
	ex_cumap *cu = NULL;
	const char *why = NULL;
	cu = ex_cumap_new((ex_elf *)(uintptr_t)src, &why);
	m->attribution_reason = cu ? NULL : why;
	m->dwarf_units = ex_cumap_units(cu);

	m->syms = lp_xreallocarray(NULL, src->nsym ? src->nsym : 1, sizeof(*m->syms));
	for (size_t i = 0; i < src->nsym; i++) {
		const struct ex_symbol *y = &src->sym[i];
		if (y->shndx == SHN_UNDEF || y->size == 0 || y->type == STT_SECTION || y->type == STT_FILE)
			continue;
		struct sz_sym *s = &m->syms[m->nsyms++];
		memset(s, 0, sizeof(*s));
		s->name = y->name;
		s->addr = y->value;
		s->size = y->size;
		s->section = section_name(m, y->shndx);
		/* The section in the analysed file: a debug file has its own
		 * table, where code and data are NOBITS. */
		const struct ex_section *sec = ex_section_at(src, y->shndx);
		if (src != &m->elf && sec != NULL)
			sec = ex_section_named(&m->elf, sec->name);
		s->exec = sec && (sec->flags & SHF_EXECINSTR);
		s->filebacked = sec && sec->type != SHT_NOBITS;
		s->crate = unk;
		enum dm_kind k = DM_NONE;
		if (y->name[0] == '_' && (y->name[1] == 'Z' || y->name[1] == 'R' || y->name[1] == '_'))
			s->demangled = dm_demangle_kind(y->name, &k);
		s->lang = dm_kind_name(k);
		if (k == DM_RUST_LEGACY || k == DM_RUST_V0) {
			const char *rule;
			char *c = dm_rust_crate(s->demangled, &rule);
			if (c != NULL) {
				int sys = dm_is_sysroot_crate(c);
				s->crate = crate_id(m, &t, sys && !o->split_std ? "std" : c, "crate");
				s->rule = sys && !o->split_std ? (strcmp(c, "std") ? "sysroot-fold" : rule) : rule;
				free(c);
				continue;
			}
		}
		const char *cun = ex_cumap_lookup(cu, y->value);
		char lib[64];
		if (cun != NULL && sysroot_cu(cun, lib, sizeof(lib))) {
			/* Unmangled code of the Rust sysroot (rust_eh_personality...). */
			int sys = dm_is_sysroot_crate(lib);
			s->crate = crate_id(m, &t, sys && !o->split_std ? "std" : lib, "crate");
			s->rule = "dwarf-cu-sysroot";
		} else if (cun != NULL) {
			s->crate = crate_id(m, &t, cun, "compile-unit");
			s->rule = "dwarf-cu";
		}
	}
	ex_cumap_free(cu);
	free(t.slot);

	/* Aliases (same address and size) count once in the totals; code not
	 * covered by any symbol goes to [unknown]. */
	qsort(m->syms, m->nsyms, sizeof(*m->syms), sym_addr_cmp);
	uint64_t covered_end = 0, covered = 0;
	for (size_t i = 0; i < m->nsyms; i++) {
		struct sz_sym *s = &m->syms[i];
		if (i > 0 && s->addr == m->syms[i - 1].addr && s->size == m->syms[i - 1].size &&
		    strcmp(s->section, m->syms[i - 1].section) == 0) {
			s->alias = 1;
			continue;
		}
		struct sz_crate *c = &m->crates[s->crate];
		c->bytes += s->size;
		c->nsym++;
		if (s->filebacked)
			c->file_bytes += s->size;
		if (s->exec) {
			c->text_bytes += s->size;
			uint64_t lo = s->addr > covered_end ? s->addr : covered_end, hi = s->addr + s->size;
			if (hi > lo)
				covered += hi - lo;
			if (hi > covered_end)
				covered_end = hi;
		}
	}
	m->uncovered_exec = m->exec_bytes > covered ? m->exec_bytes - covered : 0;
	struct sz_crate *u = &m->crates[unk];
	u->bytes += m->uncovered_exec;
	u->text_bytes += m->uncovered_exec;
	u->file_bytes += m->uncovered_exec; /* code sections are file-backed */
	qsort(m->syms, m->nsyms, sizeof(*m->syms), sym_size_cmp);
}

void sz_load(struct sz_model *m, const char *path, const struct sz_opts *o)
{
	memset(m, 0, sizeof(*m));
	m->path = path;
	load_elf(path, &m->buf, &m->elf);

	struct zip_job zj = { m->buf, m->elf.len, 0, 0, "" };
	pthread_t th;
	int threaded = 0;
	if (o->want_zip) {
		threaded = pthread_create(&th, NULL, zip_thread, &zj) == 0;
		if (!threaded)
			zip_thread(&zj);
	}
	account(m);
	find_symbols(m, o);
	symbols(m, o);
	if (threaded)
		pthread_join(th, NULL);
	if (o->want_zip && zj.ok) {
		m->zip_ok = 1;
		m->deflate_bytes = zj.out;
		m->zip_bytes = zj.out + SZ_ZIP_OVERHEAD;
	} else {
		snprintf(m->zip_reason, sizeof(m->zip_reason), "%s", o->want_zip ? zj.reason : "not computed (--no-zip)");
	}
	for (size_t i = 0; i < m->ncrates; i++)
		m->crates[i].id = i;
	qsort(m->crates, m->ncrates, sizeof(*m->crates), crate_cmp);
	/* crate indexes in syms are stale after the sort: remap. */
	size_t *map = lp_xreallocarray(NULL, m->ncrates ? m->ncrates : 1, sizeof(*map));
	for (size_t i = 0; i < m->ncrates; i++)
		map[m->crates[i].id] = i;
	for (size_t i = 0; i < m->nsyms; i++)
		m->syms[i].crate = map[m->syms[i].crate];
	free(map);
}

size_t sz_unknown_crate(const struct sz_model *m)
{
	for (size_t i = 0; i < m->ncrates; i++)
		if (strcmp(m->crates[i].name, "[unknown]") == 0)
			return i;
	return 0;
}

void sz_free(struct sz_model *m)
{
	for (size_t i = 0; i < m->nsyms; i++)
		free(m->syms[i].demangled);
	for (size_t i = 0; i < m->ncrates; i++)
		free(m->crates[i].name);
	free(m->syms);
	free(m->crates);
	free(m->rows);
	free(m->symbols_reason);
	free(m->debug_path);
	ex_free(&m->elf);
	free(m->buf);
	ex_free(&m->delf);
	free(m->dbuf);
	json_decref(m->records);
}
