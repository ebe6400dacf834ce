#!/bin/sh
# run-dns.sh -- resolver benchmark, ours against Debian's libevent 2.1, both
# built from bench/bench_dns.c (see mk/dns.am).  Run from the build
# directory (make bench does).  The two programs run interleaved in one
# run; for each the best wall-clock rate and the lowest client CPU per
# lookup over the repetitions are kept, and the ratios are printed, with
# the median of the per-pair rate ratios (robust on a busy machine).
# Without the 2.1 program (BENCH_NO21, see run.sh) only ours runs.
#
#   BENCH_DNS_LOOKUPS=200000   lookups per run
#   BENCH_DNS_CONC=256         lookups kept outstanding (and max-inflight)
#   BENCH_REPEAT=5             interleaved repetitions
builddir=${builddir:-$(pwd)}
cd "$builddir" || exit 1
n=${BENCH_DNS_LOOKUPS:-200000}
c=${BENCH_DNS_CONC:-256}
repeat=${BENCH_REPEAT:-5}

if [ ! -x bench/bench_dns ]; then
	echo "bench/bench_dns missing (make bench builds it)"
	exit 1
fi
no21=${BENCH_NO21:-}
[ -x bench/bench_dns_21 ] || no21=1

# run PROG: prints "QPS CPU_US_PER_QUERY", or "0 0" on failure.
run() {
	out=$("bench/$1" "$n" "$c") || { echo "$out" >&2; echo "0 0"; return; }
	echo "$out" | sed -n 's/.*client cpu \([0-9.]*\) us\/query.*= \([0-9]*\) queries\/s.*/\2 \1/p'
}

best_q_ours=0 best_q_21=0 best_c_ours=999999 best_c_21=999999
ratios=""
i=0
while [ $i -lt "$repeat" ]; do
	set -- $(run bench_dns)
	q_o=$1 c_o=$2
	if [ -n "$no21" ]; then
		echo "  run $((i + 1)): ours $q_o q/s ($c_o us cpu/q)"
		i=$((i + 1))
		continue
	fi
	set -- $(run bench_dns_21)
	q_t=$1 c_t=$2
	echo "  run $((i + 1)): ours $q_o q/s ($c_o us cpu/q), libevent 2.1 $q_t q/s ($c_t us cpu/q)"
	ratios="$ratios $(echo "$q_o $q_t" | awk '{printf "%.3f", ($2 > 0 ? $1 / $2 : 0)}')"
	best_q_ours=$(echo "$q_o $best_q_ours" | awk '{print ($1 > $2) ? $1 : $2}')
	best_q_21=$(echo "$q_t $best_q_21" | awk '{print ($1 > $2) ? $1 : $2}')
	best_c_ours=$(echo "$c_o $best_c_ours" | awk '{print ($1 > 0 && $1 < $2) ? $1 : $2}')
	best_c_21=$(echo "$c_t $best_c_21" | awk '{print ($1 > 0 && $1 < $2) ? $1 : $2}')
	i=$((i + 1))
done
[ -n "$no21" ] && exit 0
echo "$best_q_ours $best_q_21 $best_c_ours $best_c_21" | awk '{
    printf "evdns %d A lookups, %d outstanding, best of '"$repeat"': ours %.0f queries/s, libevent 2.1 %.0f queries/s, ratio %.2fx\n",
	'"$n"', '"$c"', $1, $2, ($2 > 0 ? $1 / $2 : 0);
    printf "evdns client CPU per lookup: ours %.2f us, libevent 2.1 %.2f us, ratio %.2fx less\n",
	$3, $4, ($3 > 0 ? $4 / $3 : 0) }'
# Each pair ran back to back, so its ratio saw similar machine load.
echo $ratios | tr ' ' '\n' | sort -n | awk '{ r[NR] = $1 } END {
    printf "evdns queries/s ratio per interleaved pair: median %.2fx (min %.2fx, max %.2fx)\n",
	r[int((NR + 1) / 2)], r[1], r[NR] }'
