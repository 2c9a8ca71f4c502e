#!/bin/sh
# deps.sh PKG... — install the Debian packages that are missing.
# Exit 3 (environment error) with the exact command when we cannot install.
missing=
for p in "$@"; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$s" in *"ok installed"*) ;; *) missing="$missing $p" ;; esac
done
# cargo from rustup counts; otherwise Debian's.
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
	missing="$missing cargo rustc"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "lp: missing packages:$missing" >&2
	echo "lp: run: sudo apt-get install -y$missing" >&2
	exit 3
fi
echo "lp: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q $missing >&2; then
	apt-get update -q >&2 && apt-get install -y -q $missing >&2 || {
		echo "lp: apt-get install failed; run: apt-get update && apt-get install -y$missing" >&2
		exit 3
	}
fi
