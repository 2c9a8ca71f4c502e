#!/usr/bin/env bash
# bench/suite-bench.sh OUTDIR FUNC... — the benchmark suite's targets
# (docs/suite.md), from the `make compare` runs in OUTDIR/compare-FUNC/:
#
#   - Rust minimal p50 local init within 1.5x of the C minimal: ratio of
#     medians rust/c with its bootstrap 95 % CI (lp-stats compare), from the
#     same interleaved run;
#   - every function's p50 local init (rust and c) against its seed target;
#   - every bootstrap's size against 100 KB and its zip against 50 KB.
#
# A target is "met" when the whole 95 % CI is on the right side, "missed"
# when it is wholly on the wrong side, "undecided" otherwise; sizes are
# exact. Writes OUTDIR/suite-targets.ndjson (suite_target records) and
# OUTDIR/suite-targets.md, prints the table. A missed target is reported,
# not an error (make bench measures; gates live in ci/). Exit 3 when a
# compare result is missing.
set -u -o pipefail
die() { echo "bench-suite: $2" >&2; exit "$1"; }
[ $# -ge 2 ] || die 2 "usage: suite-bench.sh OUTDIR FUNC..."
out=$1
shift
: "${LP_BIN:?LP_BIN not set}"

declare -A target=([minimal]=5 [json_processing]=10 [data_transform]=12 [api_gateway]=15 [db_query]=20)
res="$out/suite-targets.ndjson"
: > "$res" || die 3 "cannot write $res"
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)

verdict() { # LO HI LIMIT -> met|missed|undecided (smaller is better)
	jq -nr --argjson lo "${1:-null}" --argjson hi "${2:-null}" --argjson t "$3" \
		'if $hi == null or $lo == null then "undecided" elif $hi < $t then "met" elif $lo > $t then "missed" else "undecided" end'
}

for func in "$@"; do
	c="$out/compare-$func/compare.ndjson"
	[ -s "$c" ] || die 3 "no compare results for $func ($c): run make compare FUNC=$func"
	t=${target[$func]:-}
	while IFS= read -r row; do
		impl=$(jq -r .impl <<<"$row")
		case "$impl" in rust|c|ruchy) ;; *) continue ;; esac
		if [ -n "$t" ]; then
			lo=$(jq -c '.init_ms_p50_ci95[0]' <<<"$row") hi=$(jq -c '.init_ms_p50_ci95[1]' <<<"$row")
			v=$(verdict "$lo" "$hi" "$t")
			jq -c --arg v "$v" --argjson t "$t" --arg d "$date" '{type: "suite_target", date: $d, platform, func, impl,
				target: "p50 init_ms < \($t) (seed target)", value: .init_ms_p50, ci95: .init_ms_p50_ci95,
				limit: $t, n: .n_ok, verdict: $v}' <<<"$row" >> "$res"
		fi
		for s in "binary_bytes 102400 bootstrap <= 100 KB" "zip_bytes 51200 zip <= 50 KB"; do
			read -r field limit what <<<"$s"
			jq -c --arg f "$field" --argjson l "$limit" --arg w "$what" --arg d "$date" '{type: "suite_target", date: $d,
				platform, func, impl, target: $w, value: .[$f], limit: $l,
				verdict: (if .[$f] == null then "unknown" elif .[$f] <= $l then "met" else "missed" end)}' <<<"$row" >> "$res"
		done
	done < <(jq -c 'select(.type == "compare_row")' "$c")
done

# Rust vs C minimal: ratio of medians from the same interleaved run.
if [ -s "$out/compare-minimal/invocations.ndjson" ]; then
	cmp=$("$LP_BIN/lp-stats" compare -f init_ms impl=c impl=rust "$out/compare-minimal/invocations.ndjson" 2>/dev/null |
		jq -c 'select(.type == "comparison" and .field == "init_ms")') || die 3 "lp-stats compare failed"
	if [ -n "$cmp" ]; then
		lo=$(jq -c '.median_ratio_ci95[0] // null' <<<"$cmp") hi=$(jq -c '.median_ratio_ci95[1] // null' <<<"$cmp")
		v=$(verdict "$lo" "$hi" 1.5)
		jq -c --arg v "$v" --arg d "$date" '{type: "suite_target", date: $d, platform: "local", func: "minimal", impl: "rust",
			target: "p50 init rust / p50 init c <= 1.5", value: .median_ratio, ci95: .median_ratio_ci95,
			limit: 1.5, method: .median_ratio_method, n: .cand.n, verdict: $v}' <<<"$cmp" >> "$res"
	fi
fi

jq -r -s '["FUNC", "IMPL", "TARGET", "VALUE", "95% CI", "VERDICT"],
	(.[] | [.func, .impl, .target,
	        (if .value == null then "-" elif (.value | type) == "number" and .value >= 1000 then (.value | tostring)
	         else (.value * 100 | round / 100 | tostring) end),
	        (if .ci95 == null then "-" else "[\(.ci95[0] * 100 | round / 100), \(.ci95[1] * 100 | round / 100)]" end),
	        .verdict]) | @tsv' "$res" > "$out/suite-targets.tsv"
column -t -s $'\t' "$out/suite-targets.tsv"
{
	echo "Suite targets, local, $(uname -n) ($(uname -m), $(nproc) CPUs), $date"
	echo
	printf '| %s |\n' "$(head -n 1 "$out/suite-targets.tsv" | sed 's/\t/ | /g')"
	echo "|---|---|---|---|---|---|"
	tail -n +2 "$out/suite-targets.tsv" | sed 's/\t/ | /g; s/^/| /; s/$/ |/'
} > "$out/suite-targets.md"
rm -f "$out/suite-targets.tsv"
echo "bench-suite: $res, $out/suite-targets.md" >&2
