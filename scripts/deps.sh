#!/bin/sh
# deps.sh -- install what building and testing relevent needs (Debian, root).
# Usage: sh scripts/deps.sh [build|test|clients]
#   test: also the real peers; clients: what make check-clients needs to
#   fetch (apt-get source), build and test tmux and memcached.
set -e
want="build-essential autoconf automake libtool pkg-config python3"
if [ "${1:-build}" = test ]; then
	# curl, nginx and dnsmasq are the real peers of the HTTP and DNS tests;
	# libevent-dev is only for side-by-side benchmarks (never on our include path).
	want="$want clang curl nginx-light dnsmasq-base dnsutils wrk valgrind strace libevent-dev"
	# CI: libFuzzer and the sanitizer runtimes for clang; gcc -m32.
	want="$want libclang-rt-14-dev gcc-multilib"
	# The Windows cross build (scripts/build-win32.sh) and wine to run it.
	want="$want gcc-mingw-w64-x86-64 wine wine64"
fi
if [ "${1:-build}" = clients ]; then
	want="$want dpkg-dev libncurses-dev bison perl"
fi
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing > /dev/null
# nginx-light starts a system service on port 80 when installed; the tests
# run their own instance on a loopback port and need nothing else.
