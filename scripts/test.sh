#!/bin/sh
# test.sh -- README command 2: install what the tests need, build with
# -Werror (natively in _build/, and for Windows with mingw-w64 in
# _build-win32/), and run the whole suite (make check), which runs the
# Windows build under wine as the win32 backend.  Ends with
# "N passed, N failed[, N skipped]".
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh test
sh scripts/build.sh
sh scripts/build-win32.sh
cd _build
make --no-print-directory check
