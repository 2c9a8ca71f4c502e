# tests/helpers.bash — shared by every bats file: `load helpers`.
#
# LP_BIN points at the tools under test (make check: the ASan+UBSan build).
# Tests call tools by name; PATH is arranged so they resolve there first.

: "${LP_ROOT:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
: "${LP_BIN:=$LP_ROOT/build/asan/bin}"
: "${LP_BUILD:=$LP_ROOT/build}"
export LP_ROOT LP_BIN LP_BUILD
export LP_SHARE="$LP_ROOT/share"
export PATH="$LP_BIN:$PATH"
export NO_COLOR=1
FIXTURES="$LP_ROOT/tests/fixtures"
# Helper programs built from tests/ (hostile runtimes, allocation probes...).
LP_TEST_BIN="$LP_BUILD/tests"
# ASan: leaks are errors, and an error must fail the test loudly.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=99}"

# Every line of a file (or of $output) is a JSON object that jq reads.
assert_ndjson() {
	local f=${1:-}
	if [ -n "$f" ]; then
		jq -se 'length > 0 and all(.[]; type == "object")' <"$f" >/dev/null || { echo "not NDJSON: $f" >&2; cat "$f" >&2; return 1; }
	else
		printf '%s\n' "$output" | jq -se 'length > 0 and all(.[]; type == "object")' >/dev/null || { echo "not NDJSON:" >&2; printf '%s\n' "$output" >&2; return 1; }
	fi
}

# assert_jq FILTER [FILE] — the jq filter is true for the input.
assert_jq() {
	local filter=$1 f=${2:-}
	local got
	if [ -n "$f" ]; then got=$(jq -se "$filter" <"$f") ; else got=$(printf '%s\n' "$output" | jq -se "$filter"); fi
	local rc=$?
	[ $rc -eq 0 ] || { echo "jq assertion failed: $filter" >&2; echo "got: $got" >&2; return 1; }
}

# assert_status N — $status from `run` equals N.
assert_status() {
	[ "$status" -eq "$1" ] || { echo "expected exit $1, got $status" >&2; printf '%s\n' "$output" >&2; return 1; }
}

# assert_contains TEXT — $output contains TEXT.
assert_contains() {
	[[ "$output" == *"$1"* ]] || { echo "output lacks: $1" >&2; printf '%s\n' "$output" >&2; return 1; }
}
