#!/bin/sh
# run-http.sh -- HTTP server benchmark, ours against Debian's libevent 2.1,
# both built from bench/bench_http.c (see mk/http.am).  Run from the build
# directory (make bench does).
#
# For each URL (GET / = 13-byte body, GET /16k = 16 KiB body) the two
# servers run interleaved, each loaded by `wrk -t1 -c100` with the server
# and wrk pinned on different CPUs (taskset).  Reported per server: the
# best req/s over the repetitions, the server CPU time per request (from
# /proc/PID/stat, user+system), and the syscalls per request counted by
# `strace -c -f` on a separate short run of each server.  Without the 2.1
# program (BENCH_NO21, see run.sh) only ours runs.
#
#   BENCH_HTTP_SECS=5     seconds per wrk run
#   BENCH_REPEAT=3        interleaved repetitions
#   BENCH_HTTP_CPUS="0 1" CPU for the server, CPU for wrk
builddir=${builddir:-$(pwd)}
cd "$builddir" || exit 1
secs=${BENCH_HTTP_SECS:-5}
repeat=${BENCH_REPEAT:-3}
set -- ${BENCH_HTTP_CPUS:-0 1}
scpu=$1 ccpu=$2

if [ ! -x bench/bench_http ]; then
	echo "bench/bench_http missing (make bench builds it)"
	exit 1
fi
no21=${BENCH_NO21:-}
[ -x bench/bench_http_21 ] || no21=1
if ! command -v wrk > /dev/null 2>&1; then
	echo "SKIP http bench: wrk not installed"
	exit 0
fi
pin=
command -v taskset > /dev/null 2>&1 && pin=taskset
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "$ncpu" -lt 2 ]; then
	echo "(only $ncpu CPU: server and wrk share it; ratios still compare)"
	scpu=0 ccpu=0
fi

tmp=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$tmp"' EXIT

# free_port: a port nobody listens on now.
port=$(( 20000 + $$ % 20000 ))

# start PROG: starts the server pinned on scpu, sets spid and port.
start() {
	port=$((port + 1))
	# taskset execs the server: $! is the server itself.
	${pin:+taskset -c "$scpu"} "bench/$1" -p "$port" > "$tmp/srv.out" 2>&1 &
	spid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -qs listening "$tmp/srv.out"; do
		sleep 0.05; i=$((i + 1))
	done
}

stop() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=; }

cputicks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# load PROG PATH: prints "REQS_PER_SEC CPU_US_PER_REQ".
load() {
	start "$1"
	t0=$(cputicks "$spid")
	out=$(${pin:+taskset -c "$ccpu"} wrk -t1 -c100 -d"${secs}s" "http://127.0.0.1:$port$2" 2>&1)
	t1=$(cputicks "$spid")
	stop
	hz=$(getconf CLK_TCK)
	echo "$out" | awk -v t="$((t1 - t0))" -v hz="$hz" '
	    / requests in / { n = $1 }
	    /^Requests\/sec:/ { rps = $2 }
	    END { printf "%.0f %.2f\n", rps, (n > 0 ? t * 1e6 / hz / n : 0) }'
}

# syscalls PROG PATH: syscalls per request under strace -c -f (short run).
syscalls() {
	if ! command -v strace > /dev/null 2>&1; then echo "n/a"; return; fi
	port=$((port + 1))
	# The server stops by itself after 4 s; strace then prints its table.
	strace -c -f -o "$tmp/strace" "bench/$1" -p "$port" -t 4 > "$tmp/srv.out" 2>&1 &
	spid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -qs listening "$tmp/srv.out"; do
		sleep 0.05; i=$((i + 1))
	done
	n=$(wrk -t1 -c100 -d2s "http://127.0.0.1:$port$2" 2>&1 |
	    awk '/ requests in / { print $1 }')
	wait "$spid" 2>/dev/null
	spid=
	# Total line: "100.00 SECONDS USECS/CALL CALLS [ERRORS] total".
	awk -v n="${n:-0}" '$NF == "total" { printf "%.2f\n", (n > 0 ? $4 / n : 0) }' "$tmp/strace"
}

for path in / /16k; do
	best_o=0 best_t=0 cpu_o=999999 cpu_t=999999
	i=0
	while [ $i -lt "$repeat" ]; do
		set -- $(load bench_http "$path"); r_o=$1 c_o=$2
		if [ -n "$no21" ]; then
			echo "  GET $path run $((i + 1)): ours $r_o req/s ($c_o us cpu/req)"
			i=$((i + 1))
			continue
		fi
		set -- $(load bench_http_21 "$path"); r_t=$1 c_t=$2
		echo "  GET $path run $((i + 1)): ours $r_o req/s ($c_o us cpu/req), libevent 2.1 $r_t req/s ($c_t us cpu/req)"
		best_o=$(echo "$r_o $best_o" | awk '{print ($1 > $2) ? $1 : $2}')
		best_t=$(echo "$r_t $best_t" | awk '{print ($1 > $2) ? $1 : $2}')
		cpu_o=$(echo "$c_o $cpu_o" | awk '{print ($1 > 0 && $1 < $2) ? $1 : $2}')
		cpu_t=$(echo "$c_t $cpu_t" | awk '{print ($1 > 0 && $1 < $2) ? $1 : $2}')
		i=$((i + 1))
	done
	s_o=$(syscalls bench_http "$path")
	if [ -n "$no21" ]; then
		echo "http GET $path syscalls per request (strace -c -f): ours $s_o"
		continue
	fi
	s_t=$(syscalls bench_http_21 "$path")
	echo "$best_o $best_t $cpu_o $cpu_t $s_o $s_t" | awk -v p="$path" -v r="$repeat" '{
	    printf "http GET %s (wrk -t1 -c100, best of %d): ours %d req/s, libevent 2.1 %d req/s, ratio %.2fx\n",
		p, r, $1, $2, ($2 > 0 ? $1 / $2 : 0);
	    printf "http GET %s server CPU per request: ours %.2f us, libevent 2.1 %.2f us, ratio %.2fx less\n",
		p, $3, $4, ($3 > 0 ? $4 / $3 : 0);
	    printf "http GET %s syscalls per request (strace -c -f): ours %s, libevent 2.1 %s\n", p, $5, $6 }'
done
