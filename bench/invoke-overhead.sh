#!/usr/bin/env bash
# bench/invoke-overhead.sh BOOTSTRAP — lp-invoke's overhead, measured.
# Run by `make bench-invoke` (part of `make bench`), never by `make check`.
#
# 1. invoke-http: libmicrohttpd (the local Lambda service) against a
#    hand-written loop, per request, interleaved (decides the dependency).
# 2. invoke-overhead: the floor cold start (fork, exec, accept, first
#    request on a plain socket) against the engine lp-invoke runs, bare and
#    with its default cgroup limits and perf counters, interleaved.
# 3. the lp-invoke binary end to end: cold starts per second over a run.
# Records go to $LP_BENCH_OUT/invoke-*.ndjson; a summary to stdout.  The
# numbers in docs/overhead.md come from this script.
set -euo pipefail
boot=${1:?usage: invoke-overhead.sh BOOTSTRAP}
: "${LP_BUILD:?}" "${LP_BENCH_OUT:?}"
ROUNDS=${ROUNDS:-300} PAIRS=${PAIRS:-20000} CLI_N=${CLI_N:-200}
mkdir -p "$LP_BENCH_OUT"
ev=$(mktemp) && trap 'rm -f "$ev"' EXIT
echo '{"hello":"world"}' >"$ev"

echo "# $(date -u +%FT%TZ) $(uname -srm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# bootstrap: $boot"

"$LP_BUILD/bench/invoke-http" "$PAIRS" | tee "$LP_BENCH_OUT/invoke-http.ndjson" |
	jq -r 'select(.type == "bench_http_diff") | "http \(.request): libmicrohttpd - hand loop = \(.median_paired_diff_us) us (95% CI \(.ci95_lo_us)..\(.ci95_hi_us)), ratio \(.median_ratio)"'

"$LP_BUILD/bench/invoke-overhead" "$boot" "$ROUNDS" | tee "$LP_BENCH_OUT/invoke-overhead.ndjson" |
	jq -r 'if .type == "bench_coldstart" then "coldstart \(.variant): init p50 \(.init_median_us) us (95% CI \(.init_ci95_lo_us)..\(.init_ci95_hi_us)), \(.cold_starts_per_s) cold starts/s"
	       else "overhead \(.variant): init p50 diff \(.init_median_diff_us) us (95% CI \(.init_diff_ci95_lo_us)..\(.init_diff_ci95_hi_us)); rate ratio \(.rate_ratio) (95% CI \(.rate_ratio_ci95_lo)..\(.rate_ratio_ci95_hi)); within 25 us: \(.within_25us_at_p50), >= 80 %: \(.rate_at_least_80pct)" end'

for mode in default bare; do
	extra=()
	[ "$mode" = bare ] && extra=(--no-cgroup --no-counters)
	t0=$(date +%s%N)
	"$LP_BUILD/bin/lp-invoke" --func bench --impl c --cold "$CLI_N" "${extra[@]}" --event "$ev" --log /dev/null "$boot" >"$LP_BENCH_OUT/invoke-cli-$mode.ndjson"
	t1=$(date +%s%N)
	jq -s --arg mode "$mode" --argjson ns $((t1 - t0)) --argjson n "$CLI_N" -r \
		'"cli \($mode): \($n) cold starts in \($ns / 1e6) ms = \($n / ($ns / 1e9)) cold starts/s; init_ms p50 \(map(.init_ms) | sort | .[length / 2 | floor])"' \
		"$LP_BENCH_OUT/invoke-cli-$mode.ndjson"
done
