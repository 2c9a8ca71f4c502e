#!/usr/bin/env bash
# mk/suite-compare.sh — `make compare FUNC=f`: every available implementation
# of one function measured in ONE run, interleaved, then one table.
#
#   suite-compare.sh FUNC N MEMORY EVENT OUTDIR IMPL=TASKROOT...
#
# Each round cold-starts every implementation once (lp-invoke --cold 1), in
# an order rotated by one place per round, so slow drifts of this shared
# machine fall on every implementation alike and none always goes first.
# Statistics come from lp-stats (summaries, hyperfine-style relative speed);
# sizes from lp-size (ELF) and the task root. Published AWS figures
# (share/aws-published/lambda-perf-*.json) are written as separate
# `compare_aws` records and a separate table column, never mixed with the
# local numbers.
#
# Writes OUTDIR/invocations.ndjson (every record), OUTDIR/stats.ndjson
# (lp-stats), OUTDIR/compare.ndjson (compare_row + compare_aws records,
# docs/schema.md), OUTDIR/compare.md; prints the table on stdout.
# Environment: LP_BIN (tools), LP_SHARE, SUITE_IMPL_INFO_<impl> (a short
# description of the client and toolchain, optional).
# Exit: 0 ok, 2 usage, 3 environment (a tool failed or is missing).
set -u -o pipefail

die() { echo "lp compare: $2" >&2; exit "$1"; }
[ $# -ge 6 ] || die 2 "usage: suite-compare.sh FUNC N MEMORY EVENT OUTDIR IMPL=TASKROOT..."
func=$1 n=$2 memory=$3 event=$4 out=$5
shift 5
case "$n" in ''|*[!0-9]*|0) die 2 "N must be a positive integer (got '$n')" ;; esac
[ -r "$event" ] || die 2 "event file not readable: $event"
: "${LP_BIN:?LP_BIN not set}"
for t in lp-invoke lp-stats lp-size; do
	[ -x "$LP_BIN/$t" ] || die 3 "$LP_BIN/$t missing (make tools)"
done
command -v jq >/dev/null || die 3 "jq not found"

impls=() roots=()
for a in "$@"; do
	impls+=("${a%%=*}")
	roots+=("${a#*=}")
done
k=${#impls[@]}
[ "$k" -ge 1 ] || die 2 "no implementation to compare"

mkdir -p "$out/logs" || die 3 "cannot create $out"
rm -f "$out"/invocations.ndjson "$out"/logs/*.log "$out"/compare.ndjson "$out"/compare.md
compare_id="$(date -u +%Y%m%dT%H%M%SZ)-$$"
arch=$(uname -m)

echo "lp compare: $func: ${impls[*]} — $n rounds x $k implementations, $memory MB, interleaved" >&2
for ((r = 0; r < n; r++)); do
	for ((j = 0; j < k; j++)); do
		i=$(((j + r) % k))
		impl=${impls[$i]}
		"$LP_BIN/lp-invoke" --func "$func" --impl "$impl" --cold 1 --memory "$memory" \
			--event "$event" --log "$out/logs/last.log" "${roots[$i]}" \
			>> "$out/invocations.ndjson" || die 3 "lp-invoke failed on $func-$impl (round $((r + 1)))"
		cat "$out/logs/last.log" >> "$out/logs/$impl.log"
	done
	if [ -t 2 ]; then printf '\rlp compare: round %d/%d' $((r + 1)) "$n" >&2; fi
done
[ -t 2 ] && printf '\n' >&2
rm -f "$out/logs/last.log"

"$LP_BIN/lp-stats" -b impl -f init_ms -f duration_ms -f max_memory_used_mb \
	"$out/invocations.ndjson" > "$out/stats.ndjson" 2> "$out/stats.warnings" ||
	die 3 "lp-stats failed (see $out/stats.warnings)"

# Sizes: the bootstrap file, its zip estimate (lp-size, ELF only), the
# whole task root (bootstrap plus data files: what a deployment ships).
sizes='{}'
for ((i = 0; i < k; i++)); do
	root=${roots[$i]}
	bs=$root
	[ -d "$root" ] && bs=$root/bootstrap
	bin_bytes=$(stat -L -c %s "$bs") || die 3 "cannot stat $bs"
	if [ -d "$root" ]; then
		pkg_bytes=$(find -L "$root" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
	else
		pkg_bytes=$bin_bytes
	fi
	if zip=$("$LP_BIN/lp-size" "$bs" 2>/dev/null | jq -c 'select(.type == "binary") | .zip_bytes' 2>/dev/null) && [ -n "$zip" ]; then
		zip_reason=null
	else
		zip=null
		zip_reason='"not an ELF executable (a script run by an interpreter installed on the machine, which is not counted): lp-size measures ELF bootstraps only"'
	fi
	info_var="SUITE_IMPL_INFO_${impls[$i]}"
	sizes=$(jq -c --arg impl "${impls[$i]}" --argjson bin "$bin_bytes" --argjson pkg "$pkg_bytes" \
		--argjson zip "$zip" --argjson zr "$zip_reason" --arg info "${!info_var:-}" \
		'. + {($impl): {binary_bytes: $bin, package_bytes: $pkg, zip_bytes: $zip,
		  zip_bytes_reason: $zr, client: (if $info == "" then null else $info end)}}' <<<"$sizes")
done

# Published AWS figures, newest lambda-perf file, for this function only
# when it is `minimal` (lambda-perf measures a minimal function).
aws_file=$(ls "${LP_SHARE:-/nonexistent}"/aws-published/lambda-perf-*.json 2>/dev/null | sort | tail -n 1)
aws='null'
if [ "$func" = minimal ] && [ -n "$aws_file" ]; then
	aws=$(jq -c --argjson mem "$memory" --arg arch "$arch" '
		. as $f | [.rows[] | select(.memory_mb == $mem and .arch == $arch)] |
		map({type: "compare_aws", platform: "aws", func: "minimal", impl, runtime,
		     memory_mb, arch, managed_runtime: (.managed_runtime // false),
		     n: (.init_ms | length),
		     init_ms_p50: (.init_ms | sort | if length % 2 == 1 then .[length / 2 | floor]
		                   else (.[length / 2 - 1] + .[length / 2]) / 2 end),
		     init_ms_mean: .avg_cold_start_ms, memory_used_mb,
		     source: $f.source, url: $f.url, date: $f.date})' "$aws_file") ||
		die 3 "cannot read $aws_file"
fi

# One compare_row per implementation, ranked by p50 init.
jq -c -s --arg id "$compare_id" --arg func "$func" --arg arch "$arch" --argjson mem "$memory" \
	--argjson rounds "$n" --argjson sizes "$sizes" --argjson k "$k" '
	def summ($impl; $f): map(select(.type == "summary" and .group.impl == $impl and .field == $f))[0];
	def rel($impl): map(select(.type == "relative" and .group.impl == $impl and .field == "init_ms"))[0];
	. as $all
	| [$all[] | select(.type == "summary") | .group.impl] | unique
	| map(. as $impl | ($all | summ($impl; "init_ms")) as $i | ($all | summ($impl; "duration_ms")) as $d
	      | ($all | summ($impl; "max_memory_used_mb")) as $m | ($all | rel($impl)) as $r
	      | {type: "compare_row", compare_id: $id, func: $func, impl: $impl, platform: "local",
	         arch: $arch, memory_mb: $mem, rounds: $rounds, implementations: $k,
	         order: "interleaved, rotated by one place per round",
	         n: $i.records, n_ok: $i.n,
	         init_ms_p50: $i.p50, init_ms_p50_ci95: $i.median_ci95,
	         init_ms_p99: $i.p99, init_ms_p99_ci95: null,
	         init_ms_p99_ci95_reason: "lp-stats gives no interval for p99; with n this small an order-statistic 95 % interval of p99 has no upper bound",
	         init_ms_mean: $i.mean, init_ms_mean_ci95: $i.mean_ci95,
	         duration_ms_p50: $d.p50, duration_ms_p50_ci95: $d.median_ci95,
	         relative_init: {reference: $r.reference.impl, fastest: $r.fastest, ratio: $r.ratio,
	                         ratio_sd: $r.ratio_sd, ratio_ci95: $r.ratio_ci95, method: $r.method},
	         max_memory_used_mb: $m.max, max_memory_used_mb_p50: $m.p50,
	         warnings: ($i.warnings // [])} + $sizes[$impl])
	| sort_by(.init_ms_p50) | to_entries | map(.value + {rank: (.key + 1)}) | .[]' \
	"$out/stats.ndjson" > "$out/compare.ndjson" || die 3 "building compare rows failed"
[ "$aws" != null ] && jq -c '.[]' <<<"$aws" >> "$out/compare.ndjson"

# The tables: aligned text on stdout, markdown in compare.md.
jq -r -s --arg md 0 -f /dev/stdin "$out/compare.ndjson" > "$out/compare.txt" <<'JQ' || die 3 "table failed"
def f2: if . == null then "-" else (. * 100 | round / 100 | tostring) end;
def f1: if . == null then "-" else (. * 10 | round / 10 | tostring) end;
def kb: if . == null then "-" else (. / 1024 * 10 | round / 10 | tostring) + " KB" end;
def rel: if .fastest then "fastest" elif .ratio == null then "-"
         else "\(.ratio | f2) ± \(.ratio_sd | f2) × slower" end;
(map(select(.type == "compare_row"))) as $rows
| (map(select(.type == "compare_aws")) | map({(.impl): .}) | add // {}) as $aws
| ($aws | length > 0) as $has_aws
| ([$aws[]][0].date // "") as $aws_date
| ["RANK", "IMPL", "N", "P50 INIT ms", "95% CI P50", "P99 INIT ms", "P50 DURATION ms",
   "RELATIVE (mean init)", "BINARY", "ZIP", "PACKAGE", "MAX MEM MB"]
  + (if $has_aws then ["AWS FIGURES p50 init ms (lambda-perf \($aws_date))"] else [] end),
  ($rows[] | . as $r | [(.rank | tostring), .impl, "\(.n_ok)/\(.n)", (.init_ms_p50 | f2),
    "[\(.init_ms_p50_ci95[0] | f2), \(.init_ms_p50_ci95[1] | f2)]", (.init_ms_p99 | f2),
    (.duration_ms_p50 | f2), (.relative_init | rel), (.binary_bytes | kb), (.zip_bytes | kb),
    (.package_bytes | kb), (.max_memory_used_mb | f1)]
    + (if $has_aws then [($aws[$r.impl] // null | if . == null then "-" else
        "\(.init_ms_p50 | f2) (\(.runtime))" end)] else [] end))
| @tsv
JQ
column -t -s $'\t' "$out/compare.txt"
{
	printf '| %s |\n' "$(head -n 1 "$out/compare.txt" | sed 's/\t/ | /g')"
	printf '|%s\n' "$(head -n 1 "$out/compare.txt" | awk -F'\t' '{ for (i = 1; i <= NF; i++) printf "---|" }')"
	tail -n +2 "$out/compare.txt" | sed 's/\t/ | /g; s/^/| /; s/$/ |/'
} > "$out/compare.md"
rm -f "$out/compare.txt"

# hyperfine's phrasing, from the fastest by mean init.
fastest=$(jq -r 'select(.type == "compare_row" and .relative_init.fastest) | .impl' "$out/compare.ndjson" | head -n 1)
{
	echo
	echo "Local cold starts on $(uname -n) ($arch, $(nproc) CPUs), $(date -u +%Y-%m-%d), $n interleaved rounds, $memory MB."
	jq -r --arg f "$fastest" 'select(.type == "compare_row" and (.relative_init.fastest | not))
		| "\($f) ran \(.relative_init.ratio * 100 | round / 100) ± \(.relative_init.ratio_sd * 100 | round / 100) times faster than \(.impl) (mean init)"' \
		"$out/compare.ndjson"
	if grep -q '"compare_aws"' "$out/compare.ndjson"; then
		echo "AWS figures: published by lambda-perf on AWS Lambda ($(jq -r 'select(.type == "compare_aws") | .date' "$out/compare.ndjson" | head -n 1)), not measured here; python and node there are managed runtimes."
	fi
} | tee -a "$out/compare.md"
echo "lp compare: $out/compare.ndjson, $out/compare.md" >&2
