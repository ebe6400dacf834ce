#!/bin/sh
# run-emul.sh -- the pipes and timers benchmarks on the emulated kqueue and
# /dev/poll backends (bench/bench_emul, bench/bench_timers_emul; see
# mk/emul.am), with epoll and poll from the same binary for reference.
# Linux only.  For information only: the emulations (test/emul_*.c) build a
# poll(2) set of every registration on each kevent() or DP_POLL, so these
# figures show that kqueue.c and devpoll.c run under load, not how fast
# they are on a BSD or on Solaris.
#
#   BENCH_ITER=10      iterations per pipes run
#   BENCH_TIMERS=100000
builddir=${builddir:-$(pwd)}
cd "$builddir" || exit 1
iter=${BENCH_ITER:-10}
ntimers=${BENCH_TIMERS:-100000}

for p in bench_emul bench_timers_emul; do
	if [ ! -x "bench/$p" ]; then
		echo "bench/$p missing (built on Linux only, by make bench)"
		exit 0
	fi
done

# only NAME PROGRAM ARGS...: run with every other backend disabled.
only() {
	b=$1
	shift
	v=""
	for x in kqueue devpoll epoll poll select; do
		[ "$x" = "$b" ] || v="$v EVENT_NO$(echo $x | tr a-z A-Z)=1"
	done
	env $v "$@"
}

for b in kqueue devpoll epoll poll; do
	for args in "-n 1000 -a 100 -w 10000" "-n 1000 -a 1000 -w 20000"; do
		s=$(only $b bench/bench_emul -q -i "$iter" $args | grep '^summary')
		[ -n "$s" ] || { echo "$b: pipes run failed"; continue; }
		echo "$s" | awk -v b="$b" '{
		    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
		    printf "%-8s pipes n=%d a=%d w=%d: setup %8.1f us, run (min) %9.1f us, median %9.1f us\n",
		        b, f["n"], f["a"], f["w"], f["setup_min_us"], f["run_min_us"], f["run_us"] }'
	done
	s=$(only $b bench/bench_timers_emul -n "$ntimers" -i 3 | grep '^summary')
	[ -n "$s" ] || { echo "$b: timers run failed"; continue; }
	echo "$b timers: $s"
done
