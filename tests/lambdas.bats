#!/usr/bin/env bats
# tests/lambdas.bats — mk/lambdas.mk, the Runtime API clients under
# lambdas/runtime/ and the minimal function (rust, c, ruchy via the test
# double tests/bin/ruchy-test-double).
#
# Builds go to the shared $LP_BUILD (cargo's release-ultra LTO build is slow
# on a small machine); tests that must see a rebuild use a copy in a temp dir.

load helpers
# cargo from rustup, as mk/lp.mk arranges for make.
if [ -x "$HOME/.cargo/bin/cargo" ]; then PATH="$HOME/.cargo/bin:$PATH"; fi

RUCHY_DOUBLE="$LP_ROOT/tests/bin/ruchy-test-double"
MIN_EVENT="$LP_ROOT/share/events/minimal.json"
EXPECTED='{"statusCode":200,"headers":{"content-type":"application/json"},"body":"{\"ok\":true}"}'

lpmake() { make --no-print-directory -C "$LP_ROOT" LP_BUILD="$LP_BUILD" "$@"; }

# Key = value lines of one [section] of a TOML file, normalized and sorted.
toml_section() {
	awk -v want="[$2]" '
		/^[ \t]*\[/ { on = ($0 == want); next }
		on && /=/ { sub(/#.*/, ""); gsub(/[ \t]/, ""); if ($0 != "") print }
	' "$1" | sort
}

@test "make lambda builds the Rust minimal bootstrap, release-ultra and stripped" {
	run lpmake lambda FUNC=minimal IMPL=rust
	assert_status 0
	bs="$LP_BUILD/lambdas/minimal-rust/bootstrap"
	assert_contains "$bs"
	[ -x "$bs" ]
	run file -b "$bs"
	assert_contains "ELF 64-bit"
	assert_contains ", stripped"
	run readelf -S -W "$bs"
	assert_status 0
	[[ "$output" != *" .symtab "* ]] || { echo "symbol table left in $bs" >&2; return 1; }
	[[ "$output" != *" .debug_info "* ]] || { echo "debug info left in $bs" >&2; return 1; }
}

@test "make lambda builds the C minimal bootstrap with -Os/LTO, stripped, glibc dynamic" {
	run lpmake lambda FUNC=minimal IMPL=c
	assert_status 0
	bs="$LP_BUILD/lambdas/minimal-c/bootstrap"
	run file -b "$bs"
	assert_contains "ELF 64-bit"
	assert_contains "dynamically linked"
	assert_contains ", stripped"
	run readelf -S -W "$bs"
	[[ "$output" != *" .symtab "* ]] || { echo "symbol table left in $bs" >&2; return 1; }
	# Dead-section elimination worked: lprt's unused helpers are gone, so the
	# whole program stays small (the Rust std one is ~300 KB).
	size=$(stat -c %s "$bs")
	[ "$size" -lt 40000 ] || { echo "C bootstrap is $size bytes" >&2; return 1; }
}

@test "the release-ultra profile has exactly the required settings and profiling inherits it" {
	run toml_section "$LP_ROOT/lambdas/Cargo.toml" profile.release-ultra
	assert_status 0
	expected=$(printf '%s\n' 'codegen-units=1' 'incremental=false' 'inherits="release"' \
		'lto="fat"' 'opt-level="z"' 'overflow-checks=false' 'panic="abort"' 'strip=true' | sort)
	[ "$output" = "$expected" ] || { echo "got:"; echo "$output"; echo "want:"; echo "$expected"; return 1; } >&2
	run toml_section "$LP_ROOT/lambdas/Cargo.toml" profile.profiling
	expected=$(printf '%s\n' 'debug=true' 'inherits="release-ultra"' 'strip=false' | sort)
	[ "$output" = "$expected" ] || { echo "got:"; echo "$output"; return 1; } >&2
}

@test "the cargo config builds offline from Debian's crate directory" {
	run toml_section "$LP_ROOT/lambdas/.cargo/config.toml" net
	[ "$output" = "offline=true" ]
	run toml_section "$LP_ROOT/lambdas/.cargo/config.toml" source.crates-io
	[ "$output" = 'replace-with="debian"' ]
	run toml_section "$LP_ROOT/lambdas/.cargo/config.toml" source.debian
	[ "$output" = 'directory="/usr/share/cargo/registry"' ]
	[ -d /usr/share/cargo/registry ]
}

@test "an unknown FUNC stops make with exit 2 and lists the valid functions" {
	run lpmake lambda FUNC=no_such_function IMPL=rust
	assert_status 2
	assert_contains "unknown FUNC 'no_such_function'"
	assert_contains "valid:"
	assert_contains "minimal"
	[[ "$output" != *"runtime"* ]] || { echo "runtime listed as a function" >&2; return 1; }
}

@test "an unknown IMPL stops make with exit 2 and lists rust c ruchy" {
	run lpmake lambda FUNC=minimal IMPL=go
	assert_status 2
	assert_contains "unknown IMPL 'go'; valid: rust c ruchy"
}

@test "LP_FUNCS is discovered: directories with an implementation, runtime excluded" {
	lam="$BATS_TEST_TMPDIR/lambdas"
	mkdir -p "$lam/runtime/c" "$lam/alpha/c" "$lam/beta" "$lam/gamma/rust" "$lam/shared_code"
	touch "$lam/runtime/c/lprt.c" "$lam/alpha/c/main.c" "$lam/beta/handler.ruchy" "$lam/gamma/rust/Cargo.toml" "$lam/shared_code/x.c"
	run lpmake help LP_LAMBDAS="$lam"
	assert_status 0
	assert_contains "valid: alpha beta gamma)"
}

@test "IMPL=ruchy without a ruchy compiler fails with the transpiler's exit 3 and says what is missing" {
	run lpmake lambda FUNC=minimal IMPL=ruchy RUCHY=/nonexistent/ruchy
	# make itself exits 2 when a recipe fails; it reports the recipe's 3.
	[ "$status" -ne 0 ]
	assert_contains "ruchy compiler not found ('/nonexistent/ruchy'): install ruchy"
	assert_contains "set RUCHY=/path/to/ruchy"
	assert_contains "Error 3"
	[ ! -e "$LP_BUILD/ruchy/minimal/src/handler.rs.tmp" ]
	# The transpile step on its own: exit 3, the environment error code.
	run "$LP_ROOT/mk/ruchy-transpile.sh" /nonexistent/ruchy "$LP_ROOT/lambdas/minimal/handler.ruchy" "$BATS_TEST_TMPDIR/h.rs"
	assert_status 3
	assert_contains "ruchy compiler not found"
	[ ! -e "$BATS_TEST_TMPDIR/h.rs" ]
}

@test "IMPL=ruchy with the ruchy test double transpiles and builds a bootstrap" {
	run lpmake lambda FUNC=minimal IMPL=ruchy RUCHY="$RUCHY_DOUBLE"
	assert_status 0
	bs="$LP_BUILD/lambdas/minimal-ruchy/bootstrap"
	[ -x "$bs" ]
	run file -b "$bs"
	assert_contains ", stripped"
	gen="$LP_BUILD/ruchy/minimal/src/handler.rs"
	grep -q '^pub fn lambda_handler(request_id: &str, body: &str) -> String {' "$gen"
	grep -q '^name = "ruchy_minimal"' "$LP_BUILD/ruchy/minimal/Cargo.toml"
	grep -q '^\[profile.release-ultra\]' "$LP_BUILD/ruchy/minimal/Cargo.toml"
	# The recorded compiler is the double, so a real one would re-transpile.
	[ "$(cat "$LP_BUILD/ruchy/ruchy-path")" = "$RUCHY_DOUBLE" ]
}

@test "the ruchy test double refuses Ruchy it does not translate instead of guessing" {
	printf 'pub fun f(x: i32) -> i32 {\n    x * 2\n}\n' > "$BATS_TEST_TMPDIR/f.ruchy"
	run "$RUCHY_DOUBLE" transpile "$BATS_TEST_TMPDIR/f.ruchy" -o "$BATS_TEST_TMPDIR/f.rs"
	assert_status 1
	assert_contains "f.ruchy:2:"
	[ ! -e "$BATS_TEST_TMPDIR/f.rs" ]
	run "$RUCHY_DOUBLE" --version
	assert_contains "test double"
}

@test "nothing is rebuilt when nothing changed (make -q on the three bootstraps)" {
	run lpmake lambda FUNC=minimal IMPL=rust
	assert_status 0
	run lpmake lambda FUNC=minimal IMPL=c
	assert_status 0
	run lpmake lambda FUNC=minimal IMPL=ruchy RUCHY="$RUCHY_DOUBLE"
	assert_status 0
	run lpmake -q "$LP_BUILD/lambdas/minimal-rust/bootstrap" "$LP_BUILD/lambdas/minimal-c/bootstrap"
	assert_status 0
	run lpmake -q IMPL=ruchy RUCHY="$RUCHY_DOUBLE" "$LP_BUILD/lambdas/minimal-ruchy/bootstrap"
	assert_status 0
}

@test "a changed runtime header or handler rebuilds the C bootstrap, and only then" {
	lam="$BATS_TEST_TMPDIR/lambdas"
	mkdir -p "$lam/minimal" "$lam/runtime"
	cp -r "$LP_ROOT/lambdas/minimal/c" "$lam/minimal/"
	cp -r "$LP_ROOT/lambdas/runtime/c" "$lam/runtime/"
	b="$BATS_TEST_TMPDIR/build"
	bs="$b/lambdas/minimal-c/bootstrap"
	run make --no-print-directory -C "$LP_ROOT" LP_BUILD="$b" LP_LAMBDAS="$lam" "$bs"
	assert_status 0
	[ -x "$bs" ]
	run make -C "$LP_ROOT" LP_BUILD="$b" LP_LAMBDAS="$lam" -q "$bs"
	assert_status 0
	touch -d '+2 seconds' "$lam/runtime/c/lprt.h"
	run make -C "$LP_ROOT" LP_BUILD="$b" LP_LAMBDAS="$lam" -q "$bs"
	assert_status 1
	run make --no-print-directory -C "$LP_ROOT" LP_BUILD="$b" LP_LAMBDAS="$lam" "$bs"
	assert_status 0
	touch -d '+4 seconds' "$lam/minimal/c/handler.c"
	run make -C "$LP_ROOT" LP_BUILD="$b" LP_LAMBDAS="$lam" -q "$bs"
	assert_status 1
}

@test "a C compile error stops the build with the compiler's message and leaves no bootstrap" {
	lam="$BATS_TEST_TMPDIR/lambdas"
	mkdir -p "$lam/broken/c" "$lam/runtime"
	cp -r "$LP_ROOT/lambdas/runtime/c" "$lam/runtime/"
	printf 'int main(void) { return undefined_thing; }\n' > "$lam/broken/c/main.c"
	run make --no-print-directory -C "$LP_ROOT" LP_BUILD="$BATS_TEST_TMPDIR/build" LP_LAMBDAS="$lam" lambda FUNC=broken IMPL=c
	[ "$status" -ne 0 ]
	assert_contains "undefined_thing"
	[ ! -e "$BATS_TEST_TMPDIR/build/lambdas/broken-c/bootstrap" ]
}

@test "the profiling variants keep symbols and debug info, release is built too" {
	run lpmake lambda-profiling FUNC=minimal IMPL=c
	assert_status 0
	run readelf -S -W "$LP_BUILD/lambdas-profiling/minimal-c/bootstrap"
	assert_contains " .symtab "
	assert_contains " .debug_info "
	run lpmake lambda-profiling FUNC=minimal IMPL=rust
	assert_status 0
	run readelf -S -W "$LP_BUILD/lambdas-profiling/minimal-rust/bootstrap"
	assert_contains " .symtab "
	assert_contains " .debug_info "
	run lpmake lambda-release FUNC=minimal IMPL=c
	assert_status 0
	[ -x "$LP_BUILD/lambdas-release/minimal-c/bootstrap" ]
}

@test "the Rust, C and ruchy minimal bootstraps each give 5 ok cold starts under lp-invoke" {
	for impl in rust c ruchy; do
		run lpmake lambda FUNC=minimal IMPL=$impl RUCHY="$RUCHY_DOUBLE"
		assert_status 0
		out="$BATS_TEST_TMPDIR/$impl.ndjson"
		run lp-invoke --func minimal --impl $impl --cold 5 --event "$MIN_EVENT" \
			--log "$BATS_TEST_TMPDIR/$impl.log" "$LP_BUILD/lambdas/minimal-$impl/bootstrap"
		assert_status 0
		printf '%s\n' "$output" | grep '^{' > "$out"
		assert_ndjson "$out"
		assert_jq "map(select(.type == \"invocation\")) | length == 5 and all(.[]; .status == \"ok\" and .start == \"cold\" and .impl == \"$impl\" and .response_bytes == ${#EXPECTED})" "$out"
	done
}

@test "rust, c and ruchy minimal responses are byte-identical API-Gateway JSON" {
	for impl in rust c ruchy; do
		run lpmake lambda FUNC=minimal IMPL=$impl RUCHY="$RUCHY_DOUBLE"
		assert_status 0
		run "$LP_TEST_BIN/rtcapture" "$LP_BUILD/lambdas/minimal-$impl/bootstrap" "$MIN_EVENT" 3
		assert_status 0
		printf '%s\n' "$output" > "$BATS_TEST_TMPDIR/$impl.out"
	done
	cmp "$BATS_TEST_TMPDIR/rust.out" "$BATS_TEST_TMPDIR/c.out"
	cmp "$BATS_TEST_TMPDIR/rust.out" "$BATS_TEST_TMPDIR/ruchy.out"
	[ "$(sed -n 1p "$BATS_TEST_TMPDIR/rust.out")" = "response $EXPECTED" ]
	[ "$(wc -l < "$BATS_TEST_TMPDIR/rust.out")" -eq 3 ]
	printf '%s' "$EXPECTED" | jq -e '.statusCode == 200 and (.body | fromjson | .ok == true)' >/dev/null
}

# A C function that fails on purpose: the error path of lprt.
build_failing_c() {
	cat > "$BATS_TEST_TMPDIR/fail.c" <<'EOF'
#include <string.h>
#include "lprt.h"
static int handler(const char *ev, size_t len, const lprt_ctx *ctx, lprt_buf *out, void *u)
{
	(void)u;
	if (len > 0 && strstr(ev, "\"fail\""))
		return lprt_fail(out, "Bad\r\nType", "said \"no\"\tto %s", ctx->request_id[0] ? "it" : "?");
	return lprt_buf_printf(out, "{\"len\":%zu,\"trace\":%d}", len, getenv("_X_AMZN_TRACE_ID") != NULL);
}
int main(void)
{
	if (getenv("LP_TEST_FAIL_INIT")) /* init errors come before the first /next */
		lprt_init_error("Init.Broken", "cannot start: %s", getenv("LP_TEST_FAIL_INIT"));
	return lprt_run(handler, NULL);
}
EOF
	sed -i '1i #include <stdlib.h>' "$BATS_TEST_TMPDIR/fail.c"
	cc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined -I"$LP_ROOT/lambdas/runtime/c" \
		-o "$BATS_TEST_TMPDIR/fail" "$BATS_TEST_TMPDIR/fail.c" "$LP_ROOT/lambdas/runtime/c/lprt.c"
}

@test "lprt posts handler errors with the error-type header and an escaped JSON body" {
	build_failing_c
	printf '{"fail":1}' > "$BATS_TEST_TMPDIR/ev.json"
	run "$LP_TEST_BIN/rtcapture" "$BATS_TEST_TMPDIR/fail" "$BATS_TEST_TMPDIR/ev.json" 2
	assert_status 0
	[ "${lines[0]}" = 'error Bad__Type {"errorMessage":"said \"no\"\tto it","errorType":"Bad__Type"}' ] ||
		{ printf 'got: %s\n' "${lines[0]}" >&2; return 1; }
	[ "${lines[1]}" = "${lines[0]}" ]
	printf '{}' > "$BATS_TEST_TMPDIR/ok.json"
	run "$LP_TEST_BIN/rtcapture" "$BATS_TEST_TMPDIR/fail" "$BATS_TEST_TMPDIR/ok.json" 1
	assert_status 0
	[ "${lines[0]}" = 'response {"len":2,"trace":1}' ]
}

@test "lprt_init_error posts /init/error and the runtime exits 1" {
	build_failing_c
	printf '{}' > "$BATS_TEST_TMPDIR/ev.json"
	LP_TEST_FAIL_INIT=disk run "$LP_TEST_BIN/rtcapture" "$BATS_TEST_TMPDIR/fail" "$BATS_TEST_TMPDIR/ev.json" 1
	assert_status 1
	assert_contains 'init_error Init.Broken {"errorMessage":"cannot start: disk","errorType":"Init.Broken"}'
	[[ "$output" != *"response "* ]] || { echo "an invocation ran after the init error" >&2; return 1; }
}

@test "both runtimes exit 3 with a message when AWS_LAMBDA_RUNTIME_API is missing or unreachable" {
	run lpmake lambda FUNC=minimal IMPL=rust
	run lpmake lambda FUNC=minimal IMPL=c
	for impl in rust c; do
		run env -u AWS_LAMBDA_RUNTIME_API "$LP_BUILD/lambdas/minimal-$impl/bootstrap"
		assert_status 3
		assert_contains "AWS_LAMBDA_RUNTIME_API"
		# Port 1 on loopback: nothing listens there.
		run env AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 "$LP_BUILD/lambdas/minimal-$impl/bootstrap"
		assert_status 3
		assert_contains "127.0.0.1:1"
	done
}

@test "make help lists the lambda targets and the user variables" {
	run lpmake help
	assert_status 0
	for w in "lambda " "lambda-release" "lambda-profiling" "profile " \
		"FUNC=name" "IMPL=impl" "N=count" "MEMORY=MB" "EVENT=file" "RUCHY=path"; do
		assert_contains "$w"
	done
	assert_contains "valid: "
}

# The Rust twin of the failing C function (tests/lambdas/rsprobe).
build_rsprobe() {
	(cd "$LP_ROOT/lambdas" && CARGO_TARGET_DIR="$LP_BUILD/cargo-test" cargo build --quiet \
		--manifest-path "$LP_ROOT/tests/lambdas/rsprobe/Cargo.toml")
	RSPROBE="$LP_BUILD/cargo-test/debug/rsprobe"
}

@test "lp_runtime posts handler errors exactly as lprt does, and exports the trace id" {
	build_rsprobe
	printf '{"fail":1}' > "$BATS_TEST_TMPDIR/ev.json"
	run "$LP_TEST_BIN/rtcapture" "$RSPROBE" "$BATS_TEST_TMPDIR/ev.json" 2
	assert_status 0
	[ "${lines[0]}" = 'error Bad__Type {"errorMessage":"said \"no\"\tto it","errorType":"Bad__Type"}' ] ||
		{ printf 'got: %s\n' "${lines[0]}" >&2; return 1; }
	[ "${lines[1]}" = "${lines[0]}" ]
	printf '{}' > "$BATS_TEST_TMPDIR/ok.json"
	run "$LP_TEST_BIN/rtcapture" "$RSPROBE" "$BATS_TEST_TMPDIR/ok.json" 3
	assert_status 0
	[ "${lines[2]}" = 'response {"len":2,"trace":1,"calls":3,"arn":true}' ] ||
		{ printf 'got: %s\n' "${lines[2]}" >&2; return 1; }
}

@test "lp_runtime run_with_init posts /init/error and exits 1 when init fails" {
	build_rsprobe
	printf '{}' > "$BATS_TEST_TMPDIR/ev.json"
	LP_TEST_FAIL_INIT=disk run "$LP_TEST_BIN/rtcapture" "$RSPROBE" "$BATS_TEST_TMPDIR/ev.json" 1
	assert_status 1
	assert_contains 'init_error Init.Broken {"errorMessage":"cannot start: disk","errorType":"Init.Broken"}'
	[[ "$output" != *"response "* ]]
}

@test "lp_runtime's own unit tests pass (HTTP framing and JSON escaping)" {
	cd "$LP_ROOT/lambdas"
	run env CARGO_TARGET_DIR="$LP_BUILD/cargo-test" cargo test --quiet -p lp_runtime
	assert_status 0
	assert_contains "3 passed; 0 failed"
}

# Valid but unusual Runtime API answers: chunked events, Connection: close
# (the runtime must reconnect), answers dribbled out one byte per write, a
# response rejected with 413 (that invocation fails, the runtime goes on).
check_valid_scenarios() { # BOOTSTRAP
	for sc in chunked close pipelined post-413; do
		run "$LP_TEST_BIN/hostile_api" $sc "$1"
		assert_status 0
		assert_contains "POST /2018-06-01/runtime/invocation/r1/response {\"len\":7,"
		assert_contains "POST /2018-06-01/runtime/invocation/r2/response {\"len\":8,"
		[ "${lines[-1]}" = served ] || { echo "$sc: runtime did not keep serving: ${lines[-1]}" >&2; return 1; }
	done
}

# Hostile answers: the runtime stops with exit 3 and a reason, posts nothing,
# and (C under ASan) never reads or writes out of bounds.
check_hostile_scenarios() { # BOOTSTRAP
	for sc in len-overflow len-conflict len-huge header-flood bad-id truncated status-500 garbage; do
		run "$LP_TEST_BIN/hostile_api" $sc "$1"
		assert_status 0
		[ "${lines[-1]}" = "exit 3" ] || { echo "$sc: ${lines[-1]}" >&2; printf '%s\n' "$output" >&2; return 1; }
		[[ "$output" != *"POST "* ]] || { echo "$sc: posted a result" >&2; return 1; }
	done
	# A 500 to a post means "exit" in the Runtime API.
	run "$LP_TEST_BIN/hostile_api" post-500 "$1"
	assert_status 0
	[ "${lines[-1]}" = "exit 3" ] || { echo "post-500: ${lines[-1]}" >&2; return 1; }
	[ "$(grep -c '^GET ' <<<"$output")" -eq 1 ]
}

@test "lprt handles chunked events, closed connections and dribbled answers" {
	build_failing_c
	check_valid_scenarios "$BATS_TEST_TMPDIR/fail"
}

@test "lprt stops with exit 3 on hostile Runtime API answers, without memory errors" {
	build_failing_c
	check_hostile_scenarios "$BATS_TEST_TMPDIR/fail"
	run "$LP_TEST_BIN/hostile_api" len-huge "$BATS_TEST_TMPDIR/fail"
	assert_contains "body larger than 32 MiB"
	run "$LP_TEST_BIN/hostile_api" bad-id "$BATS_TEST_TMPDIR/fail"
	assert_contains "malformed Lambda-Runtime-Aws-Request-Id"
}

@test "lp_runtime handles chunked events, closed connections and dribbled answers" {
	build_rsprobe
	check_valid_scenarios "$RSPROBE"
}

@test "lp_runtime stops with exit 3 on hostile Runtime API answers" {
	build_rsprobe
	check_hostile_scenarios "$RSPROBE"
	run "$LP_TEST_BIN/hostile_api" len-conflict "$RSPROBE"
	assert_contains "conflicting Content-Length"
}

@test "both runtimes take a 3 MB event whole, twice on one connection" {
	build_failing_c
	build_rsprobe
	{ printf '{"x":"'; head -c 3000000 /dev/zero | tr '\0' a; printf '"}'; } > "$BATS_TEST_TMPDIR/big.json"
	for bs in "$BATS_TEST_TMPDIR/fail" "$RSPROBE"; do
		run "$LP_TEST_BIN/rtcapture" "$bs" "$BATS_TEST_TMPDIR/big.json" 2
		assert_status 0
		[[ "${lines[0]}" == 'response {"len":3000008,'* ]] || { echo "$bs: ${lines[0]}" >&2; return 1; }
		[[ "${lines[1]}" == 'response {"len":3000008,'* ]]
	done
}
