#!/usr/bin/env bats
# lp-stats: summaries, comparisons, gates, formats, bad input.
# Expected numbers come from tests/fixtures/stats/reference.py (Python
# standard library) or by hand, as noted; see tests/fixtures/stats/README.md.
load helpers
bats_require_minimum_version 1.5.0

S="$FIXTURES/stats"

# near A B [REL] — |A - B| <= REL * |B| (default 1e-6)
near() {
	awk -v a="$1" -v b="$2" -v r="${3:-1e-6}" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; if (m == 0) m = 1; exit !(d <= r * m) }' ||
		{ echo "got $1, want $2" >&2; return 1; }
}

@test "lp-stats --help prints usage and exits 0" {
	run --separate-stderr lp-stats --help
	assert_status 0
	assert_contains "usage: lp-stats"
	assert_contains "compare"
}

@test "lp-stats summarizes 1..10 with hand-checkable mean, percentiles and CIs" {
	run --separate-stderr lp-stats -f init_ms "$S/small.ndjson"
	assert_status 0
	rec=$(printf '%s\n' "$output" | grep '"type":"summary"')
	# mean 5.5, sd 3.0276503541 (statistics.stdev), p90 9.1, p95 9.55,
	# p99 9.91 (numpy linear: h = 9p), t CI [3.334149410, 7.665850590]
	near "$(jq .mean <<<"$rec")" 5.5
	near "$(jq .stddev <<<"$rec")" 3.0276503541
	near "$(jq .p50 <<<"$rec")" 5.5
	near "$(jq .p90 <<<"$rec")" 9.1
	near "$(jq .p95 <<<"$rec")" 9.55
	near "$(jq .p99 <<<"$rec")" 9.91
	near "$(jq '.mean_ci95[0]' <<<"$rec")" 3.334149410
	near "$(jq '.mean_ci95[1]' <<<"$rec")" 7.665850590
	# order statistics x(2), x(9); coverage 1 - 2*11/1024
	jq -e '.median_ci95 == [2,9] and .median_ci_coverage == 0.978515625 and .median_ci_method == "order-statistic (binomial)"' <<<"$rec"
	jq -e '.min == 1 and .max == 10 and .n == 10 and .percentile_method == "linear (numpy default)"' <<<"$rec"
}

@test "lp-stats counts non-ok records per status and excludes them from timings" {
	run --separate-stderr lp-stats -f init_ms "$S/small.ndjson"
	assert_status 0
	assert_jq '.[] | select(.type == "summary") | .records == 12 and .excluded == 1 and .excluded_by_status == {"error":1} and .n_null == 1 and .n == 10'
	assert_contains "1 of 12 records excluded"
}

@test "lp-stats warns in the record and on stderr when n < 30 and CV > 5 %" {
	run --separate-stderr lp-stats -f init_ms "$S/small.ndjson"
	assert_status 0
	printf '%s\n' "$output" | jq -e 'select(.type == "summary") | (.warnings | map(test("n = 10 < 30")) | any) and (.warnings | map(test("CV 55.0 %")) | any)'
	[[ "$stderr" == *"n = 10 < 30"* ]]
	[[ "$stderr" == *"CV 55.0 % > 5 %"* ]]
}

@test "lp-stats says on stderr how many records of other types it ignored" {
	run --separate-stderr lp-stats "$S/small.ndjson"
	assert_status 0
	[[ "$stderr" == *"ignored 1 record not of type invocation (summary: 1)"* ]]
}

@test "lp-stats summarizes a nested field by its dotted path" {
	run --separate-stderr lp-stats -f counters.init.syscalls "$S/small.ndjson"
	assert_status 0
	# syscalls 40..49 on the cold records plus 41 on the warm one: 11 values,
	# median 44 (the 6th of 11), mean 486/11
	assert_jq '.[] | select(.type == "summary") | .field == "counters.init.syscalls" and .n == 11 and .p50 == 44 and .min == 40 and .max == 49 and .unit == null'
	near "$(printf '%s\n' "$output" | jq .mean)" 44.181818182
}

@test "lp-stats reports outliers by modified Z-score and keeps them in the statistics" {
	printf '%s\n' 4.8 4.9 5.0 5.0 5.1 5.2 9.0 1.0 | awk '{ printf "{\"type\":\"invocation\",\"status\":\"ok\",\"func\":\"f\",\"impl\":\"c\",\"memory_mb\":128,\"platform\":\"local\",\"init_ms\":%s}\n", $1 }' >"$BATS_TEST_TMPDIR/o.ndjson"
	run --separate-stderr lp-stats -f init_ms "$BATS_TEST_TMPDIR/o.ndjson"
	assert_status 0
	# reference.py: MAD 0.15, M = +-17.987 for 9.0 and 1.0
	assert_jq '.[] | select(.type == "summary") | .outliers == 2 and .outliers_low == 1 and .outliers_high == 1 and .outlier_values == [1,9] and .n == 8 and .min == 1 and .max == 9'
}

@test "a summary does not depend on the input order" {
	run --separate-stderr lp-stats -F csv "$S/two.ndjson" "$S/three.ndjson"
	assert_status 0
	a=$output
	cat "$S/three.ndjson" "$S/two.ndjson" | tac >"$BATS_TEST_TMPDIR/rev.ndjson"
	run --separate-stderr lp-stats -F csv "$BATS_TEST_TMPDIR/rev.ndjson"
	assert_status 0
	[ "$a" = "$output" ] || { diff <(echo "$a") <(echo "$output") >&2; false; }
}

@test "lp-stats compare gives Welch, Mann-Whitney and Fieller values that match the reference" {
	run --separate-stderr lp-stats compare -f init_ms impl=a impl=b "$S/kat.ndjson"
	assert_status 0
	rec=$output
	# reference.py: welch t df p 2.2085333248 18.4195783051 0.0401016679
	near "$(jq .welch_t <<<"$rec")" 2.2085333248
	near "$(jq .welch_df <<<"$rec")" 18.4195783051
	near "$(jq .welch_p <<<"$rec")" 0.0401016679 1e-5
	# MW A B: u1 32, z -1.8174057605, p 0.0691550064
	near "$(jq .mw_u <<<"$rec")" 32
	near "$(jq .mw_z <<<"$rec")" -1.8174057605
	near "$(jq .mw_p <<<"$rec")" 0.0691550064
	# fieller B/A 1.6969696970 [1.0291175138, 2.8868970372]
	near "$(jq .mean_ratio <<<"$rec")" 1.6969696970
	near "$(jq '.mean_ratio_ci95[0]' <<<"$rec")" 1.0291175138 1e-5
	near "$(jq '.mean_ratio_ci95[1]' <<<"$rec")" 2.8868970372 1e-5
	# medians 5.5 and 8.5 (hand)
	near "$(jq .median_ratio <<<"$rec")" 1.5454545455
	# Mann-Whitney decides: p 0.069 >= 0.05 -> no change, and the
	# disagreement with Welch (p 0.040) is reported
	jq -e '.verdict == "no change" and .verdict_test == "mann-whitney" and (.warnings | map(test("disagree")) | any)' <<<"$rec"
	[[ "$stderr" == *"disagree"* ]]
}

@test "a compare of a set with itself says no change with p = 1" {
	run --separate-stderr lp-stats compare "$S/two.ndjson" "$S/two.ndjson"
	assert_status 0
	assert_jq 'map(select(.type == "comparison")) | length == 2 and all(.[]; .verdict == "no change" and .mw_p == 1 and .welch_p == 1 and .median_change_pct == 0)'
	assert_jq '.[] | select(.field == "init_ms") | .median_ratio_ci95[0] <= 1 and .median_ratio_ci95[1] >= 1'
}

@test "lp-stats compare calls c faster than rust on the two-group fixture, with CIs" {
	run --separate-stderr lp-stats compare -f init_ms impl=rust impl=c "$S/two.ndjson"
	assert_status 0
	assert_jq '.[0] | .verdict == "faster" and .mw_p < 0.001 and .median_change_pct < -25 and .median_ratio_ci95[1] < 1 and .mean_ratio_ci95[1] < 1 and .base.group == {"func":"minimal","memory_mb":128}'
	run --separate-stderr lp-stats compare -f init_ms impl=c impl=rust "$S/two.ndjson"
	assert_jq '.[0].verdict == "slower"'
}

@test "--min-effect turns a significant but small change into no change" {
	run --separate-stderr lp-stats compare -f init_ms --min-effect 50% impl=rust impl=c "$S/two.ndjson"
	assert_status 0
	assert_jq '.[0] | .verdict == "no change" and (.verdict_reason | test("minimum effect"))'
}

@test "lp-stats reports relative speed for three groups like hyperfine" {
	run --separate-stderr lp-stats -f init_ms "$S/two.ndjson" "$S/three.ndjson"
	assert_status 0
	assert_jq 'map(select(.type == "relative")) | length == 3 and (map(select(.fastest)) | length == 1 and .[0].group.impl == "c")'
	assert_jq '.[] | select(.type == "relative" and .group.impl == "ruchy") | .ratio > 1.7 and .ratio < 2 and .ratio_sd > 0 and .ratio_ci95[0] < .ratio and .ratio < .ratio_ci95[1]'
	run --separate-stderr lp-stats -F table -f init_ms "$S/two.ndjson" "$S/three.ndjson"
	assert_contains "minimal c 128 is fastest"
	assert_contains "times faster than minimal ruchy 128"
}

@test "gates at, just under and just over the threshold" {
	# p50 of 1..10 is exactly 5.5
	run --separate-stderr lp-stats -f init_ms -g 'p50(init_ms) <= 5.5' "$S/small.ndjson"
	assert_status 0
	run --separate-stderr lp-stats -f init_ms -g 'p50(init_ms) < 5.5' "$S/small.ndjson"
	assert_status 1
	run --separate-stderr lp-stats -f init_ms -g 'p50(init_ms) < 5.5001' "$S/small.ndjson"
	assert_status 0
	run --separate-stderr lp-stats -f init_ms -g 'p50(init_ms) < 5.4999' "$S/small.ndjson"
	assert_status 1
	assert_jq '.[] | select(.type == "gate") | .pass == false and .value == 5.5 and .threshold == 5.4999 and .metric == "p50" and .op == "<" and .unit == "ms" and .group.impl == "rust"'
	run --separate-stderr lp-stats -g 'mean(duration_ms) <= 2' -g 'p99(init_ms) < 15' -g 'max(init_ms) >= 10' "$S/small.ndjson"
	assert_status 0
	assert_jq 'map(select(.type == "gate")) | length == 3 and all(.[]; .pass)'
}

@test "a gate over a field with no data fails instead of passing" {
	run --separate-stderr lp-stats -g 'p50(init_ms) < 1000' "$S/allfail.ndjson" "$S/small.ndjson"
	assert_status 1
	assert_jq '.[] | select(.type == "gate" and .group.impl == "rust") | .pass'
	assert_jq '.[] | select(.type == "gate" and .group.impl == "go") | .pass == false'
	run --separate-stderr lp-stats -g 'p50(init_ms) < 1000' "$S/allfail.ndjson"
	assert_status 1
	assert_jq '.[] | select(.type == "gate") | .pass == false and .value == null and (.reason | test("no values"))'
	assert_jq '.[] | select(.type == "summary" and .field == "init_ms") | .n == 0 and .mean == null and .mean_reason == "no values in this group" and .excluded_by_status == {"timeout":2,"error":2}'
}

@test "regress() against a baseline: unchanged passes, a real slowdown fails" {
	run --separate-stderr lp-stats -f init_ms --baseline "$S/two.ndjson" -g 'regress(init_ms) < 5%' "$S/two.ndjson"
	assert_status 0
	assert_jq 'map(select(.type == "gate")) | length == 2 and all(.[]; .pass and .value == 0 and .p_value == 1)'
	# baseline: c's records relabelled rust, i.e. a baseline 32 % faster
	sed 's/"impl":"c"/"impl":"X"/; s/"impl":"rust"/"impl":"c"/; s/"impl":"X"/"impl":"rust"/' "$S/two.ndjson" >"$BATS_TEST_TMPDIR/swapped.ndjson"
	run --separate-stderr lp-stats -f init_ms --baseline "$BATS_TEST_TMPDIR/swapped.ndjson" -g 'regress(init_ms) < 5%' "$S/two.ndjson"
	assert_status 1
	assert_jq '.[] | select(.type == "gate" and .group.impl == "rust") | .pass == false and .value > 40 and .significant and .unit == "%"'
	assert_jq '.[] | select(.type == "gate" and .group.impl == "c") | .pass and .value < -25'
}

@test "regress() without a baseline fails with a reason" {
	run --separate-stderr lp-stats -g 'regress(init_ms) < 5%' "$S/small.ndjson"
	assert_status 1
	assert_jq '.[] | select(.type == "gate") | .pass == false and (.reason | test("baseline"))'
}

@test "an unparsable gate expression exits 2 and says what is wrong" {
	for g in 'p50(init_ms) <' 'p50 init_ms < 3' 'foo(init_ms) < 3' 'p50(init_ms) = 3' 'regress(init_ms) < 5' 'p50(init_ms) < 5%' 'p50(init_ms) < 3 x'; do
		run lp-stats -g "$g" "$S/small.ndjson"
		assert_status 2
		assert_contains "bad gate expression"
	done
}

@test "a gates file allows comments and names the file and line of a bad gate" {
	printf '# minimal\np50(init_ms) < 8   # the seed target\n\nmean(duration_ms) <= 2\n' >"$BATS_TEST_TMPDIR/g"
	run --separate-stderr lp-stats -G "$BATS_TEST_TMPDIR/g" "$S/small.ndjson"
	assert_status 0
	assert_jq 'map(select(.type == "gate")) | length == 2'
	printf 'p50(init_ms) < 8\np50(init_ms) <> 8\n' >"$BATS_TEST_TMPDIR/bad"
	run lp-stats -G "$BATS_TEST_TMPDIR/bad" "$S/small.ndjson"
	assert_status 2
	assert_contains "$BATS_TEST_TMPDIR/bad:2: bad gate expression"
}

@test "the ci/ gate files parse" {
	for f in "$LP_ROOT"/ci/gates/*.gates; do
		run --separate-stderr lp-stats --baseline "$S/two.ndjson" -G "$f" "$S/two.ndjson"
		[ "$status" -le 1 ] || { echo "$f: exit $status: $output" >&2; false; }
	done
}

@test "lp-stats exits 2 on a malformed line, names file and line, and writes nothing" {
	{ head -3 "$S/small.ndjson"; echo '{"type":"invocation","status":"ok",'; } >"$BATS_TEST_TMPDIR/bad.ndjson"
	run --separate-stderr lp-stats "$BATS_TEST_TMPDIR/bad.ndjson"
	assert_status 2
	[[ "$stderr" == *"bad.ndjson:4: malformed JSON at column"* ]]
	[ -z "$output" ]
}

@test "lp-stats exits 2 on NaN, infinity, a string, or a missing status, naming the field" {
	printf '{"type":"invocation","status":"ok","init_ms":1}\n{"type":"invocation","status":"ok","init_ms":NaN}\n' >"$BATS_TEST_TMPDIR/a"
	run lp-stats "$BATS_TEST_TMPDIR/a"
	assert_status 2
	assert_contains "a:2: field 'init_ms': malformed JSON at column 46: NaN is not a JSON number"
	printf '{"type":"invocation","status":"ok","init_ms":-Infinity}\n' >"$BATS_TEST_TMPDIR/b"
	run lp-stats "$BATS_TEST_TMPDIR/b"
	assert_status 2
	assert_contains "b:1: field 'init_ms'"
	printf '{"type":"invocation","status":"ok","init_ms":1e999}\n' >"$BATS_TEST_TMPDIR/c"
	run lp-stats "$BATS_TEST_TMPDIR/c"
	assert_status 2
	assert_contains "c:1: field 'init_ms': 1e999 is out of the range of a double"
	printf '{"type":"invocation","status":"ok","init_ms":"4.2"}\n' >"$BATS_TEST_TMPDIR/d"
	run lp-stats "$BATS_TEST_TMPDIR/d"
	assert_status 2
	assert_contains "d:1: field 'init_ms': found string \"4.2\", want a number"
	printf '{"type":"invocation","init_ms":4.2}\n' >"$BATS_TEST_TMPDIR/e"
	run lp-stats "$BATS_TEST_TMPDIR/e"
	assert_status 2
	assert_contains "e:1: field 'status': missing"
}

@test "lp-stats exits 2 on a misspelt field, empty input, or an empty compare group" {
	run lp-stats -f init_mss "$S/small.ndjson"
	assert_status 2
	assert_contains "field 'init_mss' is absent from every ok invocation record"
	run lp-stats </dev/null
	assert_status 2
	assert_contains "no invocation records"
	run lp-stats compare impl=rust impl=go "$S/two.ndjson"
	assert_status 2
	assert_contains "CAND has no invocation records"
	run lp-stats -F yaml "$S/small.ndjson"
	assert_status 2
}

@test "NDJSON output parses with jq and every record has a type" {
	run --separate-stderr lp-stats -g 'p50(init_ms) < 8' "$S/two.ndjson" "$S/three.ndjson"
	assert_status 0
	assert_ndjson
	assert_jq 'all(.[]; .type == "summary" or .type == "relative" or .type == "gate")'
}

@test "--format table is aligned and has no colour under NO_COLOR" {
	run --separate-stderr lp-stats -F table -g 'p50(init_ms) < 8' "$S/two.ndjson"
	assert_status 0
	[[ "$output" != *$'\033'* ]]
	# the last column is right-aligned: every row of the summary table is as
	# long as its header, and the header is not a ragged line
	printf '%s\n' "$output" | sed -n '/^GROUP/,/^$/p' | grep -v '^$' | awk 'NR == 1 { w = length($0) } length($0) != w { exit 1 } END { exit NR < 3 }'
	assert_contains "PASS"
}

@test "--format markdown writes pipe tables with a rule line" {
	run --separate-stderr lp-stats -F markdown "$S/two.ndjson"
	assert_status 0
	assert_contains "| GROUP"
	printf '%s\n' "$output" | grep -qE '^\| -+ \| -+ \| -+: \|'
}

@test "--format csv parses back with the same numbers" {
	run --separate-stderr lp-stats -F csv -f init_ms "$S/small.ndjson"
	assert_status 0
	line=$(printf '%s\n' "$output" | sed -n 2p)
	python3 -c 'import csv,sys; r = next(csv.reader([sys.argv[1]])); assert r[2] == "10" and float(r[3]) == 5.5 and float(r[10]) == 9.1, r' "$line"
}

@test "--format lambda-perf writes maxday/lambda-perf fields rounded to 3 decimals" {
	run --separate-stderr lp-stats -F lambda-perf "$S/aws.ndjson"
	assert_status 0
	# first 10 inits 10.0..14.5: acd 12.25; durations 1.0..1.9: ad 1.45 (hand)
	assert_jq '.[0] | .i == [10,10.5,11,11.5,12,12.5,13,13.5,14,14.5] and .m == 128 and .a == "x86_64" and .mu == 3 and .ad == 1.45 and .acd == 12.25 and .p == "zip" and (.r | test("local") | not) and (.d | type == "string")'
}

@test "--format lambda-perf refuses local records unless --allow-local, then says local" {
	run lp-stats -F lambda-perf "$S/small.ndjson"
	assert_status 2
	assert_contains "not aws"
	run --separate-stderr lp-stats -F lambda-perf --allow-local "$S/small.ndjson"
	assert_status 0
	assert_jq '.[0] | (.r | test("local")) and (.d | test("local")) and .acd == 5.5 and (.i | length) == 10'
}

@test "lp-stats reads stdin when no file is given" {
	run --separate-stderr bash -c "lp-stats -f init_ms <'$S/small.ndjson'"
	assert_status 0
	assert_jq '.[] | select(.type == "summary") | .mean == 5.5'
}

@test "make validate-gates passes on an unchanged baseline and fails when a gate is tightened below the measured value" {
	r="$BATS_TEST_TMPDIR/results"
	mkdir -p "$r/minimal-rust"
	grep '"impl":"rust"' "$S/two.ndjson" >"$r/minimal-rust/invocations.ndjson"
	run make -s -C "$LP_ROOT" baseline FUNC=minimal IMPL=rust LP_RESULTS="$r"
	assert_status 0
	cmp "$r/minimal-rust/invocations.ndjson" "$r/minimal-rust/baseline.ndjson"
	run make -s -C "$LP_ROOT" validate-gates FUNC=minimal IMPL=rust LP_RESULTS="$r"
	assert_status 0
	assert_contains "every gate passed"
	assert_jq 'map(select(.type == "gate")) | length == 2 and all(.[]; .pass)' "$r/minimal-rust/gates.ndjson"
	# p50 of the fixture is 3.98 ms: a gate at 3.9 is below it
	printf 'p50(init_ms) < 3.9\n' >"$BATS_TEST_TMPDIR/tight.gates"
	run make -s -C "$LP_ROOT" validate-gates FUNC=minimal IMPL=rust LP_RESULTS="$r" GATES="$BATS_TEST_TMPDIR/tight.gates"
	[ "$status" -ne 0 ]
	assert_contains "gate failed (lp-stats exit 1)"
	assert_jq 'map(select(.type == "gate")) | .[0] | .pass == false and .value > 3.9' "$r/minimal-rust/gates.ndjson"
}

@test "make ci-gates applies every function's gates and the pooled gates, and fails when one fails" {
	r="$BATS_TEST_TMPDIR/results"
	for f in minimal json_processing data_transform api_gateway db_query; do
		mkdir -p "$r/$f-rust"
		grep '"impl":"rust"' "$S/two.ndjson" | sed "s/\"func\":\"minimal\"/\"func\":\"$f\"/" >"$r/$f-rust/invocations.ndjson"
	done
	run make -s -C "$LP_ROOT" ci-gates IMPL=rust LP_RESULTS="$r"
	assert_status 0
	assert_contains "no baseline for minimal-rust: its regress() gates are not applied"
	assert_contains "every gate passed"
	assert_jq 'length == 5 and all(.[]; .type == "gate" and .pass)' "$r/ci/gates.ndjson"
	# minimal's seed target is p50 < 5 ms: a leading 1 makes every init_ms 10 ms more
	awk '{ sub(/"init_ms":/, "\"init_ms\":1"); print }' "$r/minimal-rust/invocations.ndjson" >"$r/x" && mv "$r/x" "$r/minimal-rust/invocations.ndjson"
	run make -s -C "$LP_ROOT" ci-gates IMPL=rust LP_RESULTS="$r"
	[ "$status" -ne 0 ]
	assert_contains "a gate failed"
}

@test "compare uses the exact Mann-Whitney p for small samples without ties" {
	for v in 1 2 3 4 5; do printf '{"type":"invocation","status":"ok","func":"f","impl":"a","memory_mb":128,"platform":"local","init_ms":%s}\n' "$v"; done >"$BATS_TEST_TMPDIR/e.ndjson"
	for v in 6 7 8 9 10; do printf '{"type":"invocation","status":"ok","func":"f","impl":"b","memory_mb":128,"platform":"local","init_ms":%s}\n' "$v"; done >>"$BATS_TEST_TMPDIR/e.ndjson"
	run --separate-stderr lp-stats compare -f init_ms impl=a impl=b "$BATS_TEST_TMPDIR/e.ndjson"
	assert_status 0
	# by hand: U = 0 is 1 of C(10,5) = 252 arrangements, two-sided p = 2/252
	near "$(jq .mw_p <<<"$output")" 0.0079365079
	assert_jq '.[0] | .mw_method == "exact (no ties, n <= 20 per side)" and .mw_u == 0 and .verdict == "slower"'
}
