#!/usr/bin/env bash
# mk/sweep-measure.sh LP_INVOKE ROUNDS EVENT MEMORY FUNC IMPL DIR... —
# measure every variant directory (DIR/taskroot) in one interleaved run:
# ROUNDS rounds, each one cold start of every variant, the order rotated by
# one variant per round so no variant always runs first or last after a
# build.  Appends each variant's records to DIR/invocations.ndjson (the
# caller empties them first).  Noise of the shared machine spreads evenly
# over the variants; lp-propose sweep then compares them.
set -euo pipefail
invoke=$1 rounds=$2 event=$3 memory=$4 func=$5 impl=$6
shift 6
dirs=("$@")
n=${#dirs[@]}
[ "$n" -gt 0 ] || { echo "sweep-measure: no variant" >&2; exit 2; }
for d in "${dirs[@]}"; do
	[ -x "$d/taskroot/bootstrap" ] || { echo "sweep-measure: $d/taskroot/bootstrap missing" >&2; exit 2; }
	: > "$d/invocations.ndjson"
done
tty=0
[ -t 2 ] && tty=1
for ((r = 0; r < rounds; r++)); do
	for ((k = 0; k < n; k++)); do
		d=${dirs[$(((r + k) % n))]}
		"$invoke" --func "$func" --impl "$impl" --cold 1 --memory "$memory" --event "$event" \
			--log "$d/function.log" "$d/taskroot" >> "$d/invocations.ndjson"
	done
	[ $tty -eq 1 ] && printf '\rlp: sweep round %d/%d (%d variants)' $((r + 1)) "$rounds" "$n" >&2
done
[ $tty -eq 1 ] && printf '\n' >&2
exit 0
