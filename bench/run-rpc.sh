#!/bin/sh
# run-rpc.sh -- RPC benchmark, ours against Debian's libevent 2.1, built
# from the same source (bench/bench_rpc.c, see mk/rpc.am).  Run from the
# build directory (make bench does).  Both run interleaved in one go; the
# best of each is kept and the ratio printed.  Without the 2.1 program
# (BENCH_NO21, see run.sh) only ours runs.
#
#   BENCH_RPC_CALLS=20000   calls per round-trip run
#   BENCH_REPEAT=3          interleaved repetitions
#
# Then callgrind instruction counts per call: the difference between a run
# of 2200 calls and one of 200 calls, divided by 2000, so that start-up
# costs cancel out.
builddir=${builddir:-$(pwd)}
cd "$builddir" || exit 1
calls=${BENCH_RPC_CALLS:-20000}
repeat=${BENCH_REPEAT:-3}

if [ ! -x bench/bench_rpc ]; then
	echo "bench/bench_rpc missing (make bench builds it)"
	exit 1
fi
no21=${BENCH_NO21:-}
[ -x bench/bench_rpc_21 ] || no21=1

# rate PROG MODE: the ops/s figure of one run.
rate() {
	"bench/$1" -o "$2" -n "$calls" -m $((calls * 10)) |
	    sed -n 's/.*= \([0-9.]*\) .*/\1/p'
}

for mode in one_conn pool marshal; do
	best_ours=0 best_21=0
	i=0
	while [ "$i" -lt "$repeat" ]; do
		o=$(rate bench_rpc $mode)
		t=0
		[ -z "$no21" ] && t=$(rate bench_rpc_21 $mode)
		best_ours=$(echo "$o $best_ours" | awk '{print ($1 > $2) ? $1 : $2}')
		best_21=$(echo "$t $best_21" | awk '{print ($1 > $2) ? $1 : $2}')
		i=$((i + 1))
	done
	case $mode in
	one_conn) what="RPC round trips, 1 keep-alive connection      " ;;
	pool)     what="RPC round trips, pool of 4, 16 outstanding    " ;;
	marshal)  what="marshal+unmarshal of the request (no I/O)     " ;;
	esac
	if [ -n "$no21" ]; then
		echo "$what: ours $best_ours/s"
		continue
	fi
	echo "$best_ours $best_21" | awk -v w="$what" '{
	    printf "%s: ours %9.0f/s, libevent 2.1 %9.0f/s, ratio %.2fx\n",
	    w, $1, $2, ($2 > 0 ? $1 / $2 : 0) }'
done

if command -v valgrind >/dev/null 2>&1; then
	# ir PROG MODE N: instructions of one run.
	ir() {
		./libtool --mode=execute valgrind --tool=callgrind \
		    --callgrind-out-file=/dev/null "bench/$1" -o "$2" -n "$3" \
		    -m "$3" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
	}
	for mode in one_conn pool marshal; do
		o=$(( $(ir bench_rpc $mode 2200) - $(ir bench_rpc $mode 200) ))
		if [ -n "$no21" ]; then
			echo "$mode $o" | awk '{ printf "callgrind %-8s: ours %7.0f Ir/call\n", $1, $2 / 2000 }'
			continue
		fi
		t=$(( $(ir bench_rpc_21 $mode 2200) - $(ir bench_rpc_21 $mode 200) ))
		echo "$mode $o $t" | awk '{
		    printf "callgrind %-8s: ours %7.0f Ir/call, libevent 2.1 %7.0f Ir/call, ratio %.2fx fewer\n",
		    $1, $2 / 2000, $3 / 2000, ($2 > 0 ? $3 / $2 : 0) }'
	done
else
	echo "rpc (callgrind): skipped, valgrind not installed"
fi
