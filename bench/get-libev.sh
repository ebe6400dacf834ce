#!/bin/sh
# get-libev.sh DIR -- libev's libevent emulation for the side-by-side
# benchmarks, unpacked into DIR (never installed: Debian's
# libev-libevent-dev conflicts with libevent-dev).  Leaves DIR/include
# (event.h, ev.h) and DIR/libev.a; exits 0 when they are there.
# Needs apt-get (Debian); downloading needs no root, but apt's lists must
# be current (apt-get update, as root).
dir=${1:-bench/libev}
[ -f "$dir/include/event.h" ] && [ -f "$dir/libev.a" ] && exit 0
how="libev: not benchmarked.  On Debian: apt-get update; then make bench
fetches libev-libevent-dev and libev-dev itself (apt-get download + dpkg -x
into $dir, nothing installed)."
command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1 ||
	{ echo "$how"; exit 1; }
tmp=$dir.tmp
rm -rf "$tmp" && mkdir -p "$tmp/deb" "$tmp/root" || exit 1
# apt's sandbox user must be able to write the download directory.
chmod 777 "$tmp/deb" 2>/dev/null
if ! (cd "$tmp/deb" && apt-get download -q libev-libevent-dev libev-dev \
    >/dev/null 2>&1); then
	rm -rf "$tmp"
	echo "$how"
	exit 1
fi
for f in "$tmp"/deb/*.deb; do
	dpkg -x "$f" "$tmp/root" || { rm -rf "$tmp"; echo "$how"; exit 1; }
done
ver=$(dpkg-deb -f "$(ls "$tmp"/deb/libev-dev*.deb | head -1)" Version 2>/dev/null)
a=$(find "$tmp/root" -name libev.a | head -1)
h=$(find "$tmp/root" -name event.h | head -1)
if [ -z "$a" ] || [ -z "$h" ]; then
	rm -rf "$tmp"
	echo "libev: the packages hold no libev.a or event.h"
	exit 1
fi
rm -rf "$dir" && mkdir -p "$dir/include" &&
	cp "$(dirname "$h")"/event.h "$(dirname "$h")"/ev.h "$dir/include/" &&
	cp "$a" "$dir/libev.a" && rm -rf "$tmp" || exit 1
echo "$ver" > "$dir/VERSION"
echo "libev: libev-dev $ver unpacked into $dir"
exit 0
