#!/bin/sh
# t-install.sh -- `make install DESTDIR=...` puts headers, libraries,
# pkg-config files, man pages and the generator in place, and a program
# built with `pkg-config --cflags --libs libevent` against that tree runs
# (TAP).
. "${srcdir:-$(dirname "$0")/..}/test/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$(sed -n 's/^prefix = //p' "$builddir/Makefile")
dest=$tmp/root

# A clean MAKEFLAGS: not the -i and jobserver of the make check around us.
if ! MAKEFLAGS= make -C "$builddir" --no-print-directory install DESTDIR="$dest" > "$tmp/log" 2>&1; then
	tap_fail install/make-install; tail -20 "$tmp/log" | tap_note; tap_done
fi
tap_ok install/make-install

root=$dest$prefix
for f in include/event.h include/evutil.h include/event-config.h \
    lib/pkgconfig/libevent.pc lib/pkgconfig/libevent_core.pc lib/pkgconfig/libevent_extra.pc \
    lib/libevent.so lib/libevent_core.so lib/libevent_extra.so \
    lib/libevent-1.4.so.2 lib/libevent.a lib/libevent_core.a lib/libevent_extra.a; do
	if [ -e "$root/$f" ]; then tap_ok "install/file/$f"; else tap_fail "install/file/$f" missing; fi
done
for f in include/event2/buffer.h include/event2/buffer_compat.h \
    include/event2/bufferevent.h include/event2/bufferevent_struct.h \
    include/event2/bufferevent_compat.h include/event2/listener.h; do
	if [ -e "$root/$f" ]; then tap_ok "install/file/$f"; else tap_fail "install/file/$f" missing; fi
done
for f in include/evhttp.h include/evdns.h include/evrpc.h bin/event_rpcgen.py share/man/man3/event.3 share/man/man3/evdns.3; do
	if [ -e "$root/$f" ]; then tap_ok "install/file/$f"
	elif [ -e "$srcdir/$(basename $f)" ] || [ -e "$srcdir/include/$(basename $f)" ]; then tap_fail "install/file/$f" missing
	else tap_skip "install/file/$f" "not written yet"; fi
done
if grep -q '^#define HAVE_' "$root/include/event-config.h"; then
	tap_fail install/event-config-prefixed "raw HAVE_ macro installed"
else
	tap_ok install/event-config-prefixed
fi
if ls "$root/include" | grep -q -- '-internal.h'; then
	tap_fail install/no-internal-headers
else
	tap_ok install/no-internal-headers
fi

cat > "$tmp/p.c" <<'C'
#include <sys/types.h>
#include <sys/time.h>
#include <stdio.h>
#include <string.h>
#include <event.h>
static int fired;
static void cb(int fd, short what, void *arg) { (void)fd; (void)arg; fired = what; }
int main(void) {
	struct event ev;
	struct timeval tv = { 0, 1000 };
	event_init();
	evtimer_set(&ev, cb, NULL);
	evtimer_add(&ev, &tv);
	event_dispatch();
	printf("%s %d\n", event_get_version(), fired);
	return fired == EV_TIMEOUT && strcmp(event_get_version(), "1.4.15") == 0 ? 0 : 1;
}
C
for pc in libevent libevent_core; do
	flags=$(PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" \
		pkg-config --cflags --libs $pc 2> "$tmp/err")
	if [ $? -ne 0 ]; then tap_fail "install/pkg-config/$pc"; tap_note < "$tmp/err"; continue; fi
	if ${CC:-cc} -Wall -Werror "$tmp/p.c" -o "$tmp/p" $flags 2> "$tmp/err" &&
	   LD_LIBRARY_PATH="$root/lib" "$tmp/p" > "$tmp/out" 2>&1 && grep -q '^1.4.15 1$' "$tmp/out"; then
		tap_ok "install/pkg-config/$pc"
	else
		tap_fail "install/pkg-config/$pc" "flags: $flags"; cat "$tmp/err" "$tmp/out" 2>/dev/null | head | tap_note
	fi
done
tap_done
