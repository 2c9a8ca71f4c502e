/* elfx — a checked view of a 64-bit little-endian ELF file held in memory,
 * through libelf, plus a compile-unit map from DWARF (libdw).  Prefix: ex_.
 *
 * Every offset and size is checked against the buffer before it is used:
 * a truncated file, section headers pointing outside the file, a bad
 * string index or a symbol table whose entry size is wrong are input
 * errors (-1 with a message naming what is wrong), never a read out of
 * bounds.  32-bit and big-endian files are refused with a clear message.
 * Nothing here exits; strings point into the buffer or into the ex_elf. */
#ifndef ELFX_H
#define ELFX_H

#include <stddef.h>
#include <stdint.h>

struct ex_section {
	const char *name;     /* "" when the section has no name */
	uint32_t type;        /* SHT_* */
	uint64_t flags;       /* SHF_* */
	uint64_t addr, offset, size, entsize;
	uint32_t link, info;
	uint64_t file_size;   /* bytes in the file: 0 for SHT_NOBITS */
};

struct ex_segment {
	uint32_t type, flags; /* PT_*, PF_* */
	uint64_t offset, vaddr, filesz, memsz;
};

struct ex_symbol {
	const char *name;
	uint64_t value, size;
	uint32_t shndx;       /* resolved SHN_XINDEX; SHN_ABS etc. kept */
	unsigned char type, bind; /* STT_*, STB_* */
};

typedef struct ex_elf {
	const unsigned char *buf;
	size_t len;
	void *elf;            /* Elf * (libelf) */
	uint16_t etype, machine;
	uint64_t phoff, shoff;
	size_t phnum, shnum, shentsize, phentsize, ehsize;
	struct ex_section *sec;
	size_t nsec;
	struct ex_segment *seg;
	size_t nseg;
	struct ex_symbol *sym;   /* defined and undefined, as in the table */
	size_t nsym;
	const char *symtab;      /* ".symtab", ".dynsym" or NULL: where sym came from */
	const char *interp;      /* PT_INTERP string or NULL */
	char **needed;           /* DT_NEEDED names */
	size_t nneeded;
	int dynamic;             /* has PT_DYNAMIC */
	char build_id[129];      /* hex, "" when none */
	int has_dwarf;           /* a .debug_info section with bytes */
} ex_elf;

/* Read a whole regular file.  0 ok; -1 input error (not a regular file,
 * empty); -2 environment error (cannot open/read).  err says which. */
int ex_read_file(const char *path, unsigned char **buf, size_t *len, char *err, size_t errlen);

/* Parse buf (which must outlive e).  0 ok, -1 with err on bad input.
 * ex_free must be called in both cases. */
int ex_parse(const unsigned char *buf, size_t len, ex_elf *e, char *err, size_t errlen);
void ex_free(ex_elf *e);

/* Section index -> section, NULL when out of range. */
const struct ex_section *ex_section_at(const ex_elf *e, size_t idx);
/* Section by name, NULL when absent. */
const struct ex_section *ex_section_named(const ex_elf *e, const char *name);

/* Address -> compile unit name, from DWARF (DW_AT_ranges / low_pc..high_pc
 * of each CU).  Built once; lookups are a binary search. */
typedef struct ex_cumap ex_cumap;
/* NULL when the file has no usable DWARF; *reason then says why. */
ex_cumap *ex_cumap_new(ex_elf *e, const char **reason);
/* The CU name covering addr, or NULL. */
const char *ex_cumap_lookup(const ex_cumap *m, uint64_t addr);
size_t ex_cumap_units(const ex_cumap *m);
void ex_cumap_free(ex_cumap *m);

#endif
