#!/bin/sh
# fuzz/build.sh [SRCDIR] -- what `make fuzz` runs: configure fuzz-build/
# (under the current directory) with clang, the library instrumented for
# libFuzzer and built with ASan and UBSan, and build every target there
# as fuzz-build/fuzz/<name>-fuzzer.  Idempotent: a configured fuzz-build/
# is only brought up to date.
set -e
srcdir=$(cd "${1:-$(dirname "$0")/..}" && pwd)
CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
mkdir -p fuzz-build
cd fuzz-build
if [ ! -f Makefile ]; then
	"$srcdir/configure" -q CC="$CC" \
	    CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $SAN" \
	    LDFLAGS="$SAN" --disable-shared
fi
make -j"$(nproc)" > make.log 2>&1 || { tail -30 make.log; exit 1; }
make -j"$(nproc)" fuzz-programs >> make.log 2>&1 || { tail -30 make.log; exit 1; }
echo "fuzz targets built in $(pwd)/fuzz"
