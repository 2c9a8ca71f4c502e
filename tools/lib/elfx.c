/* elfx — see elfx.h.
 *
 * Headers, sections, segments, symbols and notes are read with memcpy from
 * offsets checked against the buffer (a crafted file may put a header at
 * an unaligned offset, so no pointer casts into the buffer).  libelf and
 * libdw are used for DWARF, on the same buffer. */
#include "elfx.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <libelf.h>

#include "lputil.h"

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err != NULL && n > 0)
		vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

int ex_read_file(const char *path, unsigned char **bufp, size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	*bufp = NULL;
	*lenp = 0;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? -1 : -2;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: fstat: %s", path, strerror(errno));
		close(fd);
		return -2;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: is a directory, not an ELF file", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "%s: empty file, not an ELF file", path);
		close(fd);
		return -1;
	}
	size_t len = (size_t)st.st_size, got = 0;
	unsigned char *buf = lp_xmalloc(len);
	while (got < len) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: read: %s", path, r < 0 ? strerror(errno) : "file shrank while reading");
			free(buf);
			close(fd);
			return -2;
		}
		got += (size_t)r;
	}
	close(fd);
	*bufp = buf;
	*lenp = len;
	return 0;
}

/* off + n <= len, without overflow. */
static int in_file(const ex_elf *e, uint64_t off, uint64_t n)
{
	return off <= e->len && n <= e->len - off;
}

/* A NUL-terminated string at strtab[idx] inside the section, or NULL. */
static const char *str_at(const ex_elf *e, const struct ex_section *st, uint64_t idx)
{
	if (st == NULL || st->type == SHT_NOBITS || idx >= st->size || !in_file(e, st->offset, st->size))
		return NULL;
	const char *s = (const char *)e->buf + st->offset + idx;
	if (memchr(s, '\0', st->size - idx) == NULL)
		return NULL;
	return s;
}

const struct ex_section *ex_section_at(const ex_elf *e, size_t idx)
{
	return idx < e->nsec ? &e->sec[idx] : NULL;
}

const struct ex_section *ex_section_named(const ex_elf *e, const char *name)
{
	for (size_t i = 1; i < e->nsec; i++)
		if (strcmp(e->sec[i].name, name) == 0)
			return &e->sec[i];
	return NULL;
}

static int parse_symtab(ex_elf *e, size_t si, char *err, size_t errlen)
{
	const struct ex_section *s = &e->sec[si];
	if (s->entsize != sizeof(Elf64_Sym))
		return fail(err, errlen, "section %zu (%s): symbol entry size %llu, expected %zu",
		    si, s->name, (unsigned long long)s->entsize, sizeof(Elf64_Sym));
	if (s->size % sizeof(Elf64_Sym) != 0)
		return fail(err, errlen, "section %zu (%s): size %llu is not a multiple of the entry size",
		    si, s->name, (unsigned long long)s->size);
	if (s->link >= e->nsec || e->sec[s->link].type != SHT_STRTAB)
		return fail(err, errlen, "section %zu (%s): string table link %u is not a string table",
		    si, s->name, s->link);
	const struct ex_section *str = &e->sec[s->link];
	/* The extended section index table, if any, for SHN_XINDEX. */
	const struct ex_section *xs = NULL;
	for (size_t i = 0; i < e->nsec; i++)
		if (e->sec[i].type == SHT_SYMTAB_SHNDX && e->sec[i].link == si)
			xs = &e->sec[i];
	size_t n = s->size / sizeof(Elf64_Sym);
	e->sym = lp_xreallocarray(NULL, n ? n : 1, sizeof(*e->sym));
	e->nsym = 0;
	for (size_t i = 1; i < n; i++) {
		Elf64_Sym y;
		memcpy(&y, e->buf + s->offset + i * sizeof(y), sizeof(y));
		const char *name = str_at(e, str, y.st_name);
		if (name == NULL)
			return fail(err, errlen, "section %zu (%s): symbol %zu has a name offset %u outside its string table",
			    si, s->name, i, y.st_name);
		struct ex_symbol *o = &e->sym[e->nsym++];
		o->name = name;
		o->value = y.st_value;
		o->size = y.st_size;
		o->shndx = y.st_shndx;
		o->type = ELF64_ST_TYPE(y.st_info);
		o->bind = ELF64_ST_BIND(y.st_info);
		if (y.st_shndx == SHN_XINDEX) {
			uint32_t x;
			if (xs == NULL || xs->type == SHT_NOBITS || (uint64_t)i * 4 + 4 > xs->size)
				return fail(err, errlen, "section %zu (%s): symbol %zu uses SHN_XINDEX without an index table",
				    si, s->name, i);
			memcpy(&x, e->buf + xs->offset + i * 4, 4);
			o->shndx = x;
		}
	}
	e->symtab = s->type == SHT_SYMTAB ? ".symtab" : ".dynsym";
	return 0;
}

static void parse_notes(ex_elf *e, uint64_t off, uint64_t size)
{
	uint64_t p = off, end = off + size;
	while (p + 12 <= end) {
		uint32_t nh[3];
		memcpy(nh, e->buf + p, 12);
		uint64_t namesz = nh[0], descsz = nh[1], name_al = (namesz + 3) & ~3ULL, desc_al = (descsz + 3) & ~3ULL;
		if (name_al > end - p - 12 || desc_al > end - p - 12 - name_al)
			return; /* a bad note: no build id from it, the rest stands */
		const unsigned char *name = e->buf + p + 12, *desc = name + name_al;
		if (nh[2] == NT_GNU_BUILD_ID && namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
		    descsz > 0 && descsz <= 64 && e->build_id[0] == '\0') {
			for (uint64_t i = 0; i < descsz; i++)
				snprintf(e->build_id + 2 * i, 3, "%02x", desc[i]);
		}
		p += 12 + name_al + desc_al;
	}
}

/* File offset of vaddr through the PT_LOAD segment holding it, or -1. */
static int64_t vaddr_to_off(const ex_elf *e, uint64_t a)
{
	for (size_t i = 0; i < e->nseg; i++) {
		const struct ex_segment *s = &e->seg[i];
		if (s->type == PT_LOAD && a >= s->vaddr && a - s->vaddr < s->filesz)
			return (int64_t)(a - s->vaddr + s->offset);
	}
	return -1;
}

/* Without section headers (sstrip): DT_NEEDED through PT_DYNAMIC and the
 * DT_STRTAB it points at.  Anything out of bounds is skipped, not guessed. */
static void needed_from_segments(ex_elf *e)
{
	for (size_t i = 0; i < e->nseg; i++) {
		const struct ex_segment *d = &e->seg[i];
		if (d->type != PT_DYNAMIC)
			continue;
		size_t n = d->filesz / sizeof(Elf64_Dyn);
		uint64_t strtab = 0, strsz = 0;
		for (size_t k = 0; k < n; k++) {
			Elf64_Dyn dy;
			memcpy(&dy, e->buf + d->offset + k * sizeof(dy), sizeof(dy));
			if (dy.d_tag == DT_NULL)
				break;
			if (dy.d_tag == DT_STRTAB)
				strtab = dy.d_un.d_ptr;
			if (dy.d_tag == DT_STRSZ)
				strsz = dy.d_un.d_val;
		}
		int64_t off = vaddr_to_off(e, strtab);
		if (strtab == 0 || off < 0 || !in_file(e, (uint64_t)off, strsz))
			return;
		for (size_t k = 0; k < n; k++) {
			Elf64_Dyn dy;
			memcpy(&dy, e->buf + d->offset + k * sizeof(dy), sizeof(dy));
			if (dy.d_tag == DT_NULL)
				break;
			if (dy.d_tag != DT_NEEDED || dy.d_un.d_val >= strsz)
				continue;
			const char *nm = (const char *)e->buf + off + dy.d_un.d_val;
			if (memchr(nm, '\0', strsz - dy.d_un.d_val) == NULL)
				continue;
			e->needed = lp_xreallocarray(e->needed, e->nneeded + 1, sizeof(*e->needed));
			e->needed[e->nneeded++] = (char *)nm;
		}
		return;
	}
}

int ex_parse(const unsigned char *buf, size_t len, ex_elf *e, char *err, size_t errlen)
{
	Elf64_Ehdr h;

	memset(e, 0, sizeof(*e));
	e->buf = buf;
	e->len = len;
	if (len < SELFMAG || memcmp(buf, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, "not an ELF file (no \\177ELF magic)");
	if (len < EI_NIDENT)
		return fail(err, errlen, "truncated ELF identification (%zu bytes)", len);
	if (buf[EI_CLASS] == ELFCLASS32)
		return fail(err, errlen, "32-bit ELF (ELFCLASS32) is not supported: only 64-bit little-endian");
	if (buf[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "bad ELF class %u", buf[EI_CLASS]);
	if (buf[EI_DATA] == ELFDATA2MSB)
		return fail(err, errlen, "big-endian ELF (ELFDATA2MSB) is not supported: only 64-bit little-endian");
	if (buf[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "bad ELF data encoding %u", buf[EI_DATA]);
	if (len < sizeof(h))
		return fail(err, errlen, "truncated ELF header: %zu bytes, need %zu", len, sizeof(h));
	memcpy(&h, buf, sizeof(h));
	e->etype = h.e_type;
	e->machine = h.e_machine;
	e->phoff = h.e_phoff;
	e->shoff = h.e_shoff;
	e->ehsize = h.e_ehsize;
	e->phentsize = h.e_phentsize;
	e->shentsize = h.e_shentsize;
	if (h.e_ehsize < sizeof(h) || h.e_ehsize > len)
		return fail(err, errlen, "bad ELF header size %u", h.e_ehsize);

	/* Program headers. */
	e->phnum = h.e_phnum;
	if (e->phnum > 0) {
		if (h.e_phentsize != sizeof(Elf64_Phdr))
			return fail(err, errlen, "bad program header entry size %u", h.e_phentsize);
		if (!in_file(e, h.e_phoff, (uint64_t)e->phnum * sizeof(Elf64_Phdr)))
			return fail(err, errlen, "program headers (offset %llu, %zu entries) extend past the end of the file (%zu bytes): truncated?",
			    (unsigned long long)h.e_phoff, e->phnum, len);
		e->seg = lp_xreallocarray(NULL, e->phnum, sizeof(*e->seg));
		for (size_t i = 0; i < e->phnum; i++) {
			Elf64_Phdr p;
			memcpy(&p, buf + h.e_phoff + i * sizeof(p), sizeof(p));
			struct ex_segment *s = &e->seg[e->nseg++];
			s->type = p.p_type;
			s->flags = p.p_flags;
			s->offset = p.p_offset;
			s->vaddr = p.p_vaddr;
			s->filesz = p.p_filesz;
			s->memsz = p.p_memsz;
			if (p.p_type == PT_DYNAMIC)
				e->dynamic = 1;
			if (!in_file(e, p.p_offset, p.p_filesz))
				return fail(err, errlen, "program header %zu: offset %llu size %llu extends past the end of the file (%zu bytes): truncated?",
				    i, (unsigned long long)p.p_offset, (unsigned long long)p.p_filesz, len);
			if (p.p_type == PT_INTERP && p.p_filesz > 0) {
				const char *ip = (const char *)buf + p.p_offset;
				if (memchr(ip, '\0', p.p_filesz) == NULL)
					return fail(err, errlen, "program header %zu: interpreter path is not NUL-terminated", i);
				e->interp = ip;
			}
			if (p.p_type == PT_NOTE)
				parse_notes(e, p.p_offset, p.p_filesz);
		}
	}

	/* Section headers (extended numbering: counts in section 0). */
	size_t shnum = h.e_shnum, shstrndx = h.e_shstrndx;
	if (h.e_shoff == 0) {
		shnum = 0;
	} else {
		Elf64_Shdr s0;
		if (h.e_shentsize != sizeof(Elf64_Shdr))
			return fail(err, errlen, "bad section header entry size %u", h.e_shentsize);
		if (!in_file(e, h.e_shoff, sizeof(s0)))
			return fail(err, errlen, "section headers at offset %llu are past the end of the file (%zu bytes): truncated?",
			    (unsigned long long)h.e_shoff, len);
		memcpy(&s0, buf + h.e_shoff, sizeof(s0));
		if (shnum == 0)
			shnum = s0.sh_size;
		if (shstrndx == SHN_XINDEX)
			shstrndx = s0.sh_link;
		/* Divide, not multiply: a count from section 0 can be huge. */
		if (shnum > (len - h.e_shoff) / sizeof(Elf64_Shdr))
			return fail(err, errlen, "section headers (offset %llu, %zu entries) extend past the end of the file (%zu bytes): truncated?",
			    (unsigned long long)h.e_shoff, shnum, len);
	}
	e->shnum = shnum;
	if (shnum > 0) {
		e->sec = lp_xreallocarray(NULL, shnum, sizeof(*e->sec));
		e->nsec = shnum;
		for (size_t i = 0; i < shnum; i++) {
			Elf64_Shdr s;
			memcpy(&s, buf + h.e_shoff + i * sizeof(s), sizeof(s));
			struct ex_section *o = &e->sec[i];
			o->name = "";
			o->type = s.sh_type;
			o->flags = s.sh_flags;
			o->addr = s.sh_addr;
			o->offset = s.sh_offset;
			o->size = s.sh_size;
			o->entsize = s.sh_entsize;
			o->link = s.sh_link;
			o->info = s.sh_info;
			o->file_size = (s.sh_type == SHT_NOBITS || i == 0) ? 0 : s.sh_size;
			if (i == 0) {
				/* Section 0 only carries extended counts: never content. */
				o->type = SHT_NULL;
				o->flags = 0;
				o->offset = o->size = 0;
			}
			if (i > 0 && s.sh_type != SHT_NOBITS && !in_file(e, s.sh_offset, s.sh_size))
				return fail(err, errlen, "section %zu: offset %llu size %llu extends past the end of the file (%zu bytes): truncated or corrupt section headers",
				    i, (unsigned long long)s.sh_offset, (unsigned long long)s.sh_size, len);
		}
		if (shstrndx != SHN_UNDEF) {
			if (shstrndx >= shnum || e->sec[shstrndx].type != SHT_STRTAB)
				return fail(err, errlen, "section name string table index %zu is not a string table", shstrndx);
			for (size_t i = 1; i < shnum; i++) {
				uint32_t ni;
				Elf64_Shdr s;
				memcpy(&s, buf + h.e_shoff + i * sizeof(s), sizeof(s));
				ni = s.sh_name;
				const char *nm = str_at(e, &e->sec[shstrndx], ni);
				if (nm == NULL)
					return fail(err, errlen, "section %zu: name offset %u outside the section name table", i, ni);
				e->sec[i].name = nm;
			}
		}
	}

	/* Symbols: .symtab, else .dynsym. */
	size_t symi = 0, dyni = 0;
	for (size_t i = 1; i < e->nsec; i++) {
		if (e->sec[i].type == SHT_SYMTAB && symi == 0)
			symi = i;
		if (e->sec[i].type == SHT_DYNSYM && dyni == 0)
			dyni = i;
		if (e->sec[i].type == SHT_NOTE)
			parse_notes(e, e->sec[i].offset, e->sec[i].size);
		if (strcmp(e->sec[i].name, ".debug_info") == 0 && e->sec[i].type != SHT_NOBITS && e->sec[i].size > 0)
			e->has_dwarf = 1;
	}
	if (symi != 0 || dyni != 0)
		if (parse_symtab(e, symi ? symi : dyni, err, errlen) < 0)
			return -1;

	/* DT_NEEDED from the .dynamic section and its string table. */
	int have_dynsec = 0;
	for (size_t i = 1; i < e->nsec; i++) {
		const struct ex_section *d = &e->sec[i];
		if (d->type != SHT_DYNAMIC)
			continue;
		if (d->link >= e->nsec || e->sec[d->link].type != SHT_STRTAB)
			return fail(err, errlen, "section %zu (.dynamic): string table link %u is not a string table", i, d->link);
		size_t n = d->size / sizeof(Elf64_Dyn);
		for (size_t k = 0; k < n; k++) {
			Elf64_Dyn dy;
			memcpy(&dy, e->buf + d->offset + k * sizeof(dy), sizeof(dy));
			if (dy.d_tag == DT_NULL)
				break;
			if (dy.d_tag != DT_NEEDED)
				continue;
			const char *nm = str_at(e, &e->sec[d->link], dy.d_un.d_val);
			if (nm == NULL)
				return fail(err, errlen, "section %zu (.dynamic): DT_NEEDED name offset %llu outside its string table",
				    i, (unsigned long long)dy.d_un.d_val);
			e->needed = lp_xreallocarray(e->needed, e->nneeded + 1, sizeof(*e->needed));
			e->needed[e->nneeded++] = (char *)nm;
		}
		have_dynsec = 1;
		break;
	}
	if (!have_dynsec)
		needed_from_segments(e);
	return 0;
}

void ex_free(ex_elf *e)
{
	free(e->sec);
	free(e->seg);
	free(e->sym);
	free(e->needed);
	if (e->elf != NULL)
		elf_end(e->elf);
	memset(e, 0, sizeof(*e));
}

struct cu_range {
	uint64_t lo, hi;
	size_t cu;
};

struct ex_cumap {
	char **names;
	size_t nnames;
	struct cu_range *r;
	size_t nr;
};

static size_t name_id(ex_cumap *m, const char *nm)
{
	for (size_t i = m->nnames; i-- > 0;)
		if (strcmp(m->names[i], nm) == 0)
			return i;
	m->names = lp_xreallocarray(m->names, m->nnames + 1, sizeof(*m->names));
	m->names[m->nnames] = lp_xstrdup(nm);
	return m->nnames++;
}

static void add_range(ex_cumap *m, size_t *cap, uint64_t lo, uint64_t hi, size_t id)
{
	if (m->nr == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		m->r = lp_xreallocarray(m->r, *cap, sizeof(*m->r));
	}
	m->r[m->nr++] = (struct cu_range){ lo, hi, id };
}

static void add_subprograms(ex_cumap *m, Dwarf_Die *cu, size_t *cap)
{
	Dwarf_Die d;
	if (dwarf_child(cu, &d) != 0)
		return;
	do {
		Dwarf_Addr lo, hi;
		const char *f;
		if (dwarf_tag(&d) != DW_TAG_subprogram || dwarf_lowpc(&d, &lo) != 0 ||
		    dwarf_highpc(&d, &hi) != 0 || hi <= lo || (f = dwarf_decl_file(&d)) == NULL)
			continue;
		add_range(m, cap, lo, hi, name_id(m, f));
	} while (dwarf_siblingof(&d, &d) == 0);
}

static int range_cmp(const void *a, const void *b)
{
	const struct cu_range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

ex_cumap *ex_cumap_new(ex_elf *e, const char **reason)
{
	if (!e->has_dwarf) {
		*reason = "no DWARF (.debug_info) in the file";
		return NULL;
	}
	if (e->elf == NULL) {
		elf_version(EV_CURRENT);
		/* libelf takes a char *; with native byte order it does not write
		 * to the image (compressed sections are inflated elsewhere). */
		e->elf = elf_memory((char *)(uintptr_t)e->buf, e->len);
		if (e->elf == NULL) {
			*reason = elf_errmsg(-1);
			return NULL;
		}
	}
	Dwarf *dbg = dwarf_begin_elf(e->elf, DWARF_C_READ, NULL);
	if (dbg == NULL) {
		*reason = dwarf_errmsg(-1);
		return NULL;
	}
	ex_cumap *m = lp_xcalloc(1, sizeof(*m));
	size_t cap = 0;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	uint8_t unit_type;
	Dwarf_Half version;
	int rc;
	while ((rc = dwarf_get_units(dbg, cu, &cu, &version, &unit_type, &cudie, NULL)) == 0) {
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial && unit_type != DW_UT_skeleton)
			continue;
		const char *nm = dwarf_diename(&cudie);
		if (nm != NULL && strcmp(nm, "<artificial>") == 0) {
			/* GCC LTO partitions: the unit says nothing; each function's
			 * declaration file does. */
			add_subprograms(m, &cudie, &cap);
			continue;
		}
		size_t id = name_id(m, nm ? nm : "[unnamed CU]");
		Dwarf_Addr base, lo, hi;
		ptrdiff_t off = 0;
		while ((off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0) {
			if (hi <= lo)
				continue;
			add_range(m, &cap, lo, hi, id);
		}
	}
	dwarf_end(dbg);
	if (rc < 0 && m->nnames == 0) {
		*reason = "DWARF present but its units cannot be read";
		ex_cumap_free(m);
		return NULL;
	}
	if (m->nr == 0) {
		*reason = "DWARF compile units carry no address ranges";
		ex_cumap_free(m);
		return NULL;
	}
	qsort(m->r, m->nr, sizeof(*m->r), range_cmp);
	return m;
}

const char *ex_cumap_lookup(const ex_cumap *m, uint64_t addr)
{
	if (m == NULL || m->nr == 0)
		return NULL;
	size_t lo = 0, hi = m->nr;
	while (lo < hi) { /* first range with lo > addr */
		size_t mid = lo + (hi - lo) / 2;
		if (m->r[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Ranges may nest or overlap (rare); scan back a little. */
	for (size_t i = lo, k = 0; i > 0 && k < 8; i--, k++)
		if (addr >= m->r[i - 1].lo && addr < m->r[i - 1].hi)
			return m->names[m->r[i - 1].cu];
	return NULL;
}

size_t ex_cumap_units(const ex_cumap *m) { return m ? m->nnames : 0; }

void ex_cumap_free(ex_cumap *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->nnames; i++)
		free(m->names[i]);
	free(m->names);
	free(m->r);
	free(m);
}
