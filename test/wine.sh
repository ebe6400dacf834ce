#!/bin/sh
# wine.sh PROGRAM.exe [ARGS...] -- run a program of the Windows cross
# build under wine: wine64 (Debian keeps it in /usr/lib/wine/), or wine,
# with wine's own diagnostics off, and without the .NET and HTML engines
# that a new wine prefix would offer to install (a dialog nobody sees).
# Without wine it prints the TAP line that skips the run
# (test/win32.backend is its caller in make check).  WINE overrides the
# choice.
for w in ${WINE:-} wine64 /usr/lib/wine/wine64 wine; do
	if command -v "$w" > /dev/null 2>&1; then
		WINEDEBUG=${WINEDEBUG:--all}
		WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
		export WINEDEBUG WINEDLLOVERRIDES
		exec "$w" "$@"
	fi
done
echo "1..0 # SKIP win32: wine is not installed"
exit 0
