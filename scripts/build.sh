#!/bin/sh
# build.sh -- configure and build in _build/ (out of tree, idempotent).
# Extra arguments go to configure.
set -e
cd "$(dirname "$0")/.."
[ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi > /dev/null 2>&1 || autoreconf -fi
mkdir -p _build
cd _build
if [ ! -f Makefile ] || [ -n "$*" ]; then
	../configure -q --enable-gcc-warnings "$@"
fi
make -j"$(nproc)" > make.log 2>&1 || { tail -40 make.log; exit 1; }
echo "built in $(pwd)"
