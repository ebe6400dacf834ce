#!/bin/sh
# run-core.sh -- core benchmarks, ours against Debian's libevent 2.1, both
# built from the same sources (bench/bench.c, bench/bench_timers.c; see
# mk/core.am).  Run from the build directory (make bench does).  The two
# programs run alternately.  Pipes: setup and "run (min)" are the minimum
# over BENCH_REPEAT runs of BENCH_ITER iterations (noise only ever adds
# time); "run median" is the best of the runs' medians.  The run phase is
# dominated by read/write/epoll_wait system calls, identical in number for
# both libraries, so its wall-time ratio is close to 1 and noisy; the
# callgrind line at the end counts the user-space work per callback.
# Timers: the best run's medians.  Ratios > 1 mean ours is faster.
# Without the 2.1 programs (BENCH_NO21, see run.sh) only ours run.
#
#   BENCH_REPEAT=3     interleaved repetitions
#   BENCH_ITER=10      iterations per pipes run
#   BENCH_TIMERS=1000000
builddir=${builddir:-$(pwd)}
cd "$builddir" || exit 1
repeat=${BENCH_REPEAT:-3}
iter=${BENCH_ITER:-10}
ntimers=${BENCH_TIMERS:-1000000}

for p in bench bench_timers; do
	if [ ! -x "bench/$p" ]; then
		echo "bench/$p missing (make bench builds it)"
		exit 1
	fi
done
no21=${BENCH_NO21:-}
[ -x bench/bench_21 ] && [ -x bench/bench_timers_21 ] || no21=1

# field NAME LINE: the value of NAME=... in a summary line
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

min() {
	echo "$1 $2" | awk '{ if ($2 == "" || $1 < $2) print $1; else print $2 }'
}

# pipes N A W [extra flag]
pipes() {
	n=$1 a=$2 w=$3 flag=$4
	bs_o="" br_o="" bs_t="" br_t="" bm_o="" bm_t=""
	i=0
	while [ $i -lt "$repeat" ]; do
		o=$(bench/bench -q -i "$iter" -n "$n" -a "$a" -w "$w" $flag | grep '^summary')
		[ -n "$o" ] || { echo "pipes run failed"; return 1; }
		bs_o=$(min "$(field setup_min_us "$o")" "$bs_o")
		br_o=$(min "$(field run_min_us "$o")" "$br_o")
		bm_o=$(min "$(field run_us "$o")" "$bm_o")
		i=$((i + 1))
		[ -n "$no21" ] && continue
		t=$(bench/bench_21 -q -i "$iter" -n "$n" -a "$a" -w "$w" $flag | grep '^summary')
		[ -n "$t" ] || { echo "pipes run failed (libevent 2.1)"; return 1; }
		bs_t=$(min "$(field setup_min_us "$t")" "$bs_t")
		br_t=$(min "$(field run_min_us "$t")" "$br_t")
		bm_t=$(min "$(field run_us "$t")" "$bm_t")
	done
	if [ -n "$no21" ]; then
		echo "$n $a $w ${flag:-none} $bs_o $br_o $bm_o" | awk '{
		    printf "pipes n=%-5d a=%d w=%d %-3s setup: ours %9.1f us | run (min): ours %9.1f us | run median: ours %9.1f us\n",
		    $1, $2, $3, ($4 == "-S" ? "-S" : ""), $5, $6, $7 }'
		return 0
	fi
	echo "$n $a $w ${flag:-none} $bs_o $bs_t $br_o $br_t" | awk '{
	    printf "pipes n=%-5d a=%d w=%d %-3s setup: ours %9.1f us, 2.1 %9.1f us, %6.1fx faster | run (min): ours %9.1f us, 2.1 %9.1f us, ratio %.2fx\n",
	    $1, $2, $3, ($4 == "-S" ? "-S" : ""), $5, $6, ($5 > 0 ? $6 / $5 : 0), $7, $8, ($7 > 0 ? $8 / $7 : 0) }'
	echo "$bm_o $bm_t" | awk '{
	    printf "    run median (best of the repeats): ours %9.1f us, 2.1 %9.1f us, ratio %.2fx\n",
	    $1, $2, ($1 > 0 ? $2 / $1 : 0) }'
}

echo "backend: epoll (default choice of both libraries)"
pipes 1000 100 10000
pipes 9000 100 10000
# The classic form also calls event_set() before each event_add(); we
# then re-check the fd with the kernel (one epoll_ctl per fd).
pipes 1000 100 10000 -S
pipes 9000 100 10000 -S
# Run phase with every pair active (many ready fds per wait).
pipes 1000 1000 20000

# Timers.
tt_o="" tt_t="" ln_o="" ln_t=""
i=0
while [ $i -lt "$repeat" ]; do
	o=$(bench/bench_timers -n "$ntimers" -i 3 | grep '^summary')
	[ -n "$o" ] || { echo "timers run failed"; exit 1; }
	if [ -z "$tt_o" ] || [ "$(min "$(field total_ms "$o")" "$tt_o")" != "$tt_o" ]; then
		tt_o=$(field total_ms "$o"); ln_o=$o
	fi
	i=$((i + 1))
	[ -n "$no21" ] && continue
	t=$(bench/bench_timers_21 -n "$ntimers" -i 3 | grep '^summary')
	[ -n "$t" ] || { echo "timers run failed (libevent 2.1)"; exit 1; }
	if [ -z "$tt_t" ] || [ "$(min "$(field total_ms "$t")" "$tt_t")" != "$tt_t" ]; then
		tt_t=$(field total_ms "$t"); ln_t=$t
	fi
done
echo "ours: $ln_o"
if [ -n "$no21" ]; then
	echo "timers n=$ntimers total: ours $tt_o ms"
else
	echo "2.1:  $ln_t"
	echo "$tt_o $tt_t $ntimers" | awk '{ printf "timers n=%d total: ours %.1f ms, 2.1 %.1f ms, %.2fx faster\n", $3, $1, $2, ($1 > 0 ? $2 / $1 : 0) }'
fi

# Instructions per callback in the run phase (user space, callgrind).
if command -v valgrind >/dev/null 2>&1; then
	ir() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		    --toggle-collect=run_phase "bench/$1" -q -i 2 -n 400 -a 100 \
		    -w 10000 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
	}
	o=$(ir bench)
	t=n/a
	[ -z "$no21" ] && t=$(ir bench_21)
	# 2 iterations x (100 + 10000) callbacks
	echo "$o $t" | awk '{ printf "run phase (callgrind, n=400 a=100 w=10000): ours %.0f instructions/callback, 2.1 %s (incl. the callback body and libc read/write wrappers)\n", $1 / 20200, ($2 == "n/a" ? $2 : sprintf("%.0f", $2 / 20200)) }'
else
	echo "callgrind: skipped, valgrind not installed"
fi
