#!/bin/sh
# mk/ruchy-transpile.sh RUCHY IN.ruchy OUT.rs — run `RUCHY transpile IN -o`
# into a temporary file and move it into place only when it succeeded and is
# not empty. Exit 3 when the compiler is missing, 1 when it fails.
set -u
ruchy=$1 in=$2 out=$3
if ! command -v "$ruchy" >/dev/null 2>&1; then
	echo "lp: ruchy compiler not found ('$ruchy'): install ruchy (https://github.com/paiml/ruchy) or set RUCHY=/path/to/ruchy" >&2
	exit 3
fi
echo "lp: $ruchy transpile $in" >&2
tmp=$out.tmp.$$
if ! "$ruchy" transpile "$in" -o "$tmp"; then
	echo "lp: '$ruchy transpile $in' failed" >&2
	rm -f "$tmp"
	exit 1
fi
if [ ! -s "$tmp" ]; then
	echo "lp: '$ruchy transpile $in' wrote no Rust to $tmp" >&2
	rm -f "$tmp"
	exit 1
fi
mv "$tmp" "$out"
