#!/usr/bin/env bash
# bench/stats-bench.sh LP_STATS WORKDIR — records per second of lp-stats for
# a summary of one field (init_ms) of 1,000,000 invocation records, and the
# ratio to jq computing the same numbers (n, mean, sd, p50/p90/p95/p99) from
# the same file.
#
# The input is synthetic (generated here with a fixed seed; it is benchmark
# input, not a measurement), ~515 bytes a record like lp-invoke's.  The
# machine is shared: each lp-stats timing is the median of 5 runs (wall and
# CPU); jq, being ~100x slower, runs once (BENCH_JQ_RUNS to change).
# Environment: BENCH_RECORDS (default 1000000).
set -euo pipefail
stats=${1:?usage: stats-bench.sh LP_STATS WORKDIR}
dir=${2:?usage: stats-bench.sh LP_STATS WORKDIR}
n=${BENCH_RECORDS:-1000000}
runs=5
jq_runs=${BENCH_JQ_RUNS:-1}
mkdir -p "$dir"
in=$dir/records-$n.ndjson

if [ ! -s "$in" ]; then
	awk -v n="$n" 'BEGIN { srand(7); for (i = 0; i < n; i++) {
		st = (i % 1000 == 999) ? "error" : "ok";
		printf "{\"type\":\"invocation\",\"run_id\":\"bench\",\"func\":\"minimal\",\"impl\":\"rust\",\"platform\":\"local\",\"arch\":\"x86_64\",\"memory_mb\":128,\"seq\":%d,\"request_id\":\"bench-%d\",\"start\":\"cold\",\"cache\":\"warm\",\"status\":\"%s\",\"init_ms\":%.4f,\"duration_ms\":%.4f,\"billed_ms\":1,\"max_memory_used_mb\":3,\"memory_source\":\"cgroup\",\"rss_peak_kb\":2100,\"counters\":{\"init\":{\"task_clock_ms\":0.9,\"syscalls\":41,\"cycles\":null,\"cycles_reason\":\"no hardware PMU\"},\"invoke\":{\"task_clock_ms\":0.1,\"syscalls\":7,\"cycles\":null,\"cycles_reason\":\"no hardware PMU\"}}}\n", i, i, st, 3 + rand() + (rand() < 0.01 ? 5 * rand() : 0), 0.2 + rand() / 10 } }' >"$in.tmp"
	mv "$in.tmp" "$in"
fi
bytes=$(stat -c %s "$in")

# time_cmd OUT CMD... — wall and CPU (user+sys) seconds of one run
time_cmd() {
	local out=$1
	shift
	local t0 t1
	t0=$(date +%s.%N)
	/usr/bin/time -f '%U %S' -o "$dir/cpu" "$@" >"$out" 2>/dev/null
	t1=$(date +%s.%N)
	read -r u s <"$dir/cpu"
	echo "$(echo "$t1 - $t0" | bc -l) $(echo "$u + $s" | bc -l)"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

cat /dev/null >"$dir/lp.times"
for _ in $(seq $runs); do
	time_cmd "$dir/lp.out" "$stats" -f init_ms --by '' "$in" >>"$dir/lp.times"
done
lp_wall=$(cut -d' ' -f1 "$dir/lp.times" | median)
lp_cpu=$(cut -d' ' -f2 "$dir/lp.times" | median)

jq_prog='[inputs | select(.type == "invocation" and .status == "ok") | .init_ms | select(. != null)] | sort
  | length as $n | (add / $n) as $m
  | def pct(p): ((($n - 1) * p / 100) as $h | ($h | floor) as $lo
      | if $lo + 1 < $n then .[$lo] + ($h - $lo) * (.[$lo + 1] - .[$lo]) else .[$lo] end);
  {n: $n, mean: $m, sd: ((map((. - $m) * (. - $m)) | add) / ($n - 1) | sqrt),
   p50: pct(50), p90: pct(90), p95: pct(95), p99: pct(99)}'
cat /dev/null >"$dir/jq.times"
for _ in $(seq "$jq_runs"); do
	time_cmd "$dir/jq.out" jq -n "$jq_prog" "$in" >>"$dir/jq.times"
done
jq_wall=$(cut -d' ' -f1 "$dir/jq.times" | median)
jq_cpu=$(cut -d' ' -f2 "$dir/jq.times" | median)

# Both must agree before the speed means anything.
agree=$(jq -rn --slurpfile a "$dir/lp.out" --slurpfile b "$dir/jq.out" '
  ($a[0]) as $s | ($b[0]) as $j
  | [($s.n == $j.n), (["mean","p50","p90","p95","p99"] | all(. as $k | (($s[$k] - $j[$k]) | fabs) <= 1e-9 * ($j[$k] | fabs))),
     ((($s.stddev - $j.sd) | fabs) <= 1e-9 * $j.sd)] | all')

printf 'lp-stats bench: %d records (%d bytes), summary of init_ms, %s\n' "$n" "$bytes" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf 'machine: %s, %s CPUs, load %s\n' "$(uname -m)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-10s %10s %10s %16s %16s\n' tool wall_s cpu_s records/s_wall records/s_cpu
printf '%-10s %10.3f %10.3f %16.0f %16.0f\n' lp-stats "$lp_wall" "$lp_cpu" "$(echo "$n / $lp_wall" | bc -l)" "$(echo "$n / $lp_cpu" | bc -l)"
printf '%-10s %10.3f %10.3f %16.0f %16.0f\n' jq "$jq_wall" "$jq_cpu" "$(echo "$n / $jq_wall" | bc -l)" "$(echo "$n / $jq_cpu" | bc -l)"
printf 'ratio (jq / lp-stats): wall %.1fx, cpu %.1fx; results agree: %s\n' \
	"$(echo "$jq_wall / $lp_wall" | bc -l)" "$(echo "$jq_cpu / $lp_cpu" | bc -l)" "$agree"
printf 'lp-stats runs (wall cpu): %s\n' "$(tr '\n' ';' <"$dir/lp.times")"
[ "$agree" = true ]
