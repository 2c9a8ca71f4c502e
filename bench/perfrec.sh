#!/usr/bin/env bash
# bench/perfrec.sh OUTDIR — the cost of each lp-perfrec mode, and of its
# post-processing against perf record -g + perf script.  (make bench)
#
# Modes, each a separate lp-perfrec run over the same function:
#   base      --no-sample                (the engine alone)
#   counting  --no-sample --counters     (lp-invoke's per-phase counters)
#   sampling  -F 20000                   (call-chain sampling, all CPUs)
#   syscalls  --no-sample --syscalls     (raw_syscalls tracepoints)
#   alloc     --no-sample --alloc        (lp-alloc.so preloaded)
# Rounds interleave the modes (rotated order) so drift on this shared
# machine hits every mode alike; medians of init_ms and duration_ms per
# mode, and the overhead against base with a bootstrap 95% interval.
#
# Environment: LP_BIN, LP_BUILD, LP_ROOT; PERF_BENCH_ROUNDS (default 6),
# PERF_BENCH_COLD (cold starts per round and mode, default 25),
# PERF_BENCH_FUNCS (default "minimal json_processing"), PERF_BENCH_IMPLS
# (default "rust c").
set -euo pipefail
out=${1:?usage: perfrec.sh OUTDIR}
: "${LP_BIN:?}" "${LP_BUILD:?}" "${LP_ROOT:?}"
rounds=${PERF_BENCH_ROUNDS:-6}
cold=${PERF_BENCH_COLD:-25}
funcs=${PERF_BENCH_FUNCS:-minimal json_processing}
impls=${PERF_BENCH_IMPLS:-rust c}
mkdir -p "$out"
raw="$out/runs.ndjson"
: >"$raw"

modes=(base counting sampling syscalls alloc)
mode_args() {
	case $1 in
	base) echo --no-sample ;;
	counting) echo --no-sample --counters ;;
	sampling) echo -F 20000 ;;
	syscalls) echo --no-sample --syscalls ;;
	alloc) echo --no-sample --alloc ;;
	esac
}

for f in $funcs; do
	for i in $impls; do
		boot="$LP_BUILD/lambdas/$f-$i/bootstrap"
		[ -x "$boot" ] || { echo "bench: $boot missing (make lambda FUNC=$f IMPL=$i)" >&2; exit 3; }
		ev="$LP_ROOT/share/events/$f.json"
		for ((r = 0; r < rounds; r++)); do
			for ((k = 0; k < ${#modes[@]}; k++)); do
				m=${modes[$(((k + r) % ${#modes[@]}))]}
				# shellcheck disable=SC2046
				"$LP_BIN/lp-perfrec" $(mode_args "$m") --cold "$cold" --func "$f" \
					--impl "$i" --event "$ev" --top 0 "$boot" |
					jq -c --arg mode "$m" --argjson round "$r" \
						'select(.type == "profile") | {func, impl, mode: $mode, round: $round, init_ms, duration_ms, postprocess_ms, samples_init, samples_invoke, samples_lost}' >>"$raw"
			done
			echo "bench: $f-$i round $((r + 1))/$rounds" >&2
		done
	done
done

# Post-processing: lp-perfrec's decode+symbolize+aggregate against
# perf record -g + perf script on the same function and cold starts.
pp="$out/postprocess.ndjson"
: >"$pp"
prof="$LP_BUILD/lambdas-profiling/minimal-rust/bootstrap"
[ -x "$prof" ] || prof="$LP_BUILD/lambdas/minimal-rust/bootstrap"
n=200
t0=$(date +%s%N)
"$LP_BIN/lp-perfrec" -F 20000 --cold $n --out "$out/pp-lp" "$prof" >"$out/pp-lp.ndjson"
t1=$(date +%s%N)
jq -c --argjson wall "$(((t1 - t0) / 1000000))" 'select(.type == "profile") |
	{tool: "lp-perfrec", cold_starts, samples: (.samples_init + .samples_invoke + .samples_outside), postprocess_ms, wall_ms: $wall}' \
	"$out/pp-lp.ndjson" >>"$pp"
t0=$(date +%s%N)
perf record -q -g -e cpu-clock -F 20000 -o "$out/perf.data" -- \
	"$LP_BIN/lp-perfrec" --no-sample --cold $n "$prof" >/dev/null
t1=$(date +%s%N)
perf script -i "$out/perf.data" --comm bootstrap >"$out/perf.script"
t2=$(date +%s%N)
samples=$(grep -c "cpu-clock:" "$out/perf.script" || true)
jq -nc --argjson s "$samples" --argjson pms "$(((t2 - t1) / 1000000))" --argjson wall "$(((t2 - t0) / 1000000))" --argjson n $n \
	'{tool: "perf record -g + perf script", cold_starts: $n, samples: $s, postprocess_ms: $pms, wall_ms: $wall}' >>"$pp"
rm -f "$out/perf.data" "$out/perf.script"

python3 "$LP_ROOT/bench/perfrec_summary.py" "$raw" "$pp" >"$out/summary.md"
cat "$out/summary.md"
