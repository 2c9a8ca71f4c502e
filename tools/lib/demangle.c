/* demangle — see demangle.h. */
#include "demangle.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libiberty/demangle.h> /* not "demangle.h": that is this file's header */

#include "lputil.h"

static int is_v0(const char *raw)
{
	/* v0 names start with _R (or R / __R on some platforms). */
	return strncmp(raw, "_R", 2) == 0 || strncmp(raw, "__R", 3) == 0;
}

char *dm_demangle_kind(const char *raw, enum dm_kind *kind)
{
	char *s = NULL;
	enum dm_kind k = DM_NONE;

	if (raw == NULL || raw[0] == '\0')
		goto out;
	if (is_v0(raw) || strncmp(raw, "_ZN", 3) == 0) {
		/* Legacy Rust overlaps with C++; libiberty accepts it as Rust
		 * only when it ends in a 17h<hash>E path element. Without
		 * DMGL_VERBOSE the hash and v0 disambiguators are dropped. */
		s = rust_demangle(raw, DMGL_PARAMS | DMGL_ANSI);
		if (s != NULL) {
			k = is_v0(raw) ? DM_RUST_V0 : DM_RUST_LEGACY;
			goto out;
		}
	}
	if (strncmp(raw, "_Z", 2) == 0) {
		s = cplus_demangle_v3(raw, DMGL_PARAMS | DMGL_ANSI);
		if (s != NULL)
			k = DM_CXX;
	}
out:
	if (kind != NULL)
		*kind = k;
	if (s != NULL) {
		/* libiberty allocates with malloc; hand back our own copy so the
		 * caller's free() never depends on that. */
		char *c = lp_xstrdup(s);
		free(s);
		s = c;
	}
	return s;
}

char *dm_demangle(const char *raw) { return dm_demangle_kind(raw, NULL); }

const char *dm_kind_name(enum dm_kind kind)
{
	switch (kind) {
	case DM_RUST_LEGACY: return "rust-legacy";
	case DM_RUST_V0: return "rust-v0";
	case DM_CXX: return "c++";
	default: return NULL;
	}
}

static const char *const sysroot[] = {
	"std", "core", "alloc", "compiler_builtins", "panic_abort",
	"panic_unwind", "unwind", "std_detect", "rustc_demangle", "proc_macro",
	"test", "profiler_builtins", "rustc_std_workspace_core",
	"rustc_std_workspace_alloc", "rustc_std_workspace_std",
	"__rustc", /* rustc's allocator and panic shims */
	NULL,
};

int dm_is_sysroot_crate(const char *crate)
{
	if (crate == NULL)
		return 0;
	for (int i = 0; sysroot[i]; i++)
		if (strcmp(crate, sysroot[i]) == 0)
			return 1;
	return 0;
}

static const char *const std_deps[] = {
	"hashbrown", "libc", "memchr", "gimli", "addr2line", "object",
	"miniz_oxide", "adler", "adler2", "cfg_if", "rustc_demangle", "getopts",
	"unicode_width", "dlmalloc", "fortanix_sgx_abi", "r_efi", "wasi", "hermit_abi",
	NULL,
};

int dm_is_std_dep_crate(const char *crate)
{
	if (crate == NULL)
		return 0;
	for (int i = 0; std_deps[i]; i++)
		if (strcmp(crate, std_deps[i]) == 0)
			return 1;
	return 0;
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* Crate of the type or path in [s, e): the identifier before the first
 * "::", after fundamental wrappers (&, &mut, *const, *mut, dyn).  NULL for
 * primitives, slices, arrays, tuples, fn pointers. */
static char *crate_of(const char *s, const char *e)
{
	static const char *const skip[] = { "&mut ", "&", "*const ", "*mut ", "dyn ", "mut ", NULL };
	int again = 1;

	while (again && s < e) {
		again = 0;
		while (s < e && *s == ' ')
			s++;
		for (int i = 0; skip[i]; i++) {
			size_t n = strlen(skip[i]);
			if ((size_t)(e - s) >= n && strncmp(s, skip[i], n) == 0) {
				s += n;
				again = 1;
				break;
			}
		}
	}
	if (s < e && *s == '<') {
		/* A nested qualified path <<T as A>::X as B>: its own rule. */
		size_t n = (size_t)(e - s);
		char *inner = lp_xmalloc(n + 1);
		memcpy(inner, s, n);
		inner[n] = '\0';
		char *c = dm_rust_crate(inner, NULL);
		free(inner);
		return c;
	}
	const char *p = s;
	while (p < e && ident_char(*p))
		p++;
	if (p == s || p + 2 > e || p[0] != ':' || p[1] != ':')
		return NULL;
	if (isdigit((unsigned char)*s))
		return NULL;
	size_t n = (size_t)(p - s);
	char *c = lp_xmalloc(n + 1);
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

char *dm_rust_crate(const char *d, const char **rule)
{
	const char *r = NULL;
	char *c = NULL;

	if (d == NULL)
		goto out;
	if (d[0] != '<') {
		c = crate_of(d, d + strlen(d));
		r = c ? "path" : NULL;
		goto out;
	}
	/* <T as Trait>::f or <T>::f: find " as " and the closing '>' at depth 1.
	 * "->" in fn types is not a bracket. */
	int depth = 0;
	const char *as = NULL, *close = NULL;
	for (const char *p = d; *p; p++) {
		if (*p == '<')
			depth++;
		else if (*p == '>' && !(p > d && p[-1] == '-')) {
			if (--depth == 0) {
				close = p;
				break;
			}
		} else if (depth == 1 && as == NULL && strncmp(p, " as ", 4) == 0)
			as = p;
	}
	if (close == NULL)
		goto out;
	if (as == NULL) {
		c = crate_of(d + 1, close);
		r = c ? "impl-self" : NULL;
		goto out;
	}
	char *self = crate_of(d + 1, as);
	char *trait = crate_of(as + 4, close);
	if (self != NULL && !(dm_is_sysroot_crate(self) && trait != NULL && !dm_is_sysroot_crate(trait))) {
		c = self;
		r = "impl-self";
		free(trait);
	} else if (trait != NULL) {
		c = trait;
		r = "impl-trait";
		free(self);
	} else
		free(self);
out:
	if (rule != NULL)
		*rule = r;
	return c;
}
