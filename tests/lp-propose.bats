#!/usr/bin/env bats
# lp-propose: proposals from bottlenecks with stated gain bases, the
# catalogue as data, the markdown report, the sweep summary (Pareto front),
# confirm (validation of applied proposals), bad input.

load helpers

setup() {
	TMP=$(mktemp -d)
	REAL="$FIXTURES/bottleneck/minimal-c.ndjson"
	lp-bottleneck "$REAL" >"$TMP/b.ndjson"
}

teardown() {
	rm -rf "$TMP"
}

# variant NAME CURRENT INIT_MS_LIST FILE_BYTES SETTINGS_JSON -> a variant dir
variant() {
	local d="$TMP/sw/$1"
	mkdir -p "$d"
	jq -nc --arg v "$1" --argjson cur "$2" --argjson s "$5" \
	  '{type:"sweep_config",func:"minimal",impl:"c",variant:$v,settings:$s,current:$cur,apply:("flags of " + $v)}' >"$d/variant.json"
	: >"$d/invocations.ndjson"
	local i=0
	for ms in $3; do
		i=$((i + 1))
		jq -nc --argjson ms "$ms" --argjson i "$i" '{type:"invocation",run_id:"r",func:"minimal",impl:"c",platform:"local",
		  arch:"x86_64",memory_mb:128,seq:$i,env:$i,env_seq:1,start:"cold",status:"ok",init_ms:$ms,duration_ms:0.1,
		  max_memory_used_mb:2,rss_peak_kb:1500}' >>"$d/invocations.ndjson"
	done
	jq -nc --argjson b "$4" '{type:"binary",path:"x",file_bytes:$b,zip_bytes:($b/2),static:false}' >"$d/size.ndjson"
}

# Three C variants, 12 cold starts each: the current one; a faster, larger
# one; a slower, larger one (dominated by the current one).
three_variants() {
	variant os-dynamic true "2.0 2.1 1.9 2.05 1.95 2.2 1.8 2.0 2.1 1.9 2.0 2.0" 18800 '{"opt":"s","link":"dynamic"}'
	variant os-static false "1.0 1.1 0.9 1.05 0.95 1.2 0.8 1.0 1.1 0.9 1.0 1.0" 875560 '{"opt":"s","link":"static"}'
	variant o2-dynamic false "2.5 2.6 2.4 2.55 2.45 2.7 2.3 2.5 2.6 2.4 2.5 2.5" 22880 '{"opt":"2","link":"dynamic"}'
}

@test "lp-propose --help prints usage and exits 0" {
	run lp-propose --help
	assert_status 0
	assert_contains "usage: lp-propose"
	assert_contains "sweep"
	assert_contains "confirm"
}

@test "proposals answer the measured bottlenecks, each with layer, change, gain basis, effort, priority and validate command" {
	run lp-propose "$TMP/b.ndjson"
	assert_status 0
	assert_ndjson
	assert_jq 'length > 0 and all(.[]; .type == "proposal" and (.layer | IN("transpiler","runtime","build","handler"))
	  and (.change | length > 20) and (.effort | IN("S","M","L")) and (.validate | length > 10)
	  and (.gain_basis | length > 10) and (.bottlenecks | length >= 1))'
	# a null gain always says why
	assert_jq 'all(.[]; .gain_ms != null or (.gain_ms_reason | length > 0))'
}

@test "a share gain is the bottleneck's measured impact times the catalogue's stated fraction" {
	run lp-propose "$TMP/b.ndjson"
	assert_status 0
	local impact
	impact=$(jq -s '[.[] | select(.rule=="dynamic_loader")][0].impact_ms' "$TMP/b.ndjson")
	# build-static-c: gain: share 1.0 (no sweep in the input)
	assert_jq "[.[] | select(.proposal==\"build-static-c\")][0] | .gain_kind == \"share\" and (.gain_ms - $impact | fabs) < 1e-9 and (.assumption | length > 0) and (.gain_basis | test(\"x 1.00\"))"
	# runtime-fewer-init-syscalls: gain: share 0.3
	impact=$(jq -s '[.[] | select(.rule=="syscall_count" and .phase=="init")][0].impact_ms' "$TMP/b.ndjson")
	assert_jq "[.[] | select(.proposal==\"runtime-fewer-init-syscalls\")][0] | (.gain_ms - 0.3 * $impact | fabs) < 1e-9"
}

@test "priority is gain / effort (S 1, M 2, L 4) and proposals are ranked by it" {
	run lp-propose "$TMP/b.ndjson"
	assert_status 0
	assert_jq 'all(.[] | select(.priority != null); (.priority - .gain_ms / ({"S":1,"M":2,"L":4}[.effort]) | fabs) < 1e-9)'
	assert_jq '[.[].rank] == [range(1; length + 1)]'
	assert_jq '[.[] | select(.priority != null) | .priority] as $p | $p == ($p | sort | reverse)'
	assert_jq '(map(.priority == null) | index(true)) as $i | $i == null or all(.[$i:][]; .priority == null)'
}

@test "without sweep results a build proposal says how to measure it, never a made-up number" {
	run lp-propose "$TMP/b.ndjson"
	assert_status 0
	assert_jq '[.[] | select(.proposal=="build-musl-c")][0] | .gain_ms == null and (.gain_ms_reason | test("make sweep")) and (.validate | test("^make sweep FUNC=minimal IMPL=c"))'
}

@test "with sweep results a build proposal carries the measured change and its CI" {
	three_variants
	lp-propose sweep "$TMP"/sw/* >"$TMP/sweep.ndjson"
	run lp-propose "$TMP/b.ndjson" "$TMP/sweep.ndjson"
	assert_status 0
	local want
	want=$(jq -s '[.[] | select(.variant=="os-static")][0] | -.init_ms_p50_delta' "$TMP/sweep.ndjson")
	assert_jq "[.[] | select(.proposal==\"build-static-c\")][0] | .gain_kind == \"measured\" and .variant == \"os-static\"
	  and (.gain_ms - $want | fabs) < 1e-9 and (.gain_ci95 | length == 2) and .significant == true
	  and (.gain_basis | test(\"^measured: sweep variant os-static vs current os-dynamic\"))
	  and (.validate | test(\"VARIANT=os-static APPLIED=build-static-c\"))"
	# it ranks first: the largest gain at the smallest effort
	assert_jq '.[0].proposal == "build-static-c"'
	# o2 is measured slower: its proposal keeps the negative gain, has no
	# priority and ranks after every proposal with one
	assert_jq '[.[] | select(.proposal=="build-O2-c")][0] | .gain_ms < 0 and .significant and .priority == null and (.priority_reason | test("measured slower"))'
	assert_jq '(map(.proposal) | index("build-O2-c")) > (map(.priority != null) | rindex(true))'
}

@test "a measured change whose CI includes 0 gets no priority" {
	variant os-dynamic true "2.0 2.1 1.9 2.05 1.95 2.2 1.8 2.0 2.1 1.9 2.0 2.0" 18800 '{"opt":"s","link":"dynamic"}'
	variant os-static false "2.0 2.1 1.9 2.05 1.95 2.2 1.8 2.0 2.1 1.9 2.0 1.99" 875560 '{"opt":"s","link":"static"}'
	lp-propose sweep "$TMP"/sw/* >"$TMP/sweep.ndjson"
	run lp-propose "$TMP/b.ndjson" "$TMP/sweep.ndjson"
	assert_status 0
	assert_jq '[.[] | select(.proposal=="build-static-c")][0] | .significant == false and .priority == null and (.priority_reason | test("not significant"))'
}

@test "adding an entry to a copy of the catalogue changes the output without recompiling (--catalogue and LP_SHARE)" {
	cp "$LP_SHARE/proposals/catalogue" "$TMP/catalogue"
	cat >>"$TMP/catalogue" <<-'EOF'

	id: test-prelink-libc
	answers: dynamic_loader
	layer: build
	title: Test entry for {func}-{impl}
	change: Prelink the bootstrap against libc ({location}).
	effort: L
	gain: share 0.25
	assumption: a quarter of the loader's time is relocation
	validate: make validate FUNC={func} IMPL={impl} APPLIED={id}
	EOF
	run lp-propose "$TMP/b.ndjson"
	assert_status 0
	assert_jq 'map(.proposal) | index("test-prelink-libc") == null'
	run lp-propose --catalogue "$TMP/catalogue" "$TMP/b.ndjson"
	assert_status 0
	local impact
	impact=$(jq -s '[.[] | select(.rule=="dynamic_loader")][0].impact_ms' "$TMP/b.ndjson")
	assert_jq "[.[] | select(.proposal==\"test-prelink-libc\")][0] | .title == \"Test entry for minimal-c\"
	  and (.gain_ms - 0.25 * $impact | fabs) < 1e-9 and .effort == \"L\" and .validate == \"make validate FUNC=minimal IMPL=c APPLIED=test-prelink-libc\""
	mkdir -p "$TMP/share/proposals"
	cp "$TMP/catalogue" "$TMP/share/proposals/catalogue"
	LP_SHARE="$TMP/share" run lp-propose "$TMP/b.ndjson"
	assert_status 0
	assert_jq 'map(.proposal) | index("test-prelink-libc") != null'
}

@test "a catalogue entry matches on bottleneck fields: the loader and the kernel are not proposed for lazy initialization" {
	for sm in "init_tables:bootstrap" "_dl_relocate_object:ld-linux-x86-64.so.2" "clear_page_erms:[kernel.kallsyms]"; do
		jq -nc --arg s "${sm%%:*}" --arg m "${sm#*:}" '{type:"bottleneck",schema:1,rule:"cpu_hotspot",category:"cpu",phase:"init",
		  location:($s + " (" + $m + ")"),symbol:$s,module:$m,value:20,unit:"pct",threshold:5,impact_ms:0.4,impact_basis:"test",
		  id:("cpu_hotspot/init/" + $s),func:"minimal",impl:"rust"}'
	done >"$TMP/hot.ndjson"
	run lp-propose "$TMP/hot.ndjson"
	assert_status 0
	assert_jq '[.[] | select(.proposal=="runtime-lazy-init") | .bottlenecks[0]] == ["cpu_hotspot/init/init_tables"]'
	assert_jq '[.[] | select(.proposal=="runtime-lazy-init")][0] | .title == "Initialize init_tables lazily, on first use" and .gain_ms == 0.4'
	# handler-hot-function wants module=bootstrap: one proposal, for init_tables
	assert_jq '[.[] | select(.proposal=="handler-hot-function") | .bottlenecks[0]] == ["cpu_hotspot/init/init_tables"]'
}

@test "a bad catalogue exits 2 with the file and line" {
	printf 'id: x\nanswers: init_share\nlayer: build\ntitle: t\nchange: c\neffort: S\nbogus: 1\n' >"$TMP/cat1"
	run lp-propose --catalogue "$TMP/cat1" "$TMP/b.ndjson"
	assert_status 2
	assert_contains "$TMP/cat1:7: unknown field 'bogus'"
	printf 'id: x\nanswers: init_share\nlayer: build\ntitle: t\nchange: c\neffort: XL\nvalidate: v\ngain: share 0.5\nassumption: a\n' >"$TMP/cat2"
	run lp-propose --catalogue "$TMP/cat2" "$TMP/b.ndjson"
	assert_status 2
	assert_contains "effort 'XL' is not S, M or L"
	printf 'id: x\nanswers: init_share\nlayer: build\ntitle: t\nchange: c\neffort: S\nvalidate: v\ngain: share 0.5\n' >"$TMP/cat3"
	run lp-propose --catalogue "$TMP/cat3" "$TMP/b.ndjson"
	assert_status 2
	assert_contains "needs its 'assumption:'"
	printf 'id: x\nanswers: init_share\nlayer: compiler\ntitle: t\nchange: c\neffort: S\nvalidate: v\ngain: none\n' >"$TMP/cat4"
	run lp-propose --catalogue "$TMP/cat4" "$TMP/b.ndjson"
	assert_status 2
	assert_contains "layer 'compiler'"
	run lp-propose --catalogue "$TMP/missing" "$TMP/b.ndjson"
	assert_status 3
}

@test "the markdown report has the cold start, where it goes, what to change first, and how to validate" {
	three_variants
	lp-propose sweep "$TMP"/sw/* >"$TMP/sweep.ndjson"
	run lp-propose --format markdown "$TMP/b.ndjson" "$TMP/sweep.ndjson" "$REAL"
	assert_status 0
	assert_contains "# Cold start of minimal-c"
	assert_contains "## The cold start"
	assert_contains "| cold start (init + first invocation) p50 |"
	assert_contains "## Where it goes"
	assert_contains "| 1 | init_share | init |"
	assert_contains "Rules without the data they need"
	assert_contains '`cache_miss_rate`: no cache-miss rate'
	assert_contains "## What to change first"
	assert_contains "### 1. Link statically with glibc (-static): no dynamic loader"
	assert_contains "- **Validate**: \`make validate FUNC=minimal IMPL=c"
	assert_contains "## Build variants"
	assert_contains "| os-static | 12 |"
	assert_contains "## How to validate"
	# the sections come in reading order
	local a b c d
	a=$(printf '%s\n' "$output" | grep -n '^## The cold start' | cut -d: -f1)
	b=$(printf '%s\n' "$output" | grep -n '^## Where it goes' | cut -d: -f1)
	c=$(printf '%s\n' "$output" | grep -n '^## What to change first' | cut -d: -f1)
	d=$(printf '%s\n' "$output" | grep -n '^## How to validate' | cut -d: -f1)
	[ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] && [ "$c" -lt "$d" ]
	# the cold start numbers are the records' (5 cold starts in the fixture)
	assert_contains "5 cold starts measured, 5 with status ok."
}

@test "the table format shows the top N proposals with their basis and validate command" {
	run lp-propose --format table -n 2 "$TMP/b.ndjson"
	assert_status 0
	assert_contains "top proposals for minimal-c"
	[ "$(printf '%s\n' "$output" | grep -c '   basis: ')" -eq 2 ]
	[ "$(printf '%s\n' "$output" | grep -c '   validate: ')" -eq 2 ]
}

@test "lp-propose sweep: medians, change against the current build, sizes and the Pareto front" {
	three_variants
	run lp-propose sweep "$TMP"/sw/*
	assert_status 0
	assert_ndjson
	assert_jq 'length == 3 and all(.[]; .type == "sweep_variant" and .n == 12)'
	assert_jq '[.[] | select(.current)] | length == 1 and .[0].variant == "os-dynamic" and .[0].init_ms_p50_delta == 0'
	assert_jq '[.[] | select(.variant=="os-static")][0] | .init_ms_p50 == 1.0 and .init_ms_p50_delta == -1.0 and (.init_ms_p50_delta_ci95[1] < 0) and .file_bytes == 875560 and .zip_bytes == 437780'
	# Pareto (init p50, size): os-dynamic (small) and os-static (fast) are on it; o2-dynamic is dominated by os-dynamic
	assert_jq '[.[] | select(.pareto) | .variant] | sort == ["os-dynamic","os-static"]'
	# 12 values give a median CI but no p99 CI: null with a reason
	assert_jq '.[0] | (.init_ms_p50_ci95 | length == 2) and .init_ms_p99_ci95 == null and (.init_ms_p99_ci95_reason | test("too few"))'
	run lp-propose sweep --format table "$TMP"/sw/*
	assert_status 0
	assert_contains "Pareto front"
	assert_contains "(current)"
	printf '%s\n' "$output" | grep -E '^o2-dynamic ' | grep -vq pareto
	printf '%s\n' "$output" | grep -E '^os-static ' | grep -q pareto
}

@test "lp-propose sweep rejects two current variants and a bad variant.json" {
	three_variants
	jq -c '.current = true' "$TMP/sw/os-static/variant.json" >"$TMP/v" && mv "$TMP/v" "$TMP/sw/os-static/variant.json"
	run lp-propose sweep "$TMP"/sw/*
	assert_status 2
	assert_contains "a second current variant"
	echo '{"type":"sweep_config"}' >"$TMP/sw/os-static/variant.json"
	run lp-propose sweep "$TMP"/sw/*
	assert_status 2
	assert_contains "variant.json"
}

# comparison FIELD VERDICT BASE_P50 CAND_P50 LO HI (ratio CI)
comparison() {
	jq -nc --arg f "$1" --arg v "$2" --argjson b "$3" --argjson c "$4" --argjson lo "$5" --argjson hi "$6" \
	  '{type:"comparison",group:{func:"minimal",memory_mb:128},field:$f,base:{n:30,p50:$b},cand:{n:30,p50:$c},
	    median_ratio:($c/$b),median_ratio_ci95:[$lo,$hi],median_change_pct:(100*($c/$b-1)),mw_p:0.001,
	    verdict:$v,verdict_reason:"test"}'
}

@test "confirm: an applied proposal is confirmed when lp-stats says faster, with the measured change in ms and its CI" {
	lp-propose "$TMP/b.ndjson" >"$TMP/p.ndjson"
	comparison init_ms faster 2.0 1.5 0.7 0.8 >"$TMP/c.ndjson"
	run lp-propose confirm --applied build-static-c "$TMP/p.ndjson" "$TMP/c.ndjson"
	assert_status 0
	assert_jq '.[0] | .type == "validation" and .verdict == "confirmed" and .proposal == "build-static-c"
	  and .measured_change_ms == -0.5 and (.measured_change_ci95[0] - -0.6 | fabs) < 1e-9 and (.measured_change_ci95[1] - -0.4 | fabs) < 1e-9
	  and (.expected_gain_ms > 0)'
}

@test "confirm: no change or slower is not confirmed and exits 1; the table says so" {
	lp-propose "$TMP/b.ndjson" >"$TMP/p.ndjson"
	comparison init_ms "no change" 2.0 1.98 0.9 1.05 >"$TMP/c.ndjson"
	run lp-propose confirm --applied build-static-c,runtime-fewer-init-syscalls "$TMP/p.ndjson" "$TMP/c.ndjson"
	assert_status 1
	assert_jq 'length == 2 and all(.[]; .verdict == "not confirmed")'
	run lp-propose confirm --format table --applied build-static-c "$TMP/p.ndjson" "$TMP/c.ndjson"
	assert_status 1
	assert_contains "not confirmed"
	assert_contains "-0.020"
}

@test "confirm: an unknown proposal, no comparison or no --applied is a usage or input error" {
	lp-propose "$TMP/b.ndjson" >"$TMP/p.ndjson"
	comparison init_ms faster 2.0 1.5 0.7 0.8 >"$TMP/c.ndjson"
	run lp-propose confirm --applied no-such-proposal "$TMP/p.ndjson" "$TMP/c.ndjson"
	assert_status 2
	assert_contains "no proposal 'no-such-proposal'"
	run lp-propose confirm --applied build-static-c "$TMP/p.ndjson"
	assert_status 2
	assert_contains "no comparison records"
	run lp-propose confirm "$TMP/p.ndjson" "$TMP/c.ndjson"
	assert_status 2
}

@test "an input without bottleneck records exits 2; a malformed line names its file and line" {
	run lp-propose "$REAL"
	assert_status 2
	assert_contains "run lp-bottleneck first"
	{ head -1 "$TMP/b.ndjson"; echo '{oops'; } >"$TMP/bad"
	run lp-propose "$TMP/bad"
	assert_status 2
	assert_contains "$TMP/bad:2:"
}
