#!/bin/sh
# run.sh -- `make bench`: every area's side-by-side benchmark script, run
# from the build directory.  Each builds its program against ours and
# against Debian's libevent 2.1 from the same source and prints ratios
# from one run (compare ratios, never absolute times from different runs).
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=$(pwd)
export srcdir builddir
for s in core buffer dns http rpc emul; do
	f=$srcdir/bench/run-$s.sh
	[ -f "$f" ] || continue
	echo "=== bench: $s"
	sh "$f" || echo "(bench $s failed with status $?)"
done
