#!/bin/sh
# build-win32.sh -- cross-build for Windows with mingw-w64 in _build-win32/
# (out of tree, idempotent): the DLLs and static libraries, the samples
# and test/regress.exe, which `make check` in _build/ then runs under wine
# (test/win32.backend).  Extra arguments go to configure.
set -e
cd "$(dirname "$0")/.."
host=${WIN32_HOST:-x86_64-w64-mingw32}
if ! command -v "$host-gcc" > /dev/null 2>&1; then
	echo "build-win32.sh: no $host-gcc (scripts/deps.sh test installs it)" >&2
	exit 1
fi
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi > /dev/null 2>&1 || autoreconf -fi
mkdir -p _build-win32
cd _build-win32
if [ ! -f Makefile ] || [ -n "$*" ]; then
	../configure -q --host="$host" --enable-gcc-warnings "$@"
fi
{ make -j"$(nproc)" && make -j"$(nproc)" test/regress.exe; } > make.log 2>&1 || { tail -40 make.log; exit 1; }
echo "built in $(pwd)"
