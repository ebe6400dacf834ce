#!/bin/sh
# t-symbols.sh -- each shared library exports exactly the names of its
# committed list, so an accidental export (or a lost one) fails
# `make check` (TAP).
#
#   test/symbols-core.txt    libevent_core
#   test/symbols-extra.txt   libevent_extra
#   both                     libevent
#   test/symbols-pthreads.txt  libevent_pthreads
#
# The lists hold one name per line, sorted (LC_ALL=C sort), '#' lines are
# comments.  To export a new name, add it to the list of the library whose
# sources define it, in sorted place.  Names the toolchain adds to every
# shared object (_init, _fini, _edata, _end, __bss_start) are ignored.
. "${srcdir:-$(dirname "$0")/..}/test/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
lists=$srcdir/test

# A list without its comments.
names() {
	grep -v '^#' "$lists/symbols-$1.txt" | grep -v '^[[:space:]]*$'
}

for l in core extra; do
	if names $l > "$tmp/$l" && LC_ALL=C sort -c -u "$tmp/$l" 2> "$tmp/err"; then
		tap_ok "symbols/list-$l-sorted"
	else
		tap_fail "symbols/list-$l-sorted" "keep symbols-$l.txt sorted, one name a line"
		tap_note < "$tmp/err"
	fi
done
cat "$tmp/core" "$tmp/extra" | LC_ALL=C sort -u > "$tmp/all"

names pthreads > "$tmp/pthreads"
for lib in libevent_core:core libevent_extra:extra libevent:all \
    libevent_pthreads:pthreads; do
	name=${lib%%:*} want=$tmp/${lib#*:}
	so=$builddir/.libs/$name.so
	if [ ! -e "$so" ] && [ $name = libevent_pthreads ]; then
		tap_skip "symbols/$name" "not built (no POSIX threads)"
		continue
	elif [ ! -e "$so" ]; then
		tap_fail "symbols/$name" "$so missing"
		continue
	fi
	nm -D --defined-only "$so" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' |
		grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$' |
		LC_ALL=C sort -u > "$tmp/got"
	if cmp -s "$want" "$tmp/got"; then
		tap_ok "symbols/$name"
	else
		tap_fail "symbols/$name" "exports differ from the list"
		LC_ALL=C comm -13 "$want" "$tmp/got" | sed 's/^/exported, not listed: /' | tap_note
		LC_ALL=C comm -23 "$want" "$tmp/got" | sed 's/^/listed, not exported: /' | tap_note
	fi
done

# Programs test LIBEVENT_VERSION_NUMBER to switch to the 2.x API: never define it.
# (the 1.4 headers never do; only include/event2/ does)
if grep -q 'define[[:space:]]*LIBEVENT_VERSION_NUMBER' "$srcdir"/include/*.h; then
	tap_fail symbols/no-2x-version-macro
else
	tap_ok symbols/no-2x-version-macro
fi
tap_done
