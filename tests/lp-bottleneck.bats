#!/usr/bin/env bats
# lp-bottleneck: every rule at, just under and just over its threshold;
# rules without data; thresholds changed on the command line; evidence and
# impact from the measured records; bad input.

load helpers

setup() {
	TMP=$(mktemp -d)
	REAL="$FIXTURES/bottleneck/minimal-c.ndjson"
}

teardown() {
	rm -rf "$TMP"
}

# --- record makers (the numbers each test checks are visible at the call) --

# inv INIT_MS DURATION_MS [jq assignments...]: one ok cold invocation.
inv() {
	local init=$1 dur=$2
	shift 2
	local extra=${1:-.}
	jq -nc --argjson i "$init" --argjson d "$dur" '{type:"invocation",schema:1,run_id:"r-inv",func:"f",impl:"c",
	  platform:"local",arch:"x86_64",memory_mb:128,seq:1,env:1,env_seq:1,start:"cold",status:"ok",
	  init_ms:$i,duration_ms:$d,max_memory_used_mb:10,
	  counters:{init:{task_clock_ms:1,page_faults_minor:10,page_faults_major:0,syscalls:10},
	            invoke:{task_clock_ms:0.1,page_faults_minor:1,page_faults_major:0,syscalls:2}}}' | jq -c "$extra"
}

# profile SAMPLES_INIT: the lp-perfrec run header (20 kHz, 10 cold starts).
profile() {
	jq -nc --argjson s "$1" '{type:"profile",run_id:"r-perf",func:"f",impl:"c",platform:"local",arch:"x86_64",
	  memory_mb:128,cold_starts:10,cold_starts_ok:10,event:"cpu-clock",freq_hz:20000,samples_init:$s,samples_invoke:0,
	  init_ms_median:2.0,duration_ms_median:0.1}'
}

# hot PHASE SYMBOL MODULE SELF_SAMPLES SELF_PCT PHASE_SAMPLES
hot() {
	jq -nc --arg p "$1" --arg s "$2" --arg m "$3" --argjson n "$4" --argjson pct "$5" --argjson ps "$6" \
	  '{type:"hotspot",run_id:"r-perf",func:"f",impl:"c",platform:"local",arch:"x86_64",memory_mb:128,phase:$p,rank:1,
	    symbol:$s,module:$m,self_samples:$n,total_samples:$n,self_pct:$pct,total_pct:$pct,phase_samples:$ps}'
}

count_rule() { # count_rule RULE FILE -> number of bottleneck records of RULE
	jq -s --arg r "$1" '[.[] | select(.type=="bottleneck" and .rule==$r)] | length' "$2"
}

run_bn() { # run_bn FILE [ARGS] -> $TMP/out.ndjson
	local f=$1
	shift
	run lp-bottleneck "$@" "$f"
	assert_status 0
	printf '%s\n' "$output" >"$TMP/out.ndjson"
}

# at / under / over: a rule fires only strictly over its threshold.
check3() { # check3 RULE AT UNDER OVER (files)
	run_bn "$2"; [ "$(count_rule "$1" "$TMP/out.ndjson")" -eq 0 ] || { echo "$1 fired exactly at its threshold" >&2; cat "$TMP/out.ndjson" >&2; return 1; }
	run_bn "$3"; [ "$(count_rule "$1" "$TMP/out.ndjson")" -eq 0 ] || { echo "$1 fired under its threshold" >&2; return 1; }
	run_bn "$4"; [ "$(count_rule "$1" "$TMP/out.ndjson")" -eq 1 ] || { echo "$1 did not fire over its threshold" >&2; cat "$TMP/out.ndjson" >&2; return 1; }
}

@test "lp-bottleneck --help prints usage and exits 0" {
	run lp-bottleneck --help
	assert_status 0
	assert_contains "usage: lp-bottleneck"
	assert_contains "--rule NAME=VALUE"
}

@test "lp-bottleneck --list-rules lists all nine rules with their default thresholds" {
	run lp-bottleneck --list-rules
	assert_status 0
	for r in cpu_hotspot:5% alloc_count:1000 syscall_count:100 cache_miss_rate:10% binary_size:100KiB \
		 init_share:50% dynamic_loader:10% init_page_faults:1000 memory_limit:80%; do
		printf '%s\n' "$output" | grep -Eq "^${r%%:*} +${r#*:} " || { echo "missing: $r" >&2; return 1; }
	done
	[ "$(printf '%s\n' "$output" | grep -cE '^[a-z_]+ +[0-9]')" -eq 9 ]
}

@test "lp-bottleneck --list-rules shows a changed threshold with a star" {
	run lp-bottleneck --list-rules --rule cpu_hotspot=7.5% --rule memory_limit=off
	assert_status 0
	printf '%s\n' "$output" | grep -Eq '^cpu_hotspot +7.5%\* '
	printf '%s\n' "$output" | grep -Eq '^memory_limit +off '
}

@test "cpu_hotspot fires over 5 % of samples only (5, 4.99, 5.01)" {
	{ profile 1000; hot init sym_at m 50 5 1000; } >"$TMP/at"
	{ profile 1000; hot init sym_under m 49 4.99 1000; } >"$TMP/under"
	{ profile 1000; hot init sym_over m 51 5.01 1000; } >"$TMP/over"
	check3 cpu_hotspot "$TMP/at" "$TMP/under" "$TMP/over"
	assert_jq '.[] | select(.rule=="cpu_hotspot") | .symbol == "sym_over" and .module == "m" and .phase == "init"' "$TMP/out.ndjson"
}

@test "cpu_hotspot's impact is its share of the phase's samples x the phase's unsampled CPU time, in ms and % of the cold start" {
	{ inv 2.4 0.1 '.counters.init.task_clock_ms = 1.5'; profile 1000; hot init busy bootstrap 60 6 1000; } >"$TMP/in"
	run_bn "$TMP/in"
	# 60 of 1000 init samples x 1.5 ms of init CPU time = 0.09 ms; cold start 2.5 ms -> 3.6 %
	assert_jq '[.[] | select(.rule=="cpu_hotspot")][0] | (.impact_ms - 0.09 | fabs) < 1e-9 and (.impact_pct - 3.6 | fabs) < 1e-9 and (.cold_start_ms - 2.5 | fabs) < 1e-9 and (.impact_basis | test("task_clock_ms"))' "$TMP/out.ndjson"
	assert_jq '[.[] | select(.rule=="cpu_hotspot")][0].evidence | map(.record) | index("hotspot") != null and index("profile") != null' "$TMP/out.ndjson"
}

@test "without invocation counters a hotspot's impact is self_samples / freq_hz / cold_starts of the sampled run" {
	{ profile 1000; hot init busy bootstrap 60 6 1000; } >"$TMP/in"
	run_bn "$TMP/in"
	# 60 samples / 20000 Hz / 10 starts = 0.3 ms; cold start from the profile record: 2.0 + 0.1 ms
	assert_jq '[.[] | select(.rule=="cpu_hotspot")][0] | (.impact_ms - 0.3 | fabs) < 1e-9 and (.cold_start_ms - 2.1 | fabs) < 1e-9 and (.impact_basis | test("freq_hz"))' "$TMP/out.ndjson"
}

@test "alloc_count fires over 1000 allocations per invocation only (1000, 999, 1001)" {
	for v in 1000 999 1001; do
		jq -nc --argjson c "$v" '{type:"alloc",run_id:"r-a",func:"f",impl:"c",phase:"invoke",cold_starts:10,
		  alloc:{alloc_calls:($c*10),alloc_calls_per_start:$c,bytes_per_start:100,peak_live_bytes:100}}' >"$TMP/a$v"
	done
	check3 alloc_count "$TMP/a1000" "$TMP/a999" "$TMP/a1001"
	assert_jq '[.[] | select(.rule=="alloc_count")][0] | .phase == "invoke" and .value == 1001 and .impact_ms == null and (.impact_ms_reason | test("hotspot"))' "$TMP/out.ndjson"
}

@test "alloc_count times the allocations with the allocator's hotspot samples" {
	{ inv 1.9 0.1; profile 1000; hot invoke malloc libc.so.6 20 10 200; hot invoke _int_free libc.so.6 10 5 200;
	  hot invoke handler bootstrap 100 50 200
	  jq -nc '{type:"alloc",run_id:"r-perf",func:"f",impl:"c",phase:"invoke",cold_starts:10,alloc:{alloc_calls_per_start:5000}}'; } >"$TMP/in"
	run_bn "$TMP/in"
	# (20 + 10) samples / 20000 Hz / 10 starts = 0.15 ms (profile: no samples_invoke, so no share)
	assert_jq '[.[] | select(.rule=="alloc_count")][0] | (.impact_ms - 0.15 | fabs) < 1e-9' "$TMP/out.ndjson"
}

@test "syscall_count fires over 100 syscalls per cold start only (100, 99, 101)" {
	for v in 100 99 101; do inv 1 1 ".counters.init.syscalls = $v" >"$TMP/s$v"; done
	check3 syscall_count "$TMP/s100" "$TMP/s99" "$TMP/s101"
	assert_jq '[.[] | select(.rule=="syscall_count")][0] | .phase == "init" and .value == 101' "$TMP/out.ndjson"
}

@test "syscall_count's impact is the syscalls' share of the traced init (without execve) x the untraced init" {
	{ inv 1.9 0.1 '.counters.init.syscalls = 300'
	  jq -nc '{type:"profile",run_id:"s",func:"f",impl:"c",cold_starts:10,syscalls:true,init_ms_median:4.0,duration_ms_median:0.2}'
	  jq -nc '{type:"syscall",run_id:"s",func:"f",impl:"c",phase:"init",name:"execve",calls_per_start:1,errors:0,time_per_start_ms:0.7,cold_starts:10}'
	  jq -nc '{type:"syscall",run_id:"s",func:"f",impl:"c",phase:"init",name:"openat",calls_per_start:97,errors:950,time_per_start_ms:0.12,cold_starts:10}'
	  jq -nc '{type:"syscall",run_id:"s",func:"f",impl:"c",phase:"init",name:"mmap",calls_per_start:8,errors:0,time_per_start_ms:0.08,cold_starts:10}'; } >"$TMP/in"
	run_bn "$TMP/in"
	# (0.12 + 0.08) / 4.0 traced init x 1.9 ms untraced init = 0.095 ms
	assert_jq '[.[] | select(.rule=="syscall_count")][0] | (.impact_ms - 0.095 | fabs) < 1e-9 and (.location | test("openat x97 \\(95 failed\\)"))' "$TMP/out.ndjson"
}

@test "cache_miss_rate fires over 10 % only (10, 9.9, 10.1) where the counters exist" {
	for p in "10 100" "99 1000" "101 1000"; do
		set -- $p
		inv 1 1 ".counters.init.cache_misses = $1 | .counters.init.cache_references = $2" >"$TMP/c$1"
	done
	check3 cache_miss_rate "$TMP/c10" "$TMP/c99" "$TMP/c101"
}

@test "cache_miss_rate without hardware counters gives a skipped record with the counter's reason" {
	run_bn "$REAL"
	assert_jq '[.[] | select(.type=="skipped" and .rule=="cache_miss_rate")][0].reason | test("no hardware PMU")' "$TMP/out.ndjson"
	[ "$(count_rule cache_miss_rate "$TMP/out.ndjson")" -eq 0 ]
}

@test "binary_size fires over 100 KiB only (102400, 102399, 102401 bytes)" {
	for v in 102400 102399 102401; do
		jq -nc --argjson b "$v" '{type:"binary",path:"/x/bootstrap",file_bytes:$b,zip_bytes:1000,static:false,interpreter:"/lib64/ld-linux-x86-64.so.2"}' >"$TMP/b$v"
	done
	check3 binary_size "$TMP/b102400" "$TMP/b102399" "$TMP/b102401"
	assert_jq '[.[] | select(.rule=="binary_size")][0] | .impact_ms == null and (.impact_ms_reason | test("make sweep"))' "$TMP/out.ndjson"
}

@test "init_share fires over 50 % of the cold start only (50/50, 49.9/50.1, 50.1/49.9 ms)" {
	inv 50 50 >"$TMP/at"
	inv 49.9 50.1 >"$TMP/under"
	inv 50.1 49.9 >"$TMP/over"
	check3 init_share "$TMP/at" "$TMP/under" "$TMP/over"
	assert_jq '[.[] | select(.rule=="init_share")][0] | (.impact_ms - 50.1 | fabs) < 1e-9 and (.impact_pct - 50.1 | fabs) < 1e-9' "$TMP/out.ndjson"
}

@test "dynamic_loader fires over 10 % of init samples in the loader only (10, 9, 11 of 100)" {
	for v in 10 9 11; do
		{ profile 100; hot init _dl_relocate_object ld-linux-x86-64.so.2 "$v" "$v" 100; hot init main bootstrap $((100 - v)) $((100 - v)) 100; } >"$TMP/d$v"
	done
	check3 dynamic_loader "$TMP/d10" "$TMP/d9" "$TMP/d11"
	# 11 samples / 20000 Hz / 10 starts = 0.055 ms
	assert_jq '[.[] | select(.rule=="dynamic_loader")][0] | (.impact_ms - 0.055 | fabs) < 1e-9' "$TMP/out.ndjson"
	# with the invocations' init CPU time: 11 of 100 samples x 2 ms = 0.22 ms
	{ inv 3 0.1 '.counters.init.task_clock_ms = 2'; cat "$TMP/d11"; } >"$TMP/d11i"
	run_bn "$TMP/d11i"
	assert_jq '[.[] | select(.rule=="dynamic_loader")][0] | (.impact_ms - 0.22 | fabs) < 1e-9' "$TMP/out.ndjson"
}

@test "dynamic_loader is skipped for a static binary: there is no loader" {
	{ jq -nc '{type:"binary",path:"/x/bootstrap",file_bytes:1000,static:true}'; profile 100; hot init _dl_relocate_static_pie bootstrap 50 50 100; } >"$TMP/in"
	run_bn "$TMP/in"
	assert_jq '[.[] | select(.type=="skipped" and .rule=="dynamic_loader")][0].reason | test("static binary")' "$TMP/out.ndjson"
}

@test "init_page_faults fires over 1000 faults per cold start only (990+10, 989+10, 991+10)" {
	for v in 990 989 991; do inv 1 1 ".counters.init.page_faults_minor = $v | .counters.init.page_faults_major = 10" >"$TMP/p$v"; done
	check3 init_page_faults "$TMP/p990" "$TMP/p989" "$TMP/p991"
}

@test "memory_limit fires over 80 % of the configured memory only (800, 799, 801 of 1000 MB)" {
	for v in 800 799 801; do inv 1 1 ".memory_mb = 1000 | .max_memory_used_mb = $v" >"$TMP/m$v"; done
	check3 memory_limit "$TMP/m800" "$TMP/m799" "$TMP/m801"
}

@test "--rule changes a threshold: 4.99 % fires at cpu_hotspot=4%, 1001 allocations do not at alloc_count=2000" {
	{ profile 1000; hot init sym m 49 4.99 1000; } >"$TMP/h"
	run_bn "$TMP/h" --rule cpu_hotspot=4%
	[ "$(count_rule cpu_hotspot "$TMP/out.ndjson")" -eq 1 ]
	assert_jq '[.[] | select(.rule=="cpu_hotspot")][0] | .threshold == 4 and .threshold_default == false' "$TMP/out.ndjson"
	jq -nc '{type:"alloc",run_id:"r",func:"f",impl:"c",phase:"invoke",alloc:{alloc_calls_per_start:1001}}' >"$TMP/a"
	run_bn "$TMP/a" --rule alloc_count=2000
	[ "$(count_rule alloc_count "$TMP/out.ndjson")" -eq 0 ]
}

@test "--rule binary_size takes binary size units: 310KB does not fire on 307 KiB, 300000 bytes does" {
	jq -nc '{type:"binary",path:"/x/b",file_bytes:314664,static:false}' >"$TMP/b"
	run_bn "$TMP/b" --rule binary_size=310KB
	[ "$(count_rule binary_size "$TMP/out.ndjson")" -eq 0 ]
	run_bn "$TMP/b" --rule binary_size=300000
	[ "$(count_rule binary_size "$TMP/out.ndjson")" -eq 1 ]
}

@test "--rule NAME=off disables a rule: no finding and no skipped record" {
	inv 90 10 >"$TMP/i"
	run_bn "$TMP/i" --rule init_share=off
	[ "$(count_rule init_share "$TMP/out.ndjson")" -eq 0 ]
	assert_jq '[.[] | select(.rule=="init_share")] | length == 0' "$TMP/out.ndjson"
}

@test "--rule with a wrong unit, an unknown rule or no value exits 2" {
	run lp-bottleneck --rule cpu_hotspot=5KB "$REAL"
	assert_status 2
	assert_contains "not a percentage"
	run lp-bottleneck --rule alloc_count=10% "$REAL"
	assert_status 2
	run lp-bottleneck --rule no_such_rule=1 "$REAL"
	assert_status 2
	assert_contains "no rule 'no_such_rule'"
	run lp-bottleneck --rule cpu_hotspot "$REAL"
	assert_status 2
	run lp-bottleneck --rule cpu_hotspot=150% "$REAL"
	assert_status 2
}

@test "a rule without the data it needs gives no finding and a skipped record with the reason" {
	inv 1 1 >"$TMP/i"
	run_bn "$TMP/i"
	for r in cpu_hotspot alloc_count binary_size dynamic_loader; do
		[ "$(count_rule $r "$TMP/out.ndjson")" -eq 0 ]
		assert_jq "[.[] | select(.type==\"skipped\" and .rule==\"$r\")] | length == 1 and (.[0].reason | length > 10) and (.[0].needs | length > 5)" "$TMP/out.ndjson"
	done
	assert_jq '[.[] | select(.type=="skipped" and .rule=="cpu_hotspot")][0].reason | test("make perf")' "$TMP/out.ndjson"
	assert_jq '[.[] | select(.type=="skipped" and .rule=="binary_size")][0].reason | test("make size")' "$TMP/out.ndjson"
}

@test "on a real run of the C minimal lambda: init share, syscalls and the dynamic loader, ranked by measured impact" {
	run_bn "$REAL"
	assert_ndjson "$TMP/out.ndjson"
	assert_jq 'map(select(.type=="bottleneck")) | length >= 3' "$TMP/out.ndjson"
	assert_jq 'map(select(.type=="bottleneck")) | map(.rule) | (index("init_share") != null and index("syscall_count") != null and index("dynamic_loader") != null)' "$TMP/out.ndjson"
	# ranks 1..n in order of impact; nulls last
	assert_jq 'map(select(.type=="bottleneck")) | [.[].rank] == [range(1; length + 1)]' "$TMP/out.ndjson"
	assert_jq 'map(select(.type=="bottleneck" and .impact_ms != null)) | [.[].impact_ms] as $v | $v == ($v | sort | reverse)' "$TMP/out.ndjson"
	# every finding says which rule and threshold fired, with evidence pointing at input lines
	assert_jq 'map(select(.type=="bottleneck")) | all(.[]; (.condition | length > 0) and (.threshold | type == "number") and (.evidence | length > 0))' "$TMP/out.ndjson"
	assert_jq '[.[] | select(.rule=="dynamic_loader")][0].evidence[0].at | test("minimal-c.ndjson:[0-9]+$")' "$TMP/out.ndjson"
	# impact_ms null always comes with a reason
	assert_jq 'map(select(.type=="bottleneck" and .impact_ms == null)) | all(.[]; .impact_ms_reason | length > 0)' "$TMP/out.ndjson"
}

@test "the table format prints aligned rows and the skipped rules" {
	run lp-bottleneck --format table "$REAL"
	assert_status 0
	assert_contains "bottlenecks of minimal-c"
	assert_contains "IMPACT_MS"
	assert_contains "skipped cache_miss_rate"
	[[ "$output" != *$'\033['* ]]
	run lp-bottleneck --format table -n 2 "$REAL"
	assert_status 0
	[ "$(printf '%s\n' "$output" | grep -cE '^ +[0-9]+  [a-z_]+ ')" -eq 2 ]
	assert_contains "more in the NDJSON output"
}

@test "--gate exits 1 when a bottleneck is found and 0 when none is" {
	run lp-bottleneck --gate "$REAL"
	assert_status 1
	inv 1 1 >"$TMP/i"
	run lp-bottleneck --gate "$TMP/i"
	assert_status 0
}

@test "a malformed line exits 2 and names the file and line" {
	{ inv 1 1; echo '{"type": "invocation", broken'; } >"$TMP/bad"
	run lp-bottleneck "$TMP/bad"
	assert_status 2
	assert_contains "$TMP/bad:2:"
}

@test "records of two functions are an input error naming both places" {
	{ inv 1 1; inv 1 1 '.func = "other"'; } >"$TMP/mixed"
	run lp-bottleneck "$TMP/mixed"
	assert_status 2
	assert_contains "$TMP/mixed:2: func 'other'"
	assert_contains "one function at a time"
}

@test "an input without any record lp-bottleneck reads exits 2" {
	echo '{"type":"summary"}' >"$TMP/other"
	run lp-bottleneck "$TMP/other"
	assert_status 2
	assert_contains "no invocation"
	run lp-bottleneck </dev/null
	assert_status 2
}

@test "a record without a type exits 2 with its line" {
	{ inv 1 1; echo '{"func":"f"}'; } >"$TMP/notype"
	run lp-bottleneck "$TMP/notype"
	assert_status 2
	assert_contains "notype:2: record without a \"type\""
}
