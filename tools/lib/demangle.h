/* demangle — symbol demangling and Rust crate attribution.  Prefix: dm_.
 *
 * Wraps libiberty: Rust legacy (_ZN...17h<hash>E, the hash is dropped),
 * Rust v0 (_R..., crate disambiguators dropped) and Itanium C++ (_Z...).
 * Used by lp-size and lp-perfrec; keep the API stable. */
#ifndef LP_DEMANGLE_H
#define LP_DEMANGLE_H

enum dm_kind {
	DM_NONE = 0,     /* not a mangled name we know (C, assembler...) */
	DM_RUST_LEGACY,  /* _ZN...17h<16 hex>E */
	DM_RUST_V0,      /* _R... */
	DM_CXX,          /* Itanium C++ _Z... */
};

/* The demangled name, malloc'd (caller frees), or NULL when raw is not a
 * mangled name libiberty understands.  *kind (may be NULL) gets the kind.
 * libiberty drops Rust ".llvm.N" suffixes and shows C++ clones as
 * "name [clone .cold]". */
char *dm_demangle_kind(const char *raw, enum dm_kind *kind);
char *dm_demangle(const char *raw);

/* "rust-legacy", "rust-v0", "c++" or NULL for DM_NONE. */
const char *dm_kind_name(enum dm_kind kind);

/* The Rust crate a demangled Rust name belongs to, malloc'd, or NULL when
 * no crate can be read from it (then attribute to "[unknown]").
 * Rule (documented in docs/lp-size.1, ATTRIBUTION):
 *   - a plain path a::b::c            -> "a"                 rule "path"
 *   - <T as Trait>::f                 -> the crate of T, unless T has none
 *     (a primitive, reference, slice, tuple, dyn...) or T's crate is a
 *     sysroot crate while Trait's is not: then Trait's crate.
 *     The orphan rule puts the impl in T's or Trait's crate.  rule
 *     "impl-self" or "impl-trait"
 *   - <T>::f (v0 inherent impl)        -> the crate of T     rule "impl-self"
 * Generic instantiations are attributed to the crate that defines the
 * function (core::ptr::drop_in_place<my::T> -> core), like cargo-bloat.
 * *rule (may be NULL) gets a static string naming the rule used. */
char *dm_rust_crate(const char *demangled, const char **rule);

/* 1 if crate is part of the Rust sysroot that every program links
 * (std, core, alloc, compiler_builtins, panic_abort, panic_unwind, unwind,
 * std_detect, rustc_demangle, proc_macro, test, profiler_builtins,
 * rustc_std_workspace_*, and __rustc, the shims rustc generates).  Crates std also depends on but that users may
 * depend on too (hashbrown, libc, memchr, gimli, addr2line, object,
 * miniz_oxide, adler*, cfg_if) are not folded: by name alone they cannot
 * be told apart. */
int dm_is_sysroot_crate(const char *crate);

/* 1 if crate is one of those std itself depends on (hashbrown, libc,
 * memchr, gimli, addr2line, object, miniz_oxide, adler, adler2, cfg_if,
 * rustc_demangle...): code under that name may come from std (its
 * backtrace symbolizer) rather than from the program's own dependencies. */
int dm_is_std_dep_crate(const char *crate);

#endif
