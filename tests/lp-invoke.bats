#!/usr/bin/env bats
# lp-invoke: records, statuses, REPORT lines, environment, counters, limits.
# Every run is wrapped in `timeout`: lp-invoke must never hang.

load helpers

RT="$LP_TEST_BIN/rt"

setup() {
	[ -x "$RT" ] || { echo "missing $RT (make check builds it)" >&2; return 1; }
	EV="$BATS_TEST_TMPDIR/event.json"
	echo '{"hello":"world","n":1}' >"$EV"
	LOG="$BATS_TEST_TMPDIR/function.log"
	OUT="$BATS_TEST_TMPDIR/out.ndjson"
}

# inv [lp-invoke options...] — run with the test runtime, records in $OUT.
inv() {
	run timeout 60 lp-invoke --event "$EV" --log "$LOG" "$@" "$RT"
	printf '%s\n' "$output" >"$OUT"
}

mode() { echo "--env=LP_RT_MODE=$1"; }

@test "lp-invoke --help prints usage and exits 0" {
	run lp-invoke --help
	assert_status 0
	assert_contains "usage: lp-invoke [OPTIONS] TASKROOT|BOOTSTRAP"
	assert_contains "--cold-cache"
}

@test "lp-invoke exits 2 on usage errors" {
	run lp-invoke --event "$EV"
	assert_status 2
	assert_contains "missing TASKROOT"
	run lp-invoke --memory 64 --event "$EV" "$RT"
	assert_status 2
	assert_contains "--memory"
	run lp-invoke --platform mars --event "$EV" "$RT"
	assert_status 2
	run lp-invoke --env NOEQUALS --event "$EV" "$RT"
	assert_status 2
	run lp-invoke --event "$EV" "$BATS_TEST_TMPDIR/nothing-here"
	assert_status 2
}

@test "lp-invoke exits 2 when the task root has no bootstrap" {
	mkdir -p "$BATS_TEST_TMPDIR/empty"
	run lp-invoke --event "$EV" "$BATS_TEST_TMPDIR/empty"
	assert_status 2
	assert_contains "no bootstrap"
}

@test "lp-invoke exits 2 on a malformed event file and names file and line" {
	printf '{\n  "a": 1,\n  oops\n}\n' >"$BATS_TEST_TMPDIR/bad.json"
	run timeout 20 lp-invoke --event "$BATS_TEST_TMPDIR/bad.json" "$RT"
	assert_status 2
	assert_contains "bad.json:3:"
	[ -z "$(printf '%s' "$output" | grep '"type"')" ]
}

@test "lp-invoke exits 2 on a malformed stdin event after writing the earlier records whole" {
	run timeout 60 bash -c "printf '{\"a\":1}\n{\"a\":2}\nnot json\n{\"a\":4}\n' | lp-invoke --cold 1 --warm 3 --log '$LOG' '$RT' 2>'$BATS_TEST_TMPDIR/err'"
	assert_status 2
	[ "$(printf '%s\n' "$output" | jq -s length)" -eq 2 ]
	assert_ndjson
	grep -q '<stdin>:3' "$BATS_TEST_TMPDIR/err"
}

@test "a cold start writes one invocation record with every common field" {
	inv --func myfn --impl c --cold 1
	assert_status 0
	assert_ndjson
	assert_jq 'length == 1'
	assert_jq '.[0] | .type == "invocation" and .schema == 1 and .func == "myfn" and .impl == "c"
		and .platform == "local" and (.arch == "x86_64" or .arch == "arm64") and .memory_mb == 128
		and (.run_id | type == "string") and .seq == 1 and .env == 1 and .env_seq == 1
		and (.request_id | test("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"))
		and .start == "cold" and .cache == "warm" and .status == "ok"
		and (.init_ms > 0) and (.duration_ms > 0) and (.billed_ms == (.duration_ms | ceil))
		and (.max_memory_used_mb | type == "number") and (.memory_source == "cgroup" or .memory_source == "proc")
		and (.rss_peak_kb > 0) and (.cpu_limited | type == "boolean") and .response_bytes > 0
		and (.counters.init | type == "object") and (.counters.invoke | type == "object")'
}

@test "cold and warm starts: N cold x (1 + W) records, warm ones have init_ms null with reason" {
	inv --cold 3 --warm 2
	assert_status 0
	assert_ndjson
	assert_jq 'length == 9'
	assert_jq '[.[].seq] == [1,2,3,4,5,6,7,8,9]'
	assert_jq '[.[].start] == ["cold","warm","warm","cold","warm","warm","cold","warm","warm"]'
	assert_jq '[.[].env] == [1,1,1,2,2,2,3,3,3]'
	assert_jq 'all(.[] | select(.start == "warm"); .init_ms == null and .init_ms_reason == "warm start"
		and .counters.init.syscalls == null and .counters.init.syscalls_reason == "warm start")'
	assert_jq 'all(.[] | select(.start == "cold"); .init_ms > 0 and (has("init_ms_reason") | not))'
	assert_jq '[.[].run_id] | unique | length == 1'
	assert_jq '[.[].request_id] | unique | length == 9'
}

@test "START, END and REPORT lines follow Lambda's format exactly" {
	inv --cold 1 --warm 1 --memory 256
	assert_status 0
	id1=$(jq -r 'select(.seq == 1) | .request_id' "$OUT")
	id2=$(jq -r 'select(.seq == 2) | .request_id' "$OUT")
	grep -qx "START RequestId: $id1 Version: \$LATEST" "$LOG"
	grep -qx "END RequestId: $id1" "$LOG"
	tab=$'\t'
	re1="^REPORT RequestId: $id1${tab}Duration: [0-9]+\.[0-9]{2} ms${tab}Billed Duration: [0-9]+ ms${tab}Memory Size: 256 MB${tab}Max Memory Used: [0-9]+ MB${tab}Init Duration: [0-9]+\.[0-9]{2} ms${tab}\$"
	grep -Eq "$re1" "$LOG" || { cat -A "$LOG" >&2; false; }
	re2="^REPORT RequestId: $id2${tab}Duration: [0-9]+\.[0-9]{2} ms${tab}Billed Duration: [0-9]+ ms${tab}Memory Size: 256 MB${tab}Max Memory Used: [0-9]+ MB${tab}\$"
	grep -Eq "$re2" "$LOG" || { cat -A "$LOG" >&2; false; }
	# the numbers in the REPORT line are the record's
	d=$(jq -r 'select(.seq == 1) | "\(.duration_ms * 100 | round / 100)"' "$OUT")
	b=$(jq -r 'select(.seq == 1) | .billed_ms' "$OUT")
	m=$(jq -r 'select(.seq == 1) | .max_memory_used_mb' "$OUT")
	line=$(grep "^REPORT RequestId: $id1" "$LOG")
	[[ "$line" == *"Billed Duration: $b ms"* ]]
	[[ "$line" == *"Max Memory Used: $m MB"* ]]
	awk -v d="$d" -F'\t' '{ split($2, a, " "); if ((a[2] - d) > 0.006 || (d - a[2]) > 0.006) exit 1 }' <<<"$line"
	# order: START, the function's own output, END, REPORT
	awk -v id="$id1" '$0 ~ "^START RequestId: " id {s=NR} /^rt: event 1/ {o=NR} $0 ~ "^END RequestId: " id {e=NR} $0 ~ "^REPORT RequestId: " id {r=NR} END { exit !(s < o && o < e && e < r) }' "$LOG"
}

@test "the function sees exactly Lambda's environment and none of the caller's credentials" {
	export AWS_SECRET_ACCESS_KEY=leak-secret AWS_ACCESS_KEY_ID=AKIALEAK AWS_SESSION_TOKEN=leak-token
	export AWS_PROFILE=leak HOME=/root/leak LP_CANARY=leak
	inv --func envfn --cold 1 --memory 512 --region eu-west-1 --env MY_SETTING=on $(mode report)
	assert_status 0
	! grep -q leak "$LOG"
	names=$(sed -n 's/^ENV \([^=]*\)=.*/\1/p' "$LOG" | sort | tr '\n' ' ')
	[ "$names" = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE AWS_LAMBDA_FUNCTION_NAME AWS_LAMBDA_FUNCTION_VERSION AWS_LAMBDA_INITIALIZATION_TYPE AWS_LAMBDA_LOG_GROUP_NAME AWS_LAMBDA_LOG_STREAM_NAME AWS_LAMBDA_RUNTIME_API AWS_REGION LAMBDA_TASK_ROOT LANG LD_LIBRARY_PATH LP_RT_MODE MY_SETTING PATH TZ _HANDLER " ] || { echo "got: $names" >&2; false; }
	grep -qx 'ENV AWS_LAMBDA_FUNCTION_NAME=envfn' "$LOG"
	grep -qx 'ENV AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512' "$LOG"
	grep -qx 'ENV AWS_LAMBDA_FUNCTION_VERSION=$LATEST' "$LOG"
	grep -qx 'ENV AWS_REGION=eu-west-1' "$LOG"
	grep -qx 'ENV AWS_LAMBDA_INITIALIZATION_TYPE=on-demand' "$LOG"
	grep -qx 'ENV AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/envfn' "$LOG"
	grep -Eqx 'ENV AWS_LAMBDA_LOG_STREAM_NAME=[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}' "$LOG"
	grep -Eqx 'ENV AWS_LAMBDA_RUNTIME_API=127\.0\.0\.1:[0-9]+' "$LOG"
	grep -qx 'ENV _HANDLER=bootstrap' "$LOG"
	grep -qx 'ENV MY_SETTING=on' "$LOG"
	grep -qx 'ENV TZ=:UTC' "$LOG"
	grep -qx 'ENV LANG=en_US.UTF-8' "$LOG"
	# the working directory is the task root, a copy (not the original)
	root=$(sed -n 's/^ENV LAMBDA_TASK_ROOT=//p' "$LOG")
	grep -qx "CWD $root" "$LOG"
	[ "$root" != "$(dirname "$RT")" ]
	[ ! -e "$root" ] # removed after the run
}

@test "each cold start gets a fresh task root copy and an empty /tmp" {
	mkdir -p "$BATS_TEST_TMPDIR/root/lib"
	cp "$RT" "$BATS_TEST_TMPDIR/root/bootstrap"
	echo data >"$BATS_TEST_TMPDIR/root/data.txt"
	run timeout 60 lp-invoke --event "$EV" --log "$LOG" --cold 3 --env LP_RT_MODE=report "$BATS_TEST_TMPDIR/root"
	assert_status 0
	assert_jq 'length == 3 and all(.[]; .status == "ok")'
	[ "$(grep -c '^FILE data.txt$' "$LOG")" -eq 3 ]
	[ "$(grep -c '^FILE lib$' "$LOG")" -eq 3 ]
	# each start finds /tmp empty although the one before wrote to it
	[ "$(grep -c '^TMP 0$' "$LOG")" -eq 3 ]
	! grep -q '^FILE written-by-function' "$LOG"
	[ ! -e "$BATS_TEST_TMPDIR/root/written-by-function" ]
	# with a private /tmp (root), the task root is read-only, as on Lambda
	if printf '%s\n' "$output" | jq -se 'all(.[]; .tmp == "private_mount")' >/dev/null; then
		[ "$(grep -c '^TASKWRITE EROFS$' "$LOG")" -eq 3 ] || { grep TASKWRITE "$LOG" >&2; false; }
	fi
	# the default --func is the task root's name
	assert_jq 'all(.[]; .func == "root")'
}

@test "per-phase counters: init and invoke each have syscalls, task clock and page faults" {
	inv --cold 2 --warm 1
	assert_status 0
	assert_jq 'all(.[] | select(.start == "cold"); .counters.init.syscalls > 0 and .counters.init.task_clock_ms > 0
		and .counters.init.page_faults_minor > 0 and (.counters.init.context_switches | type == "number"))'
	assert_jq 'all(.[]; .counters.invoke.syscalls > 0 and .counters.invoke.task_clock_ms > 0)'
	# init does much more than one echo: the phases are separate numbers
	assert_jq 'all(.[] | select(.start == "cold"); .counters.init.syscalls > .counters.invoke.syscalls)'
	# hardware counters: a number, or null with a reason (never 0, never a bare null)
	for c in cycles instructions cache_misses branch_misses; do
		assert_jq "all(.[]; (.counters.invoke.$c > 0) or (.counters.invoke.$c == null and (.counters.invoke.${c}_reason | length > 0)))"
	done
}

@test "hardware counters are null with a reason on a machine without a PMU" {
	if [ -e /sys/bus/event_source/devices/cpu ] || [ -e /sys/bus/event_source/devices/cpu_core ]; then
		skip "this machine has a hardware PMU"
	fi
	inv --cold 1
	assert_jq '.[0].counters.init.cycles == null and (.[0].counters.init.cycles_reason | test("perf_event_open"))'
	assert_jq '.[0].counters.invoke.instructions == null and (.[0].counters.invoke.instructions_reason | length > 0)'
}

@test "--no-counters gives null counters with a reason" {
	inv --cold 1 --no-counters
	assert_status 0
	assert_jq '.[0].counters.init.syscalls == null and .[0].counters.init.syscalls_reason == "counters disabled by caller"'
	assert_jq '.[0].counters.invoke.task_clock_ms == null and (.[0].counters.invoke.task_clock_ms_reason | length > 0)'
}

@test "memory comes from a cgroup with the CPU quota where cgroups are writable, else from /proc" {
	inv --cold 1
	assert_status 0
	if [ "$(id -u)" -eq 0 ] && { [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup/cgroup.procs ]; }; then
		assert_jq '.[0].cpu_limited == true and .[0].memory_limited == true and (.[0] | has("limits_reason") | not)'
	fi
	inv --cold 1 --no-cgroup
	assert_status 0
	assert_jq '.[0].memory_source == "proc" and .[0].cpu_limited == false and .[0].max_memory_used_mb >= 1
		and (.[0].limits_reason | length > 0)'
}

@test "max_memory_used_mb covers at least the bootstrap's own peak RSS" {
	inv --cold 2 --warm 1
	assert_status 0
	assert_jq 'all(.[]; .max_memory_used_mb >= (.rss_peak_kb / 1024) and .max_memory_used_mb == (.max_memory_used_mb | ceil))'
}

@test "a handler error is status error with its type" {
	inv --cold 1 --warm 1 $(mode error)
	assert_status 0
	assert_jq 'length == 2 and all(.[]; .status == "error" and .error_type == "Handler.Failed" and .duration_ms > 0)'
	grep -q 'Status: error	Error Type: Handler.Failed' "$LOG"
}

@test "a hung invocation times out, the process is killed and the run goes on" {
	inv --cold 2 --timeout 0.5 $(mode hang)
	assert_status 0
	assert_jq 'length == 2 and all(.[]; .status == "timeout" and .duration_ms >= 500 and .duration_ms < 5000 and .billed_ms >= 500)'
	grep -q 'Task timed out after 0.50 seconds' "$LOG"
}

@test "an init that never calls /next is init_timeout" {
	inv --cold 1 --init-timeout 1 $(mode hang_init)
	assert_status 0
	assert_jq '.[0].status == "init_timeout" and .[0].init_ms == null and (.[0].init_ms_reason | test("init_timeout"))
		and .[0].duration_ms == null and (.[0].duration_ms_reason | length > 0)'
}

@test "/init/error is init_error with its type and no event is handed out" {
	inv --cold 1 --warm 2 $(mode init_error)
	assert_status 0
	assert_jq 'length == 1 and .[0].status == "init_error" and .[0].error_type == "Runtime.ConfigError" and .[0].init_ms > 0'
	grep -qx 'INITERR 202' "$LOG"
	grep -q '^INIT_REPORT Init Duration: [0-9.]* ms	Phase: init	Status: init_error	Error Type: Runtime.ConfigError' "$LOG"
}

@test "a crash in init is runtime_exit with the signal" {
	inv --cold 1 $(mode crash_init)
	assert_status 0
	assert_jq '.[0].status == "runtime_exit" and .[0].signal == "SIGSEGV" and .[0].exit_code == null and .[0].error_type == "Runtime.ExitError"'
}

@test "an exit in init is runtime_exit with the exit code" {
	inv --cold 1 $(mode exit_init)
	assert_status 0
	assert_jq '.[0].status == "runtime_exit" and .[0].exit_code == 3 and .[0].signal == null'
}

@test "a crash mid-invocation is runtime_exit with the signal and a duration" {
	inv --cold 1 --warm 1 $(mode crash_invoke)
	assert_status 0
	assert_jq 'length == 1 and .[0].status == "runtime_exit" and .[0].signal == "SIGABRT" and .[0].duration_ms > 0'
}

@test "a non-zero exit mid-invocation is runtime_exit with the exit code" {
	inv --cold 1 $(mode exit_invoke)
	assert_status 0
	assert_jq '.[0].status == "runtime_exit" and .[0].exit_code == 7'
}

@test "a runtime that exits after answering fails the next warm event" {
	inv --cold 1 --warm 1 $(mode exit_after)
	assert_status 0
	assert_jq '.[0].status == "ok" and .[1].status == "runtime_exit" and .[1].exit_code == 0 and .[1].start == "warm"'
}

@test "blowing the memory limit is status oom" {
	if [ "$(id -u)" -ne 0 ] || ! { [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup/cgroup.procs ]; }; then
		skip "no writable memory cgroup"
	fi
	inv --cold 1 --timeout 30 $(mode oom)
	assert_status 0
	assert_jq '.[0].status == "oom" and .[0].error_type == "Runtime.OutOfMemory" and .[0].signal == "SIGKILL" and .[0].max_memory_used_mb >= 100'
}

@test "events from stdin: one NDJSON document per invocation, in order" {
	run timeout 60 bash -c "printf '{\"i\":1}\n{\"i\":2}\n\n{\"i\":3}\n' | lp-invoke --cold 1 --warm 5 --log '$LOG' --env LP_RT_MODE=report '$RT'"
	assert_status 0
	assert_jq 'length == 3'
	[ "$(grep '^EVENT ' "$LOG" | tr '\n' ' ')" = 'EVENT {"i":1} EVENT {"i":2} EVENT {"i":3} ' ]
}

@test "--event FILE sends the same document to every invocation, as written" {
	printf '{ "spaced" : [1, 2] }\n' >"$EV"
	inv --cold 2 --warm 1 $(mode report)
	assert_status 0
	[ "$(grep -c '^EVENT { "spaced" : \[1, 2\] }$' "$LOG")" -eq 4 ]
}

@test "--cold-cache evicts files before each cold start and says so" {
	inv --cold 2 --cold-cache
	assert_status 0
	assert_jq 'all(.[]; .cache == "cold" and .evicted_files >= 1)'
	# the second start also evicts what the first one mapped
	assert_jq '.[1].evicted_files >= .[0].evicted_files'
	inv --cold 1
	assert_jq '.[0].cache == "warm" and (.[0] | has("evicted_files") | not)'
}

@test "an interrupted run keeps every finished record whole" {
	run timeout -s INT 3 lp-invoke --event "$EV" --log "$LOG" --cold 100000 "$RT"
	[ "$status" -ne 0 ]
	printf '%s\n' "$output" >"$OUT"
	assert_ndjson "$OUT"
	assert_jq 'length >= 1 and all(.[]; .status == "ok")' "$OUT"
}

@test "the real minimal lambdas run under lp-invoke" {
	found=0
	for impl in c rust; do
		b="$LP_BUILD/lambdas/minimal-$impl/bootstrap"
		[ -x "$b" ] || continue
		found=1
		run timeout 60 lp-invoke --func minimal --impl "$impl" --cold 2 --warm 1 --event "$EV" --log "$LOG" "$b"
		assert_status 0
		assert_jq 'length == 4 and all(.[]; .status == "ok" and .func == "minimal") and all(.[] | select(.start == "cold"); .init_ms > 0)'
	done
	[ "$found" -eq 1 ] || skip "no minimal lambda built in $LP_BUILD/lambdas"
}

@test "a bootstrap that cannot be executed is runtime_exit Runtime.InvalidEntrypoint" {
	printf '#!/nonexistent/interpreter\n' >"$BATS_TEST_TMPDIR/bootstrap"
	chmod +x "$BATS_TEST_TMPDIR/bootstrap"
	run timeout 60 lp-invoke --event "$EV" --log "$LOG" "$BATS_TEST_TMPDIR/bootstrap"
	assert_status 0
	assert_jq '.[0].status == "runtime_exit" and .[0].error_type == "Runtime.InvalidEntrypoint" and .[0].exit_code == 127'
	grep -q 'execve .*: No such file or directory' "$LOG"
}

@test "a write error on stdout exits 3 and leaves no environment behind" {
	mkdir -p "$BATS_TEST_TMPDIR/work"
	run timeout 60 bash -c "lp-invoke --workdir '$BATS_TEST_TMPDIR/work' --cold 50 --event '$EV' --log '$LOG' '$RT' | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}"
	[ "$(printf '%s\n' "$output" | tail -1)" = 3 ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/work")" ]
}

@test "a reused cgroup's memory peak is per cold start: a 60 MB start does not leak into the next" {
	if [ "$(id -u)" -ne 0 ] || ! { [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup/cgroup.procs ]; }; then
		skip "no writable memory cgroup"
	fi
	run timeout 60 bash -c "printf '{\"mb\":60}\n{\"mb\":0}\n{\"mb\":30}\n{\"mb\":0}\n' | lp-invoke --cold 4 --memory 256 --log '$LOG' --env LP_RT_MODE=alloc '$RT'"
	assert_status 0
	printf '%s\n' "$output" >"$OUT"
	assert_jq 'length == 4 and all(.[]; .status == "ok" and .memory_limited)'
	assert_jq '.[0].max_memory_used_mb >= 60 and .[2].max_memory_used_mb >= 30 and .[2].max_memory_used_mb < 50'
	assert_jq '.[1].max_memory_used_mb < 20 and .[3].max_memory_used_mb < 20'
}

@test "cgroups kept for reuse are removed at the end of a run and on SIGINT" {
	if [ "$(id -u)" -ne 0 ] || ! { [ -w /sys/fs/cgroup/memory ] || [ -w /sys/fs/cgroup/cgroup.procs ]; }; then
		skip "no writable memory cgroup"
	fi
	mine() { find /sys/fs/cgroup -maxdepth 5 -type d -name "lp-$1-*" 2>/dev/null; }
	lp-invoke --cold 3 --event "$EV" --log "$LOG" "$RT" >"$OUT" &
	pid=$!
	wait "$pid"
	assert_jq 'length == 3 and all(.[]; .status == "ok" and .cpu_limited and .memory_limited)' "$OUT"
	[ -z "$(mine "$pid")" ]
	lp-invoke --cold 1000000 --event "$EV" --log "$LOG" "$RT" >"$OUT" &
	pid=$!
	# interrupt once it has run a few cold starts (its cgroups are then pooled)
	deadline=$((SECONDS + 20))
	while [ "$(wc -l <"$OUT")" -lt 3 ] && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
	[ "$(wc -l <"$OUT")" -ge 3 ]
	[ -n "$(mine "$pid")" ] # while it runs, its cgroups exist
	kill -INT "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	[ -z "$(mine "$pid")" ] || { mine "$pid" >&2; false; }
}
