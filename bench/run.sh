#!/bin/sh
# run.sh -- `make bench`: every area's side-by-side benchmark script, run
# from the build directory.  Each builds its program against ours and
# against Debian's libevent 2.1 from the same source and prints ratios
# from one run (compare ratios, never absolute times from different runs).
# run-core.sh also runs libev's libevent emulation and a raw epoll loop and
# prints one table through bench/table.sh, which the other scripts can use
# the same way (bench_record ROW UNIT VARIANT VALUE, then bench_table).
#
# BENCH_AREAS="http rpc" runs only those scripts (default: all).
# BENCH_LIBEVENT21 (set by make) is the libevent 2.1 library configure
# found through pkg-config; when it is empty the scripts run ours only
# (BENCH_NO21=1).
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=$(pwd)
export srcdir builddir
if [ -z "${BENCH_LIBEVENT21-unset}" ]; then
	echo "libevent 2.1 not found by pkg-config (install libevent-dev and" \
	    "run configure again): benchmarking relevent only"
	BENCH_NO21=1
	export BENCH_NO21
fi
for s in ${BENCH_AREAS:-core buffer dns http rpc emul}; do
	f=$srcdir/bench/run-$s.sh
	[ -f "$f" ] || continue
	echo "=== bench: $s"
	sh "$f" || echo "(bench $s failed with status $?)"
done
