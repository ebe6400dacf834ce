#!/bin/sh
# check.sh -- what `make check` runs, from the build directory.
#
# 1. test/regress: every case in its own process, on every backend.
# 2. test/t-*.sh: whole-program checks (samples, headers, install, symbols),
#    each printing "ok NAME", "FAIL NAME ..." or "SKIP NAME: reason" lines.
# The last line is the total over both: "N passed, N failed[, N skipped]".
#
# REGRESS_JOBS sets how many regress cases run at once (default 2).

srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=$(pwd)
export srcdir builddir
mkdir -p test
log=test/check.log
: > "$log"

pass=0 fail=0 skip=0

count() {
	# $1: file with ok/FAIL/SKIP lines
	p=$(grep -c '^ok ' "$1")
	f=$(grep -c '^FAIL ' "$1")
	s=$(grep -c '^SKIP ' "$1")
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}

./test/regress -j "${REGRESS_JOBS:-2}" > test/regress.out 2>&1
rc=$?
cat test/regress.out
cat test/regress.out >> "$log"
# A runner that died before its summary is a failure of its own.
if ! tail -n 1 test/regress.out | grep -q ' passed, '; then
	echo "FAIL regress # runner ended early (status $rc)"
	fail=$((fail + 1))
fi
# Backends that are unavailable show as SKIP lines too and count as skipped.
count test/regress.out

# 1b. test/regress-emul (Linux): the same cases on kqueue and devpoll, run
#     through our emulations of their kernel interfaces (mk/emul.am), plus
#     the emulations' own rule tests (emul/*).  Each test/<name>.backend
#     names the backend and the runner binary.
for def in "$srcdir"/test/kqueue.backend "$srcdir"/test/devpoll.backend; do
	BACKEND= REGRESS=
	. "$def"
	if [ ! -x "./$REGRESS" ]; then
		echo "(no $REGRESS here: $BACKEND emulated on Linux only)"
		continue
	fi
	out=test/regress-$BACKEND.out
	"./$REGRESS" -j "${REGRESS_JOBS:-2}" -b "$BACKEND" > "$out" 2>&1
	rc=$?
	cat "$out"
	cat "$out" >> "$log"
	if ! tail -n 1 "$out" | grep -q ' passed, '; then
		echo "FAIL $REGRESS -b $BACKEND # runner ended early (status $rc)"
		fail=$((fail + 1))
	fi
	count "$out"
done

for t in "$srcdir"/test/t-*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	out=test/$name.out
	${SHELL:-sh} "$t" > "$out" 2>&1
	rc=$?
	cat "$out"
	cat "$out" >> "$log"
	if [ $rc -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
		echo "FAIL $name # exit status $rc" | tee -a "$log"
		fail=$((fail + 1))
	fi
	count "$out"
done

if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
