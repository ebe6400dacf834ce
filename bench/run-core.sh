#!/bin/sh
# run-core.sh -- core benchmarks side by side: relevent, Debian's libevent
# 2.1, libev's libevent emulation (all built from the same sources,
# bench/bench.c and bench/bench_timers.c, see mk/core.am) and, for the
# pipes, a hand-written epoll loop (bench/bench_raw.c).  Run from the
# build directory (make bench does).  Every repetition runs each program
# once, one after the other (interleaved, so a disturbance of the machine
# hits all of them), and the table shows the median of the repetitions,
# their range, and the speed relative to libevent 2.1.
#
# Rows:
#   pipes re-register   setup phase with event_del + event_set + event_add
#                       of every fd (the fd may be a new file: each library
#                       re-checks it with the kernel), then one loop pass
#   pipes re-add        the same without event_set
#   pipes run           the run phase: A chains of W writes in total
#   timers              per operation on 1,000,000 timers, outside the loop
#                       (1.4 reads the precise clock for every add, 2.1 the
#                       coarse one, libev uses its loop time, relevent notes
#                       the add with the coarse clock and fixes the deadline
#                       when the loop starts: the fire phase) and
#                       inside a callback (every library uses its cached
#                       time)
#   Ir/callback         callgrind: user-space instructions per callback of
#                       the run phase (n=400 a=100 w=10000), including the
#                       benchmark's callback and libc's read/write wrappers
#
#   BENCH_REPEAT=5     interleaved repetitions
#   BENCH_ITER=10      iterations per pipes run (the run reports the median)
#   BENCH_TIMERS=1000000
#   BENCH_NO21, BENCH_NOLIBEV   leave those out
builddir=${builddir:-$(pwd)}
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$builddir" || exit 1
. "$srcdir/bench/table.sh"
repeat=${BENCH_REPEAT:-5}
iter=${BENCH_ITER:-10}
ntimers=${BENCH_TIMERS:-1000000}

for p in bench bench_timers; do
	if [ ! -x "bench/$p" ]; then
		echo "bench/$p missing (make bench builds it)"
		exit 1
	fi
done
# variant -> program suffix; only those that were built
pipes_vars="ours" timer_vars="ours"
sfx_ours="" sfx_21="_21" sfx_libev="_ev" sfx_raw=""
if [ -z "${BENCH_NO21:-}" ] && [ -x bench/bench_21 ] && [ -x bench/bench_timers_21 ]; then
	pipes_vars="$pipes_vars 2.1" timer_vars="$timer_vars 2.1"
fi
if [ -z "${BENCH_NOLIBEV:-}" ] && [ -x bench/bench_ev ] && [ -x bench/bench_timers_ev ]; then
	pipes_vars="$pipes_vars libev" timer_vars="$timer_vars libev"
else
	echo "libev: not built (see bench/get-libev.sh); its column stays empty"
fi
[ -x bench/bench_raw ] && pipes_vars="$pipes_vars raw"

# prog VARIANT BASE: the program of a variant
prog() {
	if [ "$1" = raw ]; then echo bench/bench_raw; return; fi
	eval "echo bench/$2\$sfx_$(echo "$1" | tr -d .)"
}

# field NAME LINE: the value of NAME=... in a summary line
field() {
	echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# pipes ROW FIELD N A W [FLAG]
pipes() {
	row=$1 f=$2 n=$3 a=$4 w=$5 flag=$6
	for v in $pipes_vars; do
		o=$($(prog "$v" bench) -q -i "$iter" -n "$n" -a "$a" -w "$w" $flag | grep '^summary')
		[ -n "$o" ] || { echo "pipes failed: $v $row"; continue; }
		bench_record "$row" us "$v" "$(field "$f" "$o")"
	done
}

# timers FLAG LABEL
timers() {
	for v in $timer_vars; do
		o=$($(prog "$v" bench_timers) -n "$ntimers" -i 3 $1 | grep '^summary')
		[ -n "$o" ] || { echo "timers failed: $v"; continue; }
		for k in add resched del fire; do
			ms=$(field "${k}_ms" "$o")
			bench_record "timers $2 $k" ns/op "$v" \
			    "$(echo "$ms $ntimers" | awk '{ printf "%.1f", $1 * 1e6 / $2 }')"
		done
		bench_record "timers $2 total" ms "$v" "$(field total_ms "$o")"
	done
}

bench_header "core: epoll, the default of every library"
echo "variants: $pipes_vars; $repeat repetitions, pipes $iter iterations each"
i=0
while [ $i -lt "$repeat" ]; do
	pipes "pipes n=1000 re-register" setup_us 1000 100 10000 -S
	pipes "pipes n=9000 re-register" setup_us 9000 100 10000 -S
	pipes "pipes n=1000 re-add" setup_us 1000 100 10000
	pipes "pipes n=1000 run a=100" run_us 1000 100 10000
	pipes "pipes n=1000 run a=1000" run_us 1000 1000 20000
	timers "" "outside loop"
	timers -c "in callback"
	i=$((i + 1))
done

# Instructions per callback (deterministic: one run each).
if command -v valgrind >/dev/null 2>&1; then
	for v in $pipes_vars; do
		ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		    --toggle-collect=run_phase "$(prog "$v" bench)" -q -i 2 \
		    -n 400 -a 100 -w 10000 2>&1 |
		    sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
		# 2 iterations x (100 + 10000) callbacks
		[ -n "$ir" ] && bench_record "run phase per callback" Ir "$v" \
		    "$(echo "$ir" | awk '{ printf "%.1f", $1 / 20200 }')"
	done
else
	echo "callgrind: skipped, valgrind not installed"
fi
bench_table
rm -f "$bench_data"
