#!/usr/bin/env bats
# lp-perfrec: sampling, phase tagging, symbolization, outputs, syscalls,
# allocations, hostile targets, agreement with perf, the SVG in Chromium.
load helpers

T="$LP_TEST_BIN/perfrec"

setup() {
	OUT=$(mktemp -d)
}

teardown() {
	rm -rf "$OUT"
}

# Run lp-perfrec with a deadline: a hang is a failure, never a wait.
perfrec() {
	run timeout 300 lp-perfrec "$@"
}

@test "lp-perfrec --help prints usage and exits 0" {
	perfrec --help
	assert_status 0
	assert_contains "usage: lp-perfrec"
	assert_contains "--cold N"
	assert_contains "--syscalls"
}

@test "lp-perfrec exits 2 on an unknown option, a missing target and a task root without bootstrap" {
	perfrec --bogus "$T/fib"
	assert_status 2
	perfrec /nonexistent/taskroot
	assert_status 2
	assert_contains "/nonexistent/taskroot"
	perfrec "$OUT"
	assert_status 2
	assert_contains "no bootstrap"
	perfrec --cold 0 "$T/fib"
	assert_status 2
}

@test "lp-perfrec exits 2 on a malformed event file and names the file and line" {
	printf '{"a":\n' >"$OUT/ev.json"
	perfrec --event "$OUT/ev.json" --cold 1 "$T/fib"
	assert_status 2
	assert_contains "$OUT/ev.json:"
}

@test "lp-perfrec samples a CPU-bound handler: fib is the top invoke hotspot with its source line" {
	perfrec --cold 10 --top 0 --func fib --impl c "$T/fib"
	assert_status 0
	assert_ndjson
	# measurement labels on every record
	assert_jq 'all(.[]; .run_id and .func == "fib" and .impl == "c" and .platform == "local" and .arch and .memory_mb == 128)'
	assert_jq '.[0].type == "profile" and .[0].cold_starts_ok == 10 and .[0].samples_lost == 0'
	# no PMU here: cpu-clock with the reason cycles were not used (or cycles)
	assert_jq '.[0].event == "cycles" or (.[0].event == "cpu-clock" and (.[0].cycles_reason | test("CPU_CYCLES")))'
	assert_jq '.[0].samples_init > 0 and .[0].samples_invoke > 0'
	assert_jq '[.[] | select(.type == "hotspot" and .phase == "invoke")] | .[0] | .symbol == "fib" and .module == "bootstrap" and (.file | endswith("tests/perfrec/fn.c")) and .line > 0 and .self_pct > 50 and .total_pct >= .self_pct'
	# main calls handler calls fib: total covers callers
	assert_jq '[.[] | select(.type == "hotspot" and .phase == "invoke" and .symbol == "handler")] | .[0].total_pct > 50'
}

@test "lp-perfrec --out writes folded stacks, SVGs, speedscope JSON and hotspots that agree" {
	perfrec --cold 8 --out "$OUT" "$T/fib"
	assert_status 0
	for f in hotspots.ndjson init.folded invoke.folded init.svg invoke.svg speedscope.json; do
		[ -s "$OUT/$f" ] || { echo "missing $f"; return 1; }
	done
	assert_ndjson "$OUT/hotspots.ndjson"
	# Brendan Gregg's format: frames;... COUNT
	run grep -cvE '^[^ ].* [0-9]+$' "$OUT/invoke.folded"
	[ "$output" = 0 ]
	# the folded counts add up to the phase's samples
	inv=$(awk '{ n += $NF } END { print n }' "$OUT/invoke.folded")
	ini=$(awk '{ n += $NF } END { print n }' "$OUT/init.folded")
	assert_jq ".[0].samples_invoke == $inv and .[0].samples_init == $ini" "$OUT/hotspots.ndjson"
	grep -q ';handler;fib;fib' "$OUT/invoke.folded"
	# speedscope: two sampled profiles whose weights add up likewise
	jq -e ".profiles | length == 2 and (.[1].name == \"invoke\") and ((.[1].weights | add) == $inv) and (.[0].type == \"sampled\")" "$OUT/speedscope.json" >/dev/null
	# SVGs are well-formed XML with a frame per node and the script
	python3 -c 'import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg"); assert len(r.findall("{http://www.w3.org/2000/svg}g")) > 10' "$OUT/invoke.svg"
	grep -q '<script' "$OUT/init.svg"
}

@test "lp-perfrec counts a known number of syscalls exactly, per phase" {
	perfrec --cold 4 --no-sample --syscalls "$T/known"
	assert_status 0
	assert_ndjson
	# 33 getppid in init, 777 in the handler, per cold start
	assert_jq '[.[] | select(.type == "syscall" and .name == "getppid")] | map({(.phase): .calls}) | add == {"init": 132, "invoke": 3108}'
	assert_jq '[.[] | select(.type == "syscall" and .phase == "init" and .name == "execve")] | .[0].calls == 4 and .[0].time_ms > 0'
	assert_jq '[.[] | select(.type == "syscall" and .phase == "init")] | map(.name) | contains(["mmap", "openat", "socket", "connect"])'
	assert_jq 'all(.[] | select(.type == "syscall"); (.time_ms == null) == (.time_ms_reason != null))'
}

@test "lp-perfrec counts a known number of allocations exactly, per phase" {
	perfrec --cold 3 --no-sample --alloc "$T/known"
	assert_status 0
	assert_ndjson
	assert_jq '[.[] | select(.type == "alloc" and .phase == "init")] | .[0].alloc | .calls.malloc == 150 and .calls.free == 150 and .bytes == 15000 and .small == 150'
	assert_jq '[.[] | select(.type == "alloc" and .phase == "invoke")] | .[0].alloc | .calls.malloc == 306 and .calls.calloc == 30 and .calls.realloc == 15 and .calls.posix_memalign == 9 and .calls.aligned_alloc == 6 and .calls.free == 351 and .bytes == 380586 and .large == 3 and .peak_live_bytes >= 100000'
}

@test "lp-perfrec reports alloc null with the reason for a static binary, never zeros" {
	perfrec --cold 2 --alloc "$T/known-static"
	assert_status 0
	assert_jq '[.[] | select(.type == "alloc")] | length == 2 and all(.[]; .alloc == null and (.alloc_reason | test("static")))'
	# sampling still works on it
	assert_jq '.[0].samples_init > 0'
}

@test "lp-perfrec gives a stripped binary's frames a module and a reason instead of a name" {
	perfrec --cold 4 "$T/fib-stripped"
	assert_status 0
	assert_jq '[.[] | select(.type == "hotspot" and .phase == "invoke")] | .[0] | .symbol == null and (.symbol_reason | length > 0) and .module == "bootstrap" and .file == null and .file_reason != null'
}

@test "lp-perfrec follows a #!/bin/sh bootstrap that execs the real binary" {
	perfrec --cold 4 "$T/script"
	assert_status 0
	assert_jq '[.[] | select(.type == "hotspot" and .phase == "invoke")] | .[0] | .symbol == "fib" and .module == "real"'
}

@test "lp-perfrec samples threads and forked children of the bootstrap" {
	perfrec --cold 3 "$T/threads"
	assert_status 0
	assert_jq '[.[] | select(.type == "hotspot" and .phase == "init" and .symbol == "fib")] | .[0].self_samples > 0'
	perfrec --cold 3 "$T/fork"
	assert_status 0
	assert_jq '[.[] | select(.type == "hotspot" and .phase == "init" and .symbol == "fib")] | .[0].self_samples > 0'
}

@test "lp-perfrec exits 2 with a clear error when the bootstrap exits at once, keeping the profile record" {
	perfrec --cold 3 --alloc "$T/exit"
	assert_status 2
	assert_contains "no cold start succeeded"
	printf '%s\n' "$output" | grep '^{' >"$OUT/o.ndjson"
	assert_jq '.[0] | select(.type == "profile") | .cold_starts_ok == 0 and .status_counts.runtime_exit == 3 and .init_ms_median == null and .init_ms_median_reason != null' "$OUT/o.ndjson"
	assert_jq 'all(.[] | select(.type == "alloc"); .alloc == null and .alloc_reason != null)' "$OUT/o.ndjson"
}

@test "lp-perfrec exits 3 when the allocation shim is missing" {
	LP_ALLOC_SO=/nonexistent/lp-alloc.so perfrec --cold 1 --alloc "$T/fib"
	assert_status 3
	assert_contains "/nonexistent/lp-alloc.so"
}

@test "lp-perfrec's top hotspot and its share agree with perf report within 5 points" {
	command -v perf >/dev/null || { echo "perf (linux-perf) missing"; return 1; }
	# Same binary, same cold starts: perf record samples lp-perfrec's run.
	# User code only on both sides: perf's per-comm view cannot see the
	# kernel's exec work that lp-perfrec counts in init.  The sandbox's
	# copy of the binary is gone when perf reports: give perf its build-id.
	export PERF_BUILDID_DIR="$OUT/buildid"
	perf buildid-cache --add "$T/fib/bootstrap"
	run timeout 300 perf record -q --buildid-mmap -e cpu-clock:u -F 20000 -g \
		-o "$OUT/perf.data" -- "$LP_REL_BIN/lp-perfrec" --user-only --cold 20 "$T/fib"
	assert_status 0
	printf '%s\n' "$output" | grep '^{' >"$OUT/ours.ndjson"
	run perf report -i "$OUT/perf.data" --comm bootstrap --no-children --sort sym \
		--stdio -q -g none -n
	assert_status 0
	top=$(printf '%s\n' "$output" | awk 'NF >= 4 && $1 ~ /%$/ { print $2, $4; exit }')
	run perf report -i "$OUT/perf.data" --comm bootstrap --no-children --sort comm \
		--stdio -q -g none -n
	assert_status 0
	all=$(printf '%s\n' "$output" | awk '$1 ~ /%$/ && $3 == "bootstrap" { print $2; exit }')
	echo "perf: top $top of $all samples"
	[ "${top#* }" = fib ]
	perf_pct=$(awk -v a="${top% *}" -v n="$all" 'BEGIN { print 100 * a / n }')
	ours=$(jq -s '(.[0].samples_init + .[0].samples_invoke + .[0].samples_outside) as $n | ([.[] | select(.type == "hotspot" and .symbol == "fib") | .self_samples] | add) * 100 / $n' "$OUT/ours.ndjson")
	top_ours=$(jq -rs '[.[] | select(.type == "hotspot")] | max_by(.self_samples) | .symbol' "$OUT/ours.ndjson")
	echo "perf: $perf_pct%  lp-perfrec: $ours% (top: $top_ours)"
	[ "$top_ours" = fib ]
	awk -v a="$perf_pct" -v b="$ours" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 5) }'
}

@test "the flame graph works in headless Chromium: search prints the matched share, click zooms, screenshot shows the highlight" {
	command -v chromium >/dev/null || { echo "chromium missing"; return 1; }
	perfrec --cold 8 --out "$OUT" "$T/fib"
	assert_status 0
	want=$(jq -s '[.[] | select(.type == "hotspot" and .phase == "invoke" and .symbol == "fib")][0].total_pct * 100 | round / 100' "$OUT/hotspots.ndjson")
	chrome=(chromium --headless --no-sandbox --disable-gpu --no-first-run
		--disable-background-networking --disable-component-update --disable-sync
		--user-data-dir="$OUT/chrome")
	run timeout 120 "${chrome[@]}" --dump-dom "file://$OUT/invoke.svg#s=%5Efib%24"
	assert_status 0
	got=$(printf '%s\n' "$output" | sed -n 's/.*Matched: \([0-9.]*\)%.*/\1/p' | head -1)
	echo "matched $got, hotspot total $want"
	awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 0.011) }'
	# clicking "handler" zooms: it spans the full width, frames beside it hide
	run timeout 120 "${chrome[@]}" --dump-dom "file://$OUT/invoke.svg#z=handler"
	assert_status 0
	assert_contains 'data-zoom="handler"'
	printf '%s\n' "$output" | grep -o '<g class="f"[^>]*><title>handler ([^<]*</title><rect [^>]*>' | grep -q 'width="1180.00"'
	printf '%s\n' "$output" | grep -q 'style="display: none;"'
	# a screenshot with the search highlight (magenta) drawn
	run timeout 120 "${chrome[@]}" --window-size=1200,900 --screenshot="$OUT/shot.png" "file://$OUT/invoke.svg#s=fib"
	assert_status 0
	run python3 "$LP_ROOT/tests/perfrec/pngcount.py" "$OUT/shot.png" 230 0 230
	assert_status 0
	echo "magenta pixels: $output"
	[ "$output" -gt 1000 ]
}

@test "lp-perfrec exits 3 naming perf_event_paranoid when an unprivileged user may not sample the kernel" {
	paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)
	run timeout 120 setpriv --reuid=65534 --regid=65534 --clear-groups \
		env TMPDIR=/tmp ASAN_OPTIONS="$ASAN_OPTIONS" lp-perfrec --cold 1 "$T/fib"
	if [ "$paranoid" -ge 2 ]; then
		# kernel sampling needs paranoid <= 1 (or CAP_PERFMON)
		assert_status 3
		assert_contains "perf_event_paranoid"
	else
		assert_status 0
	fi
}

@test "lp-perfrec gives a Rust profiling build whole, named call chains (segments not at their page offset)" {
	boot="$LP_BUILD/lambdas-profiling/minimal-rust/bootstrap"
	[ -x "$boot" ] || { echo "missing $boot (make lambda-profiling FUNC=minimal IMPL=rust)"; return 1; }
	perfrec --cold 20 --out "$OUT" --event "$LP_SHARE/events/minimal.json" "$boot"
	assert_status 0
	# main -> the crate's main -> the runtime loop, demangled, with sources
	grep -q '^__libc_start_call_main;main;.*minimal::main;lp_runtime::run;lp_runtime::Runtime::serve' "$OUT/invoke.folded"
	assert_jq '[.[] | select(.type == "hotspot" and .symbol == "lp_runtime::Runtime::serve")][0] | .total_pct > 50 and (.file | endswith("lib.rs"))' "$OUT/hotspots.ndjson"
}

@test "lp-perfrec bounds a runtime that never calls /next by the init timeout, with null phase samples" {
	SECONDS=0
	perfrec --cold 2 --init-timeout 0.5 --env LP_RT_MODE=hang_init "$LP_TEST_BIN/rt"
	assert_status 2
	[ "$SECONDS" -lt 60 ]
	printf '%s\n' "$output" | grep '^{' >"$OUT/o.ndjson"
	assert_jq '.[0] | .status_counts.init_timeout == 2 and .samples_init == null and (.samples_init_reason | test("first /next")) and .samples_invoke == null' "$OUT/o.ndjson"
}
