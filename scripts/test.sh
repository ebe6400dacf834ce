#!/bin/sh
# test.sh -- README command 2: install what the tests need, build with
# -Werror, and run the whole suite (make check).  Ends with
# "N passed, N failed[, N skipped]".
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh test
sh scripts/build.sh
cd _build
make --no-print-directory check
