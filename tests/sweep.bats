#!/usr/bin/env bats
# make sweep / make profile / make validate, end to end on the minimal
# lambda (C: its variants build in seconds; tiny N so the suite stays
# quick).  Every test measures real cold starts into its own results dir.

load helpers

lpmake() { make --no-print-directory -C "$LP_ROOT" LP_BUILD="$LP_BUILD" LP_RESULTS="$RES" "$@"; }

setup() {
	RES=$(mktemp -d)
}

teardown() {
	rm -rf "$RES"
}

@test "make sweep FUNC=minimal IMPL=c builds six variants, measures them interleaved and prints the table and the Pareto front" {
	run lpmake sweep FUNC=minimal IMPL=c SWEEP_N=3
	assert_status 0
	assert_contains "sweep of minimal-c: 6 variants, one interleaved run"
	assert_contains "Pareto front, init p50 against file size"
	assert_contains "(current)"
	local f="$RES/minimal-c/sweep.ndjson"
	assert_ndjson "$f"
	assert_jq 'length == 6 and all(.[]; .type == "sweep_variant" and .func == "minimal" and .impl == "c")' "$f"
	assert_jq '[.[] | select(.current)] | length == 1 and .[0].variant == "os-dynamic"' "$f"
	assert_jq '[.[].variant] | sort == ["o2-dynamic","o2-musl","o2-static","os-dynamic","os-musl","os-static"]' "$f"
	# the same N for every variant, every cold start ok
	assert_jq 'all(.[]; .n == 3 and .cold_starts == 3)' "$f"
	# the builds really differ: static glibc is large and static, musl in between
	assert_jq '[.[] | select(.variant=="os-static")][0] | .static == true and .file_bytes > 300000' "$f"
	assert_jq '[.[] | select(.variant=="os-dynamic")][0] | .static == false and .file_bytes < 40000' "$f"
	assert_jq '[.[] | select(.variant=="os-musl")][0] | .static == true' "$f"
	assert_jq '[.[] | select(.pareto)] | length >= 1' "$f"
	# interleaved: each variant's records come from 3 separate lp-invoke runs
	[ "$(jq -s '[.[].run_id] | unique | length' "$RES/minimal-c/sweep/os-musl/invocations.ndjson")" -eq 3 ]
	file "$RES/minimal-c/sweep/os-musl/taskroot/bootstrap" | grep -q 'statically linked'
}

@test "make sweep rejects an implementation it cannot build variants of" {
	run lpmake sweep-one FUNC=minimal IMPL=ruchy
	assert_status 2
	assert_contains "builds rust and c variants"
}

@test "make measure VARIANT= deploys that sweep variant; an unknown VARIANT lists the valid ones" {
	run lpmake measure FUNC=minimal IMPL=c N=2 VARIANT=os-musl
	assert_status 0
	file "$RES/minimal-c/taskroot/bootstrap" | grep -q 'statically linked'
	assert_jq 'length == 2 and all(.[]; .status == "ok")' "$RES/minimal-c/invocations.ndjson"
	run lpmake measure FUNC=minimal IMPL=c VARIANT=no-such-variant
	assert_status 2
	assert_contains "unknown VARIANT 'no-such-variant'; valid:"
	assert_contains "os-musl"
}

@test "make profile FUNC=minimal IMPL=c ends with bottlenecks, ranked proposals from measured data, flame graph and report paths" {
	run lpmake profile FUNC=minimal IMPL=c N=5 PROFILE_PERF_COLD=5
	assert_status 0
	assert_contains "bottlenecks of minimal-c"
	assert_contains "top proposals for minimal-c"
	assert_contains "flame graphs: $RES/minimal-c/init.svg"
	assert_contains "report:       $RES/minimal-c/report.md"
	local d="$RES/minimal-c"
	[ -s "$d/init.svg" ] && [ -s "$d/hotspots.ndjson" ] && [ -s "$d/syscalls.ndjson" ] && [ -s "$d/alloc.ndjson" ]
	assert_ndjson "$d/bottlenecks.ndjson"
	assert_ndjson "$d/proposals.ndjson"
	# the init share comes from these 5 cold starts
	local init
	init=$(jq -s '[.[] | select(.start=="cold" and .status=="ok") | .init_ms] | sort | .[2]' "$d/invocations.ndjson")
	assert_jq "[.[] | select(.rule==\"init_share\")] | length == 0 or (.[0].impact_ms - $init | fabs) < 1e-9" "$d/bottlenecks.ndjson"
	# proposals with a gain have a share or measured basis and a validate command
	assert_jq 'all(.[] | select(.gain_ms != null); (.gain_kind | IN("share","measured")) and (.validate | startswith("make ")))' "$d/proposals.ndjson"
	grep -q '^## Where it goes' "$d/report.md"
	grep -q '^## What to change first' "$d/report.md"
	grep -q "$d/init.svg" "$d/report.md"
}

@test "make validate with a sweep variant and APPLIED reports the proposal confirmed or not, with numbers" {
	lpmake sweep FUNC=minimal IMPL=c SWEEP_N=3 >/dev/null 2>&1
	lpmake measure FUNC=minimal IMPL=c N=8 >/dev/null 2>&1
	lpmake baseline FUNC=minimal IMPL=c >/dev/null 2>&1
	lpmake proposals FUNC=minimal IMPL=c >/dev/null 2>&1
	[ -s "$RES/minimal-c/proposals.ndjson" ]
	# the build proposal with the largest measured gain (init_share fires on
	# any minimal cold start; build-best-variant answers it from the sweep)
	local id variant
	id=$(jq -rs '[.[] | select(.gain_kind == "measured")] | max_by(.gain_ms).proposal' "$RES/minimal-c/proposals.ndjson")
	variant=$(jq -rs '[.[] | select(.gain_kind == "measured")] | max_by(.gain_ms).variant' "$RES/minimal-c/proposals.ndjson")
	[ "$id" != null ] && [ "$variant" != null ]
	run lpmake validate FUNC=minimal IMPL=c N=8 VARIANT="$variant" APPLIED="$id"
	# confirmed or not is a measurement, both are answers; validate exits 0,
	# or 1 when a gate of ci/gates/minimal.gates fails on this loaded machine
	[ "$status" -le 1 ] || { printf '%s\n' "$output" >&2; return 1; }
	local v="$RES/minimal-c/validation.ndjson"
	assert_ndjson "$v"
	assert_jq "length == 1 and .[0].proposal == \"$id\" and (.[0].verdict | IN(\"confirmed\",\"not confirmed\"))
	  and (.[0].measured_change_ms | type == \"number\") and (.[0].base_p50 | type == \"number\") and (.[0].expected_gain_ms | type == \"number\")" "$v"
	printf '%s\n' "$output" | grep -Eq "^$id +(confirmed|not confirmed) "
	# the variant's bootstrap is what was measured
	cmp "$RES/minimal-c/taskroot/bootstrap" "$LP_BUILD/sweep/$variant/minimal-c/bootstrap"
}

@test "make validate-interleaved measures a variant and the current build in one interleaved run and judges the proposal" {
	lpmake sweep FUNC=minimal IMPL=c SWEEP_N=3 >/dev/null 2>&1
	lpmake measure FUNC=minimal IMPL=c N=3 >/dev/null 2>&1
	lpmake proposals FUNC=minimal IMPL=c >/dev/null 2>&1
	local id variant
	id=$(jq -rs '[.[] | select(.gain_kind == "measured")] | max_by(.gain_ms).proposal' "$RES/minimal-c/proposals.ndjson")
	variant=$(jq -rs '[.[] | select(.gain_kind == "measured")] | max_by(.gain_ms).variant' "$RES/minimal-c/proposals.ndjson")
	jq -e -s "[.[] | select(.proposal == \"$id\")][0].validate | startswith(\"make validate-interleaved FUNC=minimal IMPL=c VARIANT=$variant APPLIED=$id\")" "$RES/minimal-c/proposals.ndjson"
	run lpmake validate-interleaved FUNC=minimal IMPL=c N=4 VARIANT="$variant" APPLIED="$id"
	[ "$status" -le 2 ] # make turns lp-propose's 1 (not confirmed) into 2
	local d="$RES/minimal-c/validate-interleaved"
	[ "$(jq -s length "$d/current/invocations.ndjson")" -eq 4 ] && [ "$(jq -s length "$d/variant/invocations.ndjson")" -eq 4 ]
	cmp "$d/variant/taskroot/bootstrap" "$LP_BUILD/sweep/$variant/minimal-c/bootstrap"
	cmp "$d/current/taskroot/bootstrap" "$LP_BUILD/sweep/os-dynamic/minimal-c/bootstrap"
	assert_jq "length == 1 and .[0].proposal == \"$id\" and (.[0].verdict | IN(\"confirmed\",\"not confirmed\")) and .[0].n_base == 4 and .[0].n_cand == 4" "$d/validation.ndjson"
	if jq -e -s '.[0].verdict == "confirmed"' "$d/validation.ndjson" >/dev/null; then [ "$status" -eq 0 ]; else [ "$status" -eq 2 ]; fi
	run lpmake validate-interleaved FUNC=minimal IMPL=c APPLIED="$id"
	assert_status 2
	assert_contains "VARIANT=name"
}
