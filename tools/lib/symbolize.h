/* symbolize — addresses of a process that is gone, back to functions,
 * modules and file:line, from perf mmap records and elfutils' libdwfl.
 * Prefix: sym_.
 *
 * Two halves:
 *  - address spaces (sym_space): fed with mmap2/fork/exec records in the
 *    order they were recorded, they map (pid, address) to (ELF file,
 *    link-time address).  The load bias comes from the file's PT_LOAD
 *    headers and the mapping's file offset.
 *  - the symbolizer (sym_ctx): one libdwfl session per ELF file reported
 *    at its link-time addresses (so two processes' ASLR never collide),
 *    answers function (demangled Rust/C++, see demangle.h), module,
 *    file:line where DWARF exists.  Kernel addresses resolve through
 *    /proc/kallsyms.  Results are cached; strings live as long as the ctx.
 *
 * Nothing here exits: failures become a frame with function NULL and a
 * reason ("no symbol: stripped", "file gone", ...). */
#ifndef SYMBOLIZE_H
#define SYMBOLIZE_H

#include <stdint.h>
#include <sys/types.h>

typedef struct sym_ctx sym_ctx;
typedef struct sym_space sym_space;

struct sym_frame {
	const char *function;  /* demangled; NULL when unknown */
	const char *module;    /* basename of the ELF, "[kernel.kallsyms]", "[vdso]", "[unknown]" */
	const char *path;      /* full path of the module or NULL */
	const char *file;      /* source file of the function's entry, NULL without DWARF */
	int line;              /* its line, 0 when file is NULL */
	uint64_t addr;         /* link-time address looked up */
	const char *reason;    /* why function (or file) is NULL, else NULL */
};

sym_ctx *sym_new(void);
void sym_free(sym_ctx *c);
/* path: the ELF file; vaddr: link-time address.  Always fills *f. */
void sym_lookup(sym_ctx *c, const char *path, uint64_t vaddr, struct sym_frame *f);
/* A kernel address (from /proc/kallsyms, loaded on first use). */
void sym_kernel(sym_ctx *c, uint64_t addr, struct sym_frame *f);
/* Load bias of a mapping of path at start with file offset pgoff:
 * link-time address = runtime address - *bias.  -1 with why. */
int sym_bias(sym_ctx *c, const char *path, uint64_t start, uint64_t pgoff,
    uint64_t *bias, const char **why);

sym_space *sym_space_new(sym_ctx *c);
void sym_space_free(sym_space *s);
/* Record a mapping (PERF_RECORD_MMAP2).  Non-executable mappings are
 * ignored.  path is copied. */
void sym_space_mmap(sym_space *s, uint32_t pid, uint64_t start, uint64_t len,
    uint64_t pgoff, uint32_t prot, const char *path);
/* PERF_RECORD_FORK: child gets a copy of the parent's mappings. */
void sym_space_fork(sym_space *s, uint32_t ppid, uint32_t pid);
/* PERF_RECORD_COMM with COMM_EXEC: pid's old mappings are gone. */
void sym_space_exec(sym_space *s, uint32_t pid);
/* Resolve a user address of pid.  Fills *f (module "[unknown]" when no
 * mapping covers it). */
void sym_space_lookup(sym_space *s, uint32_t pid, uint64_t addr, struct sym_frame *f);

#endif
