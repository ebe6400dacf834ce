#!/bin/sh
# run-backend.sh FILE.backend -- what `make check` runs for each
# test/<name>.backend (BACKEND_LOG_COMPILER): test/regress on one backend,
# its TAP on stdout for tap-driver.sh.
#
# A .backend file is a few shell assignments, sourced here:
#   BACKEND=epoll          the backend (regress -b); empty: the library's
#                          own choice
#   REGRESS=test/regress   the runner binary, relative to the build tree
#                          (a backend tested against emulated kernel calls
#                          names another one)
#   CASES=backend          backend: the cases that depend on the backend
#                          (regress --no-once); once: the backend-
#                          independent RT_ONCE cases (--once), which
#                          test/once.backend runs a single time per
#                          `make check`; all: both
#   ARGS=                  more regress arguments (patterns, -v)
#   LAUNCHER=              the program that runs REGRESS (wine: a cross-
#                          built test/regress.exe); a runner that is not
#                          there, or a launcher that is not installed,
#                          then skips the run instead of failing it
#   JOBS=                  cases at once for this backend (default
#                          REGRESS_JOBS, else 2)
#   SLOWDOWN=              the least REGRESS_TIMEOUT_MULTIPLIER this
#                          runner gets (it scales every time limit)
# REGRESS_JOBS (default 2) sets how many cases run at once.
# An unavailable backend makes regress print "1..0 # SKIP <name> unavailable".
set -u
if [ $# -ne 1 ] || [ ! -r "$1" ]; then
	echo "Bail out! usage: run-backend.sh FILE.backend"
	exit 1
fi
BACKEND= REGRESS=test/regress CASES=backend ARGS= LAUNCHER= JOBS= SLOWDOWN=
case $1 in
*/*) . "$1" ;;
*) . "./$1" ;;
esac
case $CASES in
backend) set -- --no-once ;;
once) set -- --once ;;
all) set -- ;;
*) echo "Bail out! $1: CASES must be backend, once or all"; exit 1 ;;
esac
# Where the emulations are not built (not Linux), a system that has the
# backend natively runs it with the normal runner.
if [ ! -x "$REGRESS" ] && [ "$REGRESS" = test/regress-emul ]; then
	REGRESS=test/regress
fi
if [ -n "$LAUNCHER" ]; then
	if [ ! -f "$REGRESS" ]; then
		echo "1..0 # SKIP $BACKEND: no cross build ($REGRESS)"
		exit 0
	fi
	if ! command -v "${LAUNCHER%% *}" > /dev/null 2>&1; then
		echo "1..0 # SKIP $BACKEND: ${LAUNCHER%% *} is not installed"
		exit 0
	fi
elif [ ! -x "$REGRESS" ]; then
	echo "Bail out! $REGRESS is not built (make check builds it)"
	exit 1
fi
if [ -n "$BACKEND" ]; then
	set -- -b "$BACKEND" "$@"
fi
# (awk: either may be a fraction)
if [ -n "$SLOWDOWN" ] && awk -v a="${REGRESS_TIMEOUT_MULTIPLIER:-1}" \
    -v b="$SLOWDOWN" 'BEGIN { exit !(a + 0 < b + 0) }'; then
	REGRESS_TIMEOUT_MULTIPLIER=$SLOWDOWN
	export REGRESS_TIMEOUT_MULTIPLIER
fi
# ARGS and LAUNCHER are split into words on purpose.
# shellcheck disable=SC2086
exec $LAUNCHER "$REGRESS" -j "${JOBS:-${REGRESS_JOBS:-2}}" "$@" $ARGS
