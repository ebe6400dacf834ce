#!/bin/sh
# t-samples.sh -- the sample programs build and do their job (TAP).
. "${srcdir:-$(dirname "$0")/..}/test/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; [ -n "$pid" ] && kill $pid 2>/dev/null' EXIT
s=$builddir/sample
pid=

# time-test: a repeating timer; with a count it stops by itself.
if [ -x "$s/time-test" ]; then
	if timeout 10 "$s/time-test" 3 > "$tmp/out" 2>&1 && [ "$(grep -c '^tick' "$tmp/out")" -eq 3 ]; then
		tap_ok samples/time-test
	else
		tap_fail samples/time-test; head "$tmp/out" | tap_note
	fi
else
	tap_fail samples/time-test "not built"
fi

# signal-test: handles SIGINT and exits.
if [ -x "$s/signal-test" ]; then
	"$s/signal-test" > "$tmp/sig" 2>&1 &
	pid=$!
	# Wait until it reports that its handler is installed.
	i=0; while [ $i -lt 100 ] && ! grep -q 'ready' "$tmp/sig"; do sleep 0.05; i=$((i+1)); done
	kill -INT $pid
	i=0; while [ $i -lt 100 ] && kill -0 $pid 2>/dev/null; do sleep 0.05; i=$((i+1)); done
	if kill -0 $pid 2>/dev/null; then
		tap_fail samples/signal-test "still running after SIGINT"; kill $pid
	elif wait $pid && grep -q 'SIGINT' "$tmp/sig"; then
		tap_ok samples/signal-test
	else
		tap_fail samples/signal-test; head "$tmp/sig" | tap_note
	fi
	pid=
else
	tap_fail samples/signal-test "not built"
fi

# event-test: reads what is written to its FIFO.
if [ -x "$s/event-test" ]; then
	(cd "$tmp" && exec "$s/event-test") > "$tmp/ev" 2>&1 &
	pid=$!
	i=0; while [ $i -lt 100 ] && [ ! -p "$tmp/event.fifo" ]; do sleep 0.05; i=$((i+1)); done
	printf 'hello relevent\n' > "$tmp/event.fifo"
	i=0; while [ $i -lt 100 ] && ! grep -q 'hello relevent' "$tmp/ev"; do sleep 0.05; i=$((i+1)); done
	kill $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
	if grep -q 'hello relevent' "$tmp/ev"; then
		tap_ok samples/event-test
	else
		tap_fail samples/event-test; head "$tmp/ev" | tap_note
	fi
else
	tap_fail samples/event-test "not built"
fi
tap_done
