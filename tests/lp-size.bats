#!/usr/bin/env bats
# lp-size: sections against readelf/size, symbols against nm, attribution
# on binaries whose crates we control, bad input, gates, diff.
load helpers

SZ="$LP_BUILD/tests/size"
C_BOOT="$LP_BUILD/lambdas/minimal-c/bootstrap"
C_TWIN="$LP_BUILD/lambdas-symbols/minimal-c/bootstrap"
RS_BOOT="$LP_BUILD/lambdas/minimal-rust/bootstrap"
LIBC=/usr/lib/x86_64-linux-gnu/libc.so.6
LIBSTDCXX=/usr/lib/x86_64-linux-gnu/libstdc++.so.6

setup() {
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

# "name size" of every section readelf -S prints (size in decimal).
readelf_sections() {
	readelf -S --wide "$1" | sed -n 's/^ *\[ *[0-9]*\] //p' |
		awk '$1 != "NULL" { print $1, $5 }' |
		while read -r n h; do echo "$n $((16#$h))"; done | sort
}

lpsize_sections() {
	lp-size --no-zip "$1" | jq -r 'select(.type=="section" and .kind=="section") | "\(.name) \(.size)"' | sort
}

# "name size" of every sized symbol nm -S prints (-D: nm appends @VERSION
# from .gnu.version, which is not part of the name in .dynsym).
nm_symbols() {
	if [ "$1" = -D ]; then
		nm -S --defined-only "$@" | awk 'NF == 4 { sub(/@.*/, "", $4); print $4, $2 }'
	else
		nm -S --defined-only "$@" | awk 'NF == 4 { print $4, $2 }'
	fi | while read -r n h; do echo "$n $((16#$h))"; done | sort
}

@test "lp-size --help prints usage and exits 0" {
	run lp-size --help
	assert_status 0
	assert_contains "usage: lp-size"
	assert_contains "--max-zip-kb"
}

@test "lp-size sections equal readelf -S on system binaries and on itself" {
	for f in /bin/ls "$LIBC" "$LP_BIN/lp-size"; do
		diff <(readelf_sections "$f") <(lpsize_sections "$f") || { echo "differs: $f" >&2; return 1; }
	done
}

@test "lp-size sections equal readelf -S and size -A on the project's lambdas" {
	for f in "$C_BOOT" "$RS_BOOT" "$C_TWIN"; do
		[ -f "$f" ] || { echo "missing $f (make check builds it)" >&2; return 1; }
		diff <(readelf_sections "$f") <(lpsize_sections "$f")
		# size -A lists the sections except the symbol and string tables.
		diff <(size -A "$f" | awk 'NR > 2 && NF == 3 { print $1, $2 }' | sort) \
		     <(lp-size --no-zip "$f" | jq -r 'select(.type=="section" and .kind=="section" and (.name | test("^\\.(symtab|strtab|shstrtab)$") | not)) | "\(.name) \(.size)"' | sort)
	done
}

@test "lp-size file sizes of section records sum exactly to the file size" {
	for f in /bin/ls "$LIBC" "$C_BOOT" "$RS_BOOT" "$SZ/app-v0" "$SZ/cus.debug"; do
		run lp-size --no-zip "$f"
		assert_status 0
		assert_ndjson
		want=$(stat -L -c %s "$f")
		assert_jq "([.[] | select(.type==\"section\") | .file_bytes] | add) == $want and (.[0].file_bytes == $want)"
		assert_jq '[.[] | select(.type=="binary")][0].section_overlap_bytes == 0'
	done
}

@test "lp-size symbol sizes equal nm -S on Rust, C and its own binary" {
	for f in "$SZ/app-legacy" "$SZ/app-v0" "$SZ/cus" "$LP_BIN/lp-size" "$C_TWIN"; do
		diff <(nm_symbols "$f") <(lp-size --no-zip "$f" | jq -r 'select(.type=="symbol") | "\(.name) \(.size)"' | sort) ||
			{ echo "differs: $f" >&2; return 1; }
	done
}

@test "lp-size finds libc's separate debug file by build id and its symbols equal nm -S of it" {
	run lp-size --no-zip "$LIBC"
	assert_status 0
	bid=$(readelf -n "$LIBC" | sed -n 's/.*Build ID: //p')
	dbg="/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug"
	[ -f "$dbg" ] || { echo "libc6-dbg missing: $dbg (make deps installs it)" >&2; return 1; }
	assert_jq ".[0].symbols_source == \"debug-file\" and .[0].debug_file == \"$dbg\" and .[0].debug_file_match == \"build-id\""
	diff <(nm_symbols "$dbg") <(printf '%s\n' "$output" | jq -r 'select(.type=="symbol") | "\(.name) \(.size)"' | sort)
}

@test "lp-size reads a stripped file's dynamic symbols like nm -D -S" {
	for f in /bin/ls "$LIBSTDCXX"; do
		diff <(nm_symbols -D "$f" | sort -u) \
		     <(lp-size --no-zip "$f" | jq -r 'select(.type=="symbol") | "\(.name) \(.size)"' | sort -u)
		run lp-size --no-zip "$f"
		assert_jq '.[0].symbols_source == ".dynsym" and (.[0].symbols_reason | test("dynamic symbol table"))'
	done
}

@test "lp-size demangles C++ names as nm -C does" {
	diff <(nm -D -S -C --defined-only "$LIBSTDCXX" | awk 'NF >= 4 && $4 ~ /^std::basic_string/ { $1=""; $2=""; $3=""; sub(/^ +/, ""); print }' | sed 's/@.*//' | sort -u | head -200) \
	     <(lp-size --no-zip "$LIBSTDCXX" | jq -r 'select(.type=="symbol" and .lang=="c++" and (.demangled | startswith("std::basic_string"))) | .demangled' | sort -u | head -200)
	run lp-size --no-zip "$LIBSTDCXX"
	assert_jq '[.[] | select(.type=="symbol" and .lang=="c++")] | length > 1000'
}

@test "lp-size demangles Rust legacy names without their hash and v0 names" {
	run lp-size --no-zip "$SZ/app-legacy"
	assert_jq '[.[] | select(.type=="symbol" and .name == (.name | select(startswith("_ZN5alpha14alpha_checksum17h"))))] | length == 1'
	assert_jq '[.[] | select(.type=="symbol" and .demangled == "alpha::alpha_checksum")][0].lang == "rust-legacy"'
	run lp-size --no-zip "$SZ/app-v0"
	assert_jq '[.[] | select(.type=="symbol" and .demangled == "alpha::alpha_checksum")][0] | .lang == "rust-v0" and (.name | startswith("_R"))'
}

@test "lp-size attributes Rust code to the crates that define it" {
	for v in legacy v0; do
		run lp-size --no-zip "$SZ/app-$v"
		assert_status 0
		assert_jq '[.[] | select(.type=="symbol" and .demangled == "alpha::alpha_checksum")][0] | .crate == "alpha" and .crate_rule == "path"'
		assert_jq '[.[] | select(.type=="symbol" and .demangled == "alpha::ALPHA_TABLE")][0] | .crate == "alpha" and .size == 1024'
		assert_jq '[.[] | select(.type=="symbol" and .demangled == "beta::beta_spin")][0].crate == "beta"'
		assert_jq '[.[] | select(.type=="symbol" and .demangled == "app::app_main_work")][0].crate == "app"'
		# std trait for a beta type -> beta; alpha trait for a std type -> alpha.
		assert_jq '[.[] | select(.type=="symbol" and .demangled == "<beta::Thing as core::fmt::Display>::fmt")][0] | .crate == "beta" and .crate_rule == "impl-self"'
		assert_jq '[.[] | select(.type=="symbol" and .demangled == "<alloc::string::String as alpha::Shout>::shout")][0] | .crate == "alpha" and .crate_rule == "impl-trait"'
		# crate totals are the sums of their (non-alias) symbols
		assert_jq '([.[] | select(.type=="symbol" and .crate=="alpha" and (.alias|not)) | .size] | add) == ([.[] | select(.type=="crate" and .name=="alpha")][0].bytes)'
		assert_jq '[.[] | select(.type=="crate") | .name] | (index("std") != null) and (index("core") == null) and (index("alloc") == null)'
	done
}

@test "lp-size --split-std keeps core and alloc apart from std" {
	run lp-size --no-zip --split-std "$SZ/app-v0"
	assert_status 0
	assert_jq '[.[] | select(.type=="crate") | .name] | (index("core") != null) and (index("alloc") != null) and (index("std") != null)'
	assert_jq '[.[] | select(.type=="symbol" and (.demangled // "" | startswith("core::")) and .crate_rule == "path")] | all(.crate == "core")'
}

@test "lp-size attributes C code to DWARF compile units and the rest to [unknown] with a reason" {
	run lp-size --no-zip "$SZ/cus"
	assert_status 0
	assert_jq '[.[] | select(.type=="symbol" and .name=="one_work")][0] | (.crate | endswith("c/one.c")) and .crate_rule == "dwarf-cu"'
	assert_jq '[.[] | select(.type=="symbol" and .name=="two_work")][0].crate | endswith("c/two.c")'
	assert_jq '[.[] | select(.type=="crate" and .name=="[unknown]")][0] | (.reason | length > 0) and .kind == "unknown"'
	# a symbol has a rule exactly when it is attributed: [unknown] is never a guess
	assert_jq '[.[] | select(.type=="symbol")] | all((.crate == "[unknown]") == (.crate_rule == null))'
	# text percentages of all crates add up to 100
	assert_jq '([.[] | select(.type=="crate") | .text_pct] | add) | (. > 99.99 and . < 100.01)'
}

@test "lp-size without DWARF puts C symbols in [unknown], never in a guessed unit" {
	run lp-size --no-zip "$C_BOOT"
	assert_status 0
	assert_jq '.[0].symbols == null and (.[0].symbols_reason | test("symbols unavailable")) and .[0].dwarf_units == 0'
	assert_jq '[.[] | select(.type=="crate" or .type=="symbol")] | length == 0'
	run lp-size --no-zip "$LP_BIN/lp-size"
	assert_jq '[.[] | select(.type=="symbol" and .name=="cplus_demangle_type")][0].crate == "[unknown]"'
}

@test "lp-size on a stripped file without a debug file says symbols are unavailable and still reports sections" {
	cp "$SZ/cus-stripped" "$TMP/bin"
	run lp-size --no-zip "$TMP/bin"
	assert_status 0
	assert_jq '.[0].stripped == true and .[0].build_id != null and (.[0].symbols_reason | test("--debug-file"))'
	assert_jq '[.[] | select(.type=="section" and .name==".text")] | length == 1'
	assert_jq '[.[] | select(.type=="crate")] | length <= 1'
	run lp-size --format table "$TMP/bin"
	assert_status 0
	assert_contains ".text"
}

@test "lp-size takes symbols from a debug file of the same build, and from FILE.debug beside it" {
	run lp-size --no-zip --debug-file "$SZ/cus.debug" "$SZ/cus-stripped"
	assert_status 0
	assert_jq '.[0].symbols_source == "debug-file" and .[0].debug_file_match == "build-id"'
	assert_jq '[.[] | select(.type=="symbol" and .name=="one_work")][0] | .section == ".text" and (.crate | endswith("one.c"))'
	diff <(nm_symbols "$SZ/cus") <(printf '%s\n' "$output" | jq -r 'select(.type=="symbol") | "\(.name) \(.size)"' | sort)
	cp "$SZ/cus-stripped" "$TMP/b" && cp "$SZ/cus.debug" "$TMP/b.debug"
	run lp-size --no-zip "$TMP/b"
	assert_status 0
	assert_jq '.[0].symbols_source == "debug-file"'
}

@test "lp-size accepts an unstripped twin only when its allocated sections are byte-identical" {
	run lp-size --no-zip --debug-file "$C_TWIN" "$C_BOOT"
	assert_status 0
	assert_jq '.[0].debug_file_match == "alloc-sections-identical" and .[0].symbols > 10'
	run lp-size --no-zip --debug-file "$SZ/app-v0" "$SZ/cus-stripped"
	assert_status 2
	assert_contains "not the same build"
}

@test "lp-size zip_bytes is the size of the deployment zip lp writes" {
	for f in "$RS_BOOT" "$C_BOOT" "$SZ/cus"; do
		"$SZ/dzip_one" "$f" "$TMP/x.zip"
		run lp-size "$f"
		assert_status 0
		assert_jq ".[0].zip_bytes == $(stat -c %s "$TMP/x.zip")"
	done
	run lp-size --no-zip "$SZ/cus"
	assert_jq '.[0].zip_bytes == null and (.[0].zip_bytes_reason | length > 0)'
}

@test "lp-size binary record reports interpreter, needed libraries and build id like readelf" {
	run lp-size --no-zip /bin/ls
	assert_jq '.[0].interpreter == "/lib64/ld-linux-x86-64.so.2" and .[0].static == false'
	want=$(readelf -d /bin/ls | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | jq -R . | jq -sc .)
	assert_jq ".[0].needed == $want"
	bid=$(readelf -n /bin/ls | sed -n 's/.*Build ID: //p')
	assert_jq ".[0].build_id == \"$bid\""
}

@test "lp-size gates: a gate record and exit 1 when over, exit 0 when under" {
	run lp-size --no-zip --max-kb 1 "$SZ/cus"
	assert_status 1
	assert_jq '[.[] | select(.type=="gate")][0] | .field == "file_kb" and .metric == "value" and .op == "<=" and .pass == false and .threshold == 1 and .expr == "file_kb <= 1" and .value > 1'
	run lp-size --max-kb 100000 --max-zip-kb 100000 "$SZ/cus"
	assert_status 0
	assert_jq '[.[] | select(.type=="gate")] | length == 2 and all(.pass)'
	run lp-size --max-zip-kb 0.5 "$SZ/cus"
	assert_status 1
	assert_jq '[.[] | select(.type=="gate")][0] | .field == "zip_kb" and .pass == false'
	run lp-size --format table --max-kb 1 "$SZ/cus"
	assert_status 1
	assert_contains "FAIL"
}

@test "lp-size diff totals equal the difference of the file sizes and sections sum to it" {
	run lp-size diff "$SZ/app-legacy" "$SZ/app-v0"
	assert_status 0
	assert_ndjson
	a=$(stat -c %s "$SZ/app-legacy"); b=$(stat -c %s "$SZ/app-v0")
	assert_jq "[.[] | select(.kind==\"total\" and .name==\"file\")][0] | .old_bytes == $a and .new_bytes == $b and .delta_bytes == ($b - $a)"
	assert_jq "([.[] | select(.kind==\"section\") | .delta_bytes] | add // 0) == ($b - $a)"
	# largest absolute change first
	assert_jq '[.[] | select(.kind=="symbol") | (.delta_bytes | fabs)] | . == (sort | reverse)'
}

@test "lp-size diff of a file with itself shows no change" {
	run lp-size diff "$SZ/cus" "$SZ/cus"
	assert_status 0
	assert_jq '[.[] | select(.kind=="total")] | all(.delta_bytes == 0)'
	assert_jq '[.[] | select(.kind=="section" or .kind=="symbol" or .kind=="crate")] | length == 0'
	run lp-size diff --format table "$SZ/cus" "$SZ/cus"
	assert_status 0
	assert_contains "TOTAL"
}

@test "lp-size table shows the targets and aligned columns, without colour under NO_COLOR" {
	run lp-size --format table -n 3 "$SZ/app-v0"
	assert_status 0
	assert_contains "target 100 KiB"
	assert_contains "stretch 50 KiB"
	assert_contains "CRATE"
	[[ "$output" != *$'\033'* ]]
	run lp-size --format table --by symbol -n 2 "$SZ/app-v0"
	assert_status 0
	[[ "$output" != *"CRATE "*"TEXT %"* ]]
	[ "$(printf '%s\n' "$output" | grep -c '  \.text ')" -eq 2 ]
}

@test "lp-size rejects bad usage with exit 2" {
	run lp-size
	assert_status 2
	run lp-size --format xml /bin/ls
	assert_status 2
	run lp-size --by nothing /bin/ls
	assert_status 2
	run lp-size -n 0 /bin/ls
	assert_status 2
	run lp-size diff /bin/ls
	assert_status 2
}

@test "lp-size: not an ELF, empty file, directory, missing file -> clear error, exit 2" {
	echo "hello" >"$TMP/text"
	: >"$TMP/empty"
	run lp-size "$TMP/text"
	assert_status 2
	assert_contains "not an ELF file"
	run lp-size "$TMP/empty"
	assert_status 2
	assert_contains "empty"
	run lp-size "$TMP"
	assert_status 2
	assert_contains "directory"
	run lp-size "$TMP/nope"
	assert_status 2
	assert_contains "No such file"
}

@test "lp-size: an ELF truncated at many points -> exit 2, never a crash" {
	f="$SZ/cus"
	n=$(stat -c %s "$f")
	for cut in 3 10 16 40 63 64 100 500 1000 4000 $((n / 2)) $((n - 100)) $((n - 1)); do
		head -c "$cut" "$f" >"$TMP/t"
		run lp-size "$TMP/t"
		[ "$status" -eq 2 ] || { echo "cut at $cut: exit $status" >&2; printf '%s\n' "$output" >&2; return 1; }
		[[ "$output" == *"lp-size: "* ]]
	done
}

# poke FILE OFFSET HEXBYTES — overwrite bytes in place.
poke() {
	printf "$(echo "$3" | sed 's/../\\x&/g')" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

@test "lp-size: corrupted section headers -> exit 2 naming the problem" {
	cp "$SZ/cus" "$TMP/c1"
	poke "$TMP/c1" 40 ffffff0000000000   # e_shoff far past the end
	run lp-size "$TMP/c1"
	assert_status 2
	assert_contains "section headers"
	cp "$SZ/cus" "$TMP/c2"
	shoff=$(od -An -t u8 -j 40 -N 8 "$TMP/c2" | tr -d ' ')
	poke "$TMP/c2" $((shoff + 64 * 3 + 24)) 00000000ff000000   # section 3 sh_offset
	run lp-size "$TMP/c2"
	assert_status 2
	assert_contains "section 3"
	cp "$SZ/cus" "$TMP/c3"
	poke "$TMP/c3" 62 ff00                 # e_shstrndx out of range
	run lp-size "$TMP/c3"
	assert_status 2
	assert_contains "string table"
	# section 0 dressed as a huge string table, and .symtab linked to it
	cp "$SZ/cus" "$TMP/c5"
	shoff=$(od -An -t u8 -j 40 -N 8 "$TMP/c5" | tr -d ' ')
	sym=$(readelf -S --wide "$TMP/c5" | sed -n 's/^ *\[ *\([0-9]*\)\] \.symtab .*/\1/p')
	poke "$TMP/c5" $((shoff + 4)) 03000000
	poke "$TMP/c5" $((shoff + 24)) ffffff0000000000
	poke "$TMP/c5" $((shoff + 32)) ffffff0000000000
	poke "$TMP/c5" $((shoff + 64 * sym + 40)) 00000000
	run lp-size "$TMP/c5"
	assert_status 2
	assert_contains "not a string table"
	cp "$SZ/cus" "$TMP/c6"
	poke "$TMP/c6" 52 ff7f                 # e_ehsize past the end
	run lp-size "$TMP/c6"
	assert_status 2
	assert_contains "header size"
	cp "$SZ/cus" "$TMP/c4"
	poke "$TMP/c4" 58 2000                 # e_shentsize 32
	run lp-size "$TMP/c4"
	assert_status 2
	assert_contains "entry size"
}

@test "lp-size: 32-bit and big-endian ELF files -> clear error, exit 2" {
	cp "$SZ/cus" "$TMP/e32"
	poke "$TMP/e32" 4 01
	run lp-size "$TMP/e32"
	assert_status 2
	assert_contains "32-bit"
	cp "$SZ/cus" "$TMP/ebe"
	poke "$TMP/ebe" 5 02
	run lp-size "$TMP/ebe"
	assert_status 2
	assert_contains "big-endian"
}

@test "lp-size survives the fuzz corpus and every crash reproducer (exit 0 or 2)" {
	n=0
	for f in "$LP_ROOT"/tests/fuzz/corpus/* "$LP_ROOT"/tests/fuzz/crashes/*; do
		[ -f "$f" ] || continue
		n=$((n + 1))
		run lp-size --no-zip "$f"
		[ "$status" -eq 0 ] || [ "$status" -eq 2 ] || { echo "$f: exit $status" >&2; printf '%s\n' "$output" >&2; return 1; }
	done
	[ "$n" -gt 5 ]
}

@test "lp-size writes valid NDJSON for symbol and section names that are not UTF-8" {
	cp "$SZ/cus" "$TMP/bad"
	for off in $(grep -obUa 'one_work' "$TMP/bad" | cut -d: -f1); do
		poke "$TMP/bad" "$off" ff
	done
	for off in $(grep -obUa '\.comment' "$TMP/bad" | cut -d: -f1); do
		poke "$TMP/bad" $((off + 1)) fe
	done
	run lp-size --no-zip "$TMP/bad"
	assert_status 0
	assert_ndjson
	assert_jq '[.[] | select(.type=="symbol" and .name == "\ufffdne_work")] | length == 1'
	assert_jq '[.[] | select(.type=="section" and .name == ".\ufffdomment")] | length == 1'
	run lp-size diff "$SZ/cus" "$TMP/bad"
	assert_status 0
	assert_ndjson
}

@test "lp-size on a file without section headers (sstrip) accounts it all and reads DT_NEEDED from PT_DYNAMIC" {
	cp "$SZ/cus" "$TMP/nosh"
	poke "$TMP/nosh" 40 0000000000000000   # e_shoff
	poke "$TMP/nosh" 60 00000000           # e_shnum, e_shstrndx
	run lp-size "$TMP/nosh"
	assert_status 0
	assert_jq ".[0].needed == [\"libc.so.6\"] and .[0].sections == 0 and .[0].symbols == null"
	assert_jq "([.[] | select(.type==\"section\") | .file_bytes] | add) == $(stat -c %s "$TMP/nosh")"
	assert_jq '[.[] | select(.type=="section" and .name=="[unmapped]")][0].file_bytes > 0'
}

@test "lp-size diff of saved NDJSON outputs equals the diff of the ELF files; bad NDJSON exits 2 with FILE:LINE" {
	lp-size "$SZ/app-legacy" >"$TMP/a.ndjson"
	lp-size "$SZ/app-v0" >"$TMP/b.ndjson"
	diff <(lp-size diff "$TMP/a.ndjson" "$TMP/b.ndjson") <(lp-size diff "$SZ/app-legacy" "$SZ/app-v0")
	diff <(lp-size diff "$TMP/a.ndjson" "$SZ/app-v0") <(lp-size diff "$SZ/app-legacy" "$SZ/app-v0")
	{ head -3 "$TMP/a.ndjson"; echo '{"type":"section",'; } >"$TMP/bad.ndjson"
	run lp-size diff "$TMP/bad.ndjson" "$TMP/b.ndjson"
	assert_status 2
	assert_contains "bad.ndjson:4"
	grep -v '"type":"binary"' "$TMP/a.ndjson" >"$TMP/nobin.ndjson"
	run lp-size diff "$TMP/nobin.ndjson" "$TMP/b.ndjson"
	assert_status 2
	assert_contains "no binary record"
}
