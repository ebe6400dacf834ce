#!/bin/sh
# run-buffer.sh -- buffers benchmarks, ours against Debian's libevent 2.1,
# built from the same sources (see mk/buffer.am).  Run from the build
# directory (make bench does).  Ratios come from one run, interleaved.
# Without the 2.1 programs (BENCH_NO21, see run.sh) only ours run.
#
#   BENCH_MIB=1024      bytes per bulk transfer, in MiB
#   BENCH_REPEAT=3      interleaved repetitions; the best of each is kept
#   BENCH_ROUNDS=200000 evbuffer churn rounds (callgrind uses 1/10)
builddir=${builddir:-$(pwd)}
cd "$builddir" || exit 1
mib=${BENCH_MIB:-1024}
repeat=${BENCH_REPEAT:-3}
rounds=${BENCH_ROUNDS:-200000}

for p in bench_bufferevent bench_evbuffer; do
	if [ ! -x "bench/$p" ]; then
		echo "bench/$p missing (make bench builds it)"
		exit 1
	fi
done
no21=${BENCH_NO21:-}
[ -x bench/bench_bufferevent_21 ] && [ -x bench/bench_evbuffer_21 ] || no21=1

# best_rate PROG MODE: highest MiB/s over the repetitions.
rate() {
	"bench/$1" "$2" "$mib" 64 | sed -n 's/.*= \([0-9.]*\) MiB\/s.*/\1/p'
}

for mode in pair tcp; do
	best_ours=0 best_21=0
	i=0
	while [ $i -lt "$repeat" ]; do
		o=$(rate bench_bufferevent $mode)
		t=0
		[ -z "$no21" ] && t=$(rate bench_bufferevent_21 $mode)
		best_ours=$(echo "$o $best_ours" | awk '{print ($1 > $2) ? $1 : $2}')
		best_21=$(echo "$t $best_21" | awk '{print ($1 > $2) ? $1 : $2}')
		i=$((i + 1))
	done
	if [ -n "$no21" ]; then
		echo "bufferevent bulk $mib MiB, 64 KiB writes, $mode: ours $best_ours MiB/s"
		continue
	fi
	echo "$mode" "$best_ours" "$best_21" | awk '{
	    printf "bufferevent bulk %d MiB, 64 KiB writes, %-4s: ours %8.1f MiB/s, libevent 2.1 %8.1f MiB/s, ratio %.2fx\n",
	    '"$mib"', $1, $2, $3, ($3 > 0 ? $2 / $3 : 0) }'
done
# Details (read sizes) from one more run each.
bench/bench_bufferevent pair "$mib" 64
[ -z "$no21" ] && bench/bench_bufferevent_21 pair "$mib" 64

# evbuffer churn: wall time, then instructions under callgrind.
o=$(bench/bench_evbuffer "$rounds" | sed -n 's/.*= \([0-9]*\) ns\/round.*/\1/p')
if [ -n "$no21" ]; then
	echo "evbuffer churn: ours $o ns/round"
else
	t=$(bench/bench_evbuffer_21 "$rounds" | sed -n 's/.*= \([0-9]*\) ns\/round.*/\1/p')
	echo "$o $t" | awk '{ printf "evbuffer churn: ours %d ns/round, libevent 2.1 %d ns/round, speedup %.2fx\n", $1, $2, ($1 > 0 ? $2 / $1 : 0) }'
fi

if command -v valgrind >/dev/null 2>&1; then
	r=$((rounds / 10))
	ir() {
		valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		    "bench/$1" "$r" 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
	}
	o=$(ir bench_evbuffer)
	if [ -n "$no21" ]; then
		echo "$o $r" | awk '{ printf "evbuffer churn (callgrind, %d rounds): ours %d Ir (%.0f/round)\n", $2, $1, $1 / $2 }'
		exit 0
	fi
	t=$(ir bench_evbuffer_21)
	echo "$o $t $r" | awk '{ printf "evbuffer churn (callgrind, %d rounds): ours %d Ir (%.0f/round), libevent 2.1 %d Ir (%.0f/round), ratio %.2fx fewer\n", $3, $1, $1 / $3, $2, $2 / $3, ($1 > 0 ? $2 / $1 : 0) }'
else
	echo "evbuffer churn (callgrind): skipped, valgrind not installed"
fi
