#!/bin/sh
# run-http.sh -- HTTP server benchmark: relevent and Debian's libevent 2.1
# (both built from bench/bench_http.c, see mk/http.am) and the same server
# written straight on epoll (bench/bench_http_raw.c), one table through
# bench/table.sh.  libev has no HTTP server: its column stays "-".  Run
# from the build directory (make bench does).
#
# Every repetition runs each server once per row, one after the other
# (interleaved: a disturbance of the shared machine hits all of them),
# loaded by `wrk -t1` with the server and wrk pinned on different CPUs
# (taskset).  Rows:
#   GET / c100, GET /16k c100       13-byte and 16 KiB bodies, keep-alive,
#                                   100 connections
#   ... c10000                      the same on 10,000 keep-alive
#                                   connections (ulimit -n raised for the
#                                   server and wrk)
#   cpu/req                         server CPU time (user+system, from
#                                   /proc/PID/stat) per request of that run
#   syscalls/req                    strace -c -f on a separate run, c100
#   Ir/req                          callgrind: user-space instructions per
#                                   request inside main(), on a separate
#                                   run, c100 (the server then is slow, so
#                                   every epoll_wait returns many events)
#
#   BENCH_HTTP_SECS=4     seconds per wrk run
#   BENCH_REPEAT=5        interleaved repetitions
#   BENCH_HTTP_CPUS="0 1" CPU for the server, CPU for wrk
#   BENCH_HTTP_CONNS="100 10000"
builddir=${builddir:-$(pwd)}
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$builddir" || exit 1
. "$srcdir/bench/table.sh"
secs=${BENCH_HTTP_SECS:-4}
repeat=${BENCH_REPEAT:-5}
conns=${BENCH_HTTP_CONNS:-100 10000}
set -- ${BENCH_HTTP_CPUS:-0 1}
scpu=$1 ccpu=$2

if [ ! -x bench/bench_http ]; then
	echo "bench/bench_http missing (make bench builds it)"
	exit 1
fi
if ! command -v wrk > /dev/null 2>&1; then
	echo "SKIP http bench: wrk not installed"
	exit 0
fi
vars="ours"
[ -z "${BENCH_NO21:-}" ] && [ -x bench/bench_http_21 ] && vars="$vars 2.1"
[ -x bench/bench_http_raw ] && vars="$vars raw"
prog() {
	case $1 in
	ours) echo bench/bench_http ;;
	2.1) echo bench/bench_http_21 ;;
	raw) echo bench/bench_http_raw ;;
	esac
}
pin=
command -v taskset > /dev/null 2>&1 && pin=taskset
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ "$ncpu" -lt 2 ]; then
	echo "(only $ncpu CPU: server and wrk share it; ratios still compare)"
	scpu=0 ccpu=0
fi
# 10,000 connections: wrk and the server each need that many fds.
maxc=$(echo $conns | tr ' ' '\n' | sort -n | tail -1)
if [ "$maxc" -gt 500 ] && ! ulimit -n $((maxc + 1000)) 2>/dev/null; then
	echo "(cannot raise ulimit -n to $((maxc + 1000)): rows above 500" \
	    "connections left out)"
	conns=$(echo $conns | tr ' ' '\n' | awk '$1 <= 500')
fi

tmp=$(mktemp -d)
spid=
trap '[ -n "$spid" ] && kill $spid 2>/dev/null; rm -rf "$tmp" "$bench_data"' EXIT
echo $(( 20000 + $$ % 20000 )) > "$tmp/port"

# start PROG [WRAPPER...]: starts the server (with $srv_args), sets spid
# and port.  The callers run in $(...) subshells: the last port lives in a
# file, and the old output goes first (the wait must not see its
# "listening").
start() {
	p=$1
	shift
	port=$(($(cat "$tmp/port") + 1))
	echo "$port" > "$tmp/port"
	rm -f "$tmp/srv.out"
	"$@" "$p" -p "$port" $srv_args > "$tmp/srv.out" 2>&1 &
	spid=$!
	i=0
	while [ $i -lt 200 ] && ! grep -qs listening "$tmp/srv.out"; do
		sleep 0.05; i=$((i + 1))
	done
}

stop() { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; spid=; }

cputicks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# wrk_run CONNS SECS PATH: wrk's output.  wrk's time includes opening the
# connections, for every server alike.
wrk_run() {
	${pin:+taskset -c "$ccpu"} wrk -t1 -c"$1" -d"$2s" \
	    "http://127.0.0.1:$port$3" 2>&1
}

# load VARIANT CONNS PATH: prints "REQS_PER_SEC CPU_US_PER_REQ ERRORS".
load() {
	start "$(prog "$1")" ${pin:+taskset -c "$scpu"}
	t0=$(cputicks "$spid")
	out=$(wrk_run "$2" "$secs" "$3")
	t1=$(cputicks "$spid")
	stop
	case $out in
	*"requests in"*) ;;
	*) echo "$1 GET $3 c$2 failed: $(echo "$out" | tail -1);" \
	    "server: $(tail -1 "$tmp/srv.out" 2>/dev/null)" >&2 ;;
	esac
	echo "$out" | awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" '
	    / requests in / { n = $1 }
	    /^Requests\/sec:/ { rps = $2 }
	    /Socket errors:/ { err = $0 }
	    /Non-2xx/ { err = err " " $0 }
	    END { sub(/.*Socket errors: */, "", err); gsub(/ /, "_", err)
		printf "%.0f %.2f %s\n", rps, (n > 0 ? t * 1e6 / hz / n : 0),
		    (err == "" ? "-" : err) }'
}

# syscalls VARIANT PATH: syscalls per request under strace -c -f.
syscalls() {
	command -v strace > /dev/null 2>&1 || return
	# The server stops by itself after 4 s; strace then writes its table.
	srv_args="-t 4" start "$(prog "$1")" strace -c -f -o "$tmp/strace"
	n=$(wrk_run 100 2 "$2" | awk '/ requests in / { print $1 }')
	wait "$spid"
	awk -v n="${n:-0}" '$NF == "total" && n > 0 { printf "%.3f\n", $4 / n }' \
	    "$tmp/strace"
}

# instrs VARIANT PATH: instructions per request under callgrind.
instrs() {
	command -v valgrind > /dev/null 2>&1 || return
	srv_args="-t 6" start "$(prog "$1")" valgrind --tool=callgrind \
	    --callgrind-out-file=/dev/null --toggle-collect=main
	n=$(wrk_run 100 3 "$2" | awk '/ requests in / { print $1 }')
	wait "$spid"
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/srv.out" |
	    awk -v n="${n:-0}" 'n > 0 { printf "%.0f\n", $1 / n }'
}

bench_header "http: GET / (13 B) and GET /16k, keep-alive, wrk -t1, epoll"
echo "variants: $vars; $repeat repetitions of ${secs} s; server on CPU $scpu," \
    "wrk on CPU $ccpu"
i=0
while [ $i -lt "$repeat" ]; do
	for c in $conns; do
		for path in / /16k; do
			for v in $vars; do
				set -- $(load "$v" "$c" "$path")
				[ "$3" != "-" ] && echo "  $v GET $path c$c:" \
				    "errors $3" | tr _ ' '
				bench_record "GET $path c$c" req/s "$v" "$1"
				bench_record "GET $path c$c cpu/req" us "$v" "$2"
			done
		done
	done
	i=$((i + 1))
done
for path in / /16k; do
	for v in $vars; do
		bench_record "GET $path c100 syscalls/req" calls "$v" \
		    "$(syscalls "$v" "$path")"
		bench_record "GET $path c100 instr/req" Ir "$v" \
		    "$(instrs "$v" "$path")"
	done
done
bench_table
# The targets: relevent against the raw floor at c100, and each server's
# many-connection figure against its own 100-connection one.
awk -F'|' '$2 == "req/s" { v[$1 "|" $3] = v[$1 "|" $3] " " $4 }
function med(s,   a, n, i, j, t) {
	n = split(s, a, " ")
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
END {
	for (k in v) m[k] = med(v[k])
	split("/ /16k", p, " ")
	for (i = 1; i <= 2; i++) {
		r = "GET " p[i] " c100|"
		if (m[r "raw"] > 0)
			printf "relevent / raw epoll, GET %s c100: %.2fx\n",
			    p[i], m[r "ours"] / m[r "raw"]
		# Each repetition runs the two within seconds of each other:
		# the median of those ratios is blind to the machine moving
		# between fast and slow spells from one repetition to another.
		nr = split(v[r "ours"], a, " ")
		if (split(v[r "raw"], b, " ") == nr && nr > 0) {
			s = ""
			for (j = 1; j <= nr; j++)
				if (b[j] > 0)
					s = s " " a[j] / b[j]
			printf "relevent / raw epoll, GET %s c100, median of" \
			    " the per-repetition ratios: %.2fx\n", p[i], med(s)
		}
		for (k in m) {
			split(k, f, "|")
			if (f[1] ~ ("^GET " p[i] " c[0-9]+$") && f[1] != "GET " p[i] " c100" && m[r f[2]] > 0)
				printf "%s, %s / c100: %.2fx\n", f[2], f[1], m[k] / m[r f[2]]
		}
	}
}' "$bench_data"
