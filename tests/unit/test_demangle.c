/* Unit tests for tools/lib/demangle: Rust legacy, v0, C++ and the crate
 * attribution rule.  The mangled names come from real rustc 1.95 and g++
 * output. */
#include <stdlib.h>
#include <string.h>

#include "demangle.h"
#include "tap.h"

static int dm_is(const char *raw, const char *want, enum dm_kind wkind)
{
	enum dm_kind k;
	char *s = dm_demangle_kind(raw, &k);
	int r = (s == NULL && want == NULL) || (s != NULL && want != NULL && strcmp(s, want) == 0);
	r = r && k == wkind;
	if (!r)
		printf("#   %s -> %s (kind %d), want %s (kind %d)\n", raw, s ? s : "NULL", (int)k, want ? want : "NULL", (int)wkind);
	free(s);
	return r;
}

static int crate_is(const char *d, const char *want, const char *wrule)
{
	const char *rule;
	char *c = dm_rust_crate(d, &rule);
	int r = (c == NULL && want == NULL) || (c != NULL && want != NULL && strcmp(c, want) == 0);
	r = r && ((rule == NULL && wrule == NULL) || (rule && wrule && strcmp(rule, wrule) == 0));
	if (!r)
		printf("#   %s -> %s (%s), want %s (%s)\n", d, c ? c : "NULL", rule ? rule : "NULL", want ? want : "NULL", wrule ? wrule : "NULL");
	free(c);
	return r;
}

int main(void)
{
	ok(dm_is("_ZN1a4main17h1854dee5fd9945b4E", "a::main", DM_RUST_LEGACY),
	   "a legacy Rust name loses its hash");
	ok(dm_is("_ZN42_$LT$$RF$T$u20$as$u20$core..fmt..Debug$GT$3fmt17ha76d378e0b2774b2E",
		 "<&T as core::fmt::Debug>::fmt", DM_RUST_LEGACY),
	   "a legacy trait impl is decoded with its $-escapes");
	ok(dm_is("_RNvCs6xxl1lAjzDf_1a4main", "a::main", DM_RUST_V0),
	   "a v0 Rust name is decoded without the crate disambiguator");
	ok(dm_is("_RINvCs6xxl1lAjzDf_1a3genNtB2_3FooEB2_", "a::gen::<a::Foo>", DM_RUST_V0),
	   "a v0 generic instance keeps its type arguments");
	ok(dm_is("_ZNSt6vectorIiSaIiEE9push_backERKi", "std::vector<int, std::allocator<int> >::push_back(int const&)", DM_CXX),
	   "a C++ name is demangled with its parameters");
	ok(dm_is("_ZN3foo3barEv", "foo::bar()", DM_CXX),
	   "a _ZN name without a Rust hash is C++, not Rust");
	ok(dm_is("main", NULL, DM_NONE), "a C name is not demangled");
	ok(dm_is("", NULL, DM_NONE), "an empty name is not demangled");
	ok(dm_is("_Zgarbage", NULL, DM_NONE), "a broken mangled name gives NULL, not a guess");
	ok(dm_is("_RNvXXX", NULL, DM_NONE), "a broken v0 name gives NULL");
	ok(dm_demangle(NULL) == NULL, "NULL is not demangled");
	ok(strcmp(dm_kind_name(DM_RUST_V0), "rust-v0") == 0 && dm_kind_name(DM_NONE) == NULL,
	   "kind names are stable strings");

	ok(crate_is("a::main", "a", "path"), "a plain path belongs to its first segment");
	ok(crate_is("core::ptr::drop_in_place::<mycrate::Foo>", "core", "path"),
	   "a generic instance belongs to the crate defining the function");
	ok(crate_is("<alloc::vec::Vec<T> as core::fmt::Debug>::fmt", "alloc", "impl-self"),
	   "a std trait impl for a std type belongs to the type's crate");
	ok(crate_is("<mycrate::Foo as core::fmt::Debug>::fmt", "mycrate", "impl-self"),
	   "a std trait impl for a user type belongs to the user crate");
	ok(crate_is("<alloc::string::String as mycrate::Render>::render", "mycrate", "impl-trait"),
	   "a user trait impl for a std type belongs to the user crate");
	ok(crate_is("<&T as core::fmt::Debug>::fmt", "core", "impl-trait"),
	   "a blanket impl over a reference goes to the trait's crate");
	ok(crate_is("<&mycrate::Foo as core::fmt::Debug>::fmt", "mycrate", "impl-self"),
	   "a reference to a user type counts as the user type");
	ok(crate_is("<[T] as core::fmt::Debug>::fmt", "core", "impl-trait"),
	   "a slice impl goes to the trait's crate");
	ok(crate_is("<fn() -> u8 as core::ops::FnOnce<()>>::call_once", "core", "impl-trait"),
	   "an arrow in a fn type is not a closing bracket");
	ok(crate_is("<alloc::raw_vec::RawVec<(u8, u8)>>::grow_one", "alloc", "impl-self"),
	   "a v0 inherent impl belongs to the type's crate");
	ok(crate_is("<<a::X as b::Y>::Out as c::Z>::f", "a", "impl-self"),
	   "a nested qualified path is resolved recursively");
	ok(crate_is("main", NULL, NULL), "a name without a path has no crate");
	ok(crate_is("<u8 as u16>::f", NULL, NULL), "primitives on both sides give no crate");
	ok(crate_is("<unclosed", NULL, NULL), "an unbalanced name gives no crate");

	ok(dm_is_sysroot_crate("std") && dm_is_sysroot_crate("core") && dm_is_sysroot_crate("alloc")
	   && dm_is_sysroot_crate("compiler_builtins") && dm_is_sysroot_crate("__rustc"),
	   "std, core, alloc, compiler_builtins and rustc's shims are sysroot crates");
	ok(!dm_is_sysroot_crate("hashbrown") && !dm_is_sysroot_crate("mycrate") && !dm_is_sysroot_crate(NULL),
	   "crates users also depend on are not folded into std");
	ok(dm_is_std_dep_crate("gimli") && dm_is_std_dep_crate("miniz_oxide") && !dm_is_std_dep_crate("alpha")
	   && !dm_is_std_dep_crate("std") && !dm_is_std_dep_crate(NULL),
	   "crates std depends on are flagged, others are not");
	return tap_done();
}
