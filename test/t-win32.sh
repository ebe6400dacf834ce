#!/bin/sh
# t-win32.sh -- the Windows build at work (TAP): sample/http-server.exe of
# the mingw-w64 cross build (scripts/build-win32.sh, in _build-win32/
# beside this build tree or in $WIN32_BUILD), run under wine, serves this
# tree's sample/ directory to curl on the Linux side.  Skipped without
# that build, wine or curl.
. "${srcdir:-$(dirname "$0")/..}/test/tap.sh"
w=${WIN32_BUILD:-$builddir/../_build-win32}
exe=$w/sample/http-server.exe
tmp=$(mktemp -d)
pid=
trap 'rm -rf "$tmp"; [ -n "$pid" ] && kill $pid 2>/dev/null' EXIT

wine=
for c in ${WINE:-} wine64 /usr/lib/wine/wine64 wine; do
	command -v "$c" > /dev/null 2>&1 && { wine=$c; break; }
done
why=
[ -f "$exe" ] || why="no cross build ($w)"
[ -n "$why" ] || [ -n "$wine" ] || why="wine is not installed"
[ -n "$why" ] || command -v curl > /dev/null 2>&1 || why="curl is not installed"
if [ -n "$why" ]; then
	tap_skip win32/http-server "$why"
	tap_done
fi

# A port nobody listens on (wine may take seconds to start: a port the
# server could not bind shows as a server that never answers).
port=$((20000 + $$ % 20000))
WINEDEBUG=-all WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=} \
	"$wine" "$exe" -p $port "$srcdir/sample" > "$tmp/log" 2>&1 &
pid=$!
i=0
until curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2> /dev/null; do
	i=$((i + 1))
	if [ $i -ge 300 ] || ! kill -0 $pid 2> /dev/null; then
		tap_fail win32/http-server "no answer on port $port"
		tap_note < "$tmp/log"
		tap_done
	fi
	sleep 0.1
done
tap_ok win32/http-server-starts
u=http://127.0.0.1:$port

tap_check win32/get-file sh -c "curl -fsS '$u/time-test.c' | cmp - '$srcdir/sample/time-test.c'"
size=$(wc -c < "$srcdir/sample/time-test.c")
tap_check win32/head sh -c "curl -fsS -I '$u/time-test.c' | tr -d '\r' | grep -qx 'Content-Length: $size'"
tap_check win32/listing sh -c "curl -fsS '$u/' | grep -q 'href=\"time-test.c\"'"
tap_check win32/keep-alive sh -c "curl -fsS -o /dev/null -o /dev/null -w '%{num_connects}\n' '$u/time-test.c' '$u/event-test.c' | tail -1 | grep -qx 0"
tap_check win32/traversal-refused sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' '$u/..%2fconfigure.ac')\" = 404"
tap_check win32/drive-refused sh -c "test \"\$(curl -s -o /dev/null -w '%{http_code}' '$u/C:%5cwindows')\" = 400"
kill $pid 2> /dev/null
wait $pid 2> /dev/null
pid=
tap_done
