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
    include/event2/event.h include/event2/event_struct.h include/event2/event_compat.h \
    include/event2/util.h include/event2/thread.h include/event2/visibility.h \
    include/event2/event-config.h \
    lib/pkgconfig/libevent.pc lib/pkgconfig/libevent_core.pc lib/pkgconfig/libevent_extra.pc \
    lib/pkgconfig/libevent_pthreads.pc lib/libevent_pthreads.so \
    lib/libevent.so lib/libevent_core.so lib/libevent_extra.so \
    lib/libevent-1.4.so.2 lib/libevent.a lib/libevent_core.a lib/libevent_extra.a; do
	if [ -e "$root/$f" ]; then tap_ok "install/file/$f"; else tap_fail "install/file/$f" missing; fi
done
for f in include/event2/buffer.h include/event2/buffer_compat.h \
    include/event2/bufferevent.h include/event2/bufferevent_struct.h \
    include/event2/bufferevent_compat.h include/event2/listener.h \
    include/event2/dns.h include/event2/dns_compat.h include/event2/dns_struct.h \
    include/event2/tag.h include/event2/tag_compat.h include/event2/rpc.h \
    include/event2/rpc_struct.h include/event2/rpc_compat.h \
    include/event2/keyvalq_struct.h include/event2/http.h; do
	if [ -e "$root/$f" ]; then tap_ok "install/file/$f"; else tap_fail "install/file/$f" missing; fi
done
for f in include/evhttp.h include/evdns.h include/evrpc.h bin/event_rpcgen.py share/man/man3/event.3 share/man/man3/evdns.3; do
	if [ -e "$root/$f" ]; then tap_ok "install/file/$f"
	elif [ -e "$srcdir/$(basename $f)" ] || [ -e "$srcdir/include/$(basename $f)" ]; then tap_fail "install/file/$f" missing
	else tap_skip "install/file/$f" "not written yet"; fi
done
if grep -q '^#define HAVE_' "$root/include/event-config.h" "$root/include/event2/event-config.h"; then
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
	return fired == EV_TIMEOUT && strcmp(event_get_version(), "2.1.12-stable") == 0 ? 0 : 1;
}
C
for pc in libevent libevent_core; do
	flags=$(PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" \
		pkg-config --cflags --libs $pc 2> "$tmp/err")
	if [ $? -ne 0 ]; then tap_fail "install/pkg-config/$pc"; tap_note < "$tmp/err"; continue; fi
	if ${CC:-cc} -Wall -Werror "$tmp/p.c" -o "$tmp/p" $flags 2> "$tmp/err" &&
	   LD_LIBRARY_PATH="$root/lib" "$tmp/p" > "$tmp/out" 2>&1 && grep -q "^2.1.12-stable 1$" "$tmp/out"; then
		tap_ok "install/pkg-config/$pc"
	else
		tap_fail "install/pkg-config/$pc" "flags: $flags"; cat "$tmp/err" "$tmp/out" 2>/dev/null | head | tap_note
	fi
done

# The .pc files report the 2.x API's version: checks written for 1.4
# (">= 1.4") and for 2.x (">= 2", ">= 2.1.8") both pass.
pcq() {
	PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest" pkg-config "$@"
}
for pc in libevent libevent_core libevent_extra libevent_pthreads; do
	if pcq --atleast-version=2.1.8 $pc && pcq --atleast-version=1.4 $pc &&
	   pcq --exists "$pc >= 2"; then
		tap_ok "install/pc-version/$pc"
	else
		tap_fail "install/pc-version/$pc" "$(pcq --modversion $pc 2>&1)"
	fi
done

# A 2.x program with threads, built from the installed tree only.
cat > "$tmp/p2.c" <<'C'
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <event2/event.h>
#include <event2/thread.h>
static struct event *ev;
static void *poke(void *arg) { (void)arg; event_active(ev, EV_TIMEOUT, 1); return NULL; }
static void cb(evutil_socket_t fd, short what, void *arg) { (void)fd; (void)what; event_base_loopbreak(arg); }
int main(void) {
	struct event_base *b;
	pthread_t t;
	if (evthread_use_pthreads() != 0 || (b = event_base_new()) == NULL)
		return 2;
	ev = event_new(b, -1, 0, cb, b);
	pthread_create(&t, NULL, poke, NULL);
	if (event_base_loop(b, EVLOOP_NO_EXIT_ON_EMPTY) != 0)
		return 3;
	pthread_join(t, NULL);
	printf("%s %x\n", event_get_version(), (unsigned)event_get_version_number());
	event_free(ev);
	event_base_free(b);
	return strcmp(event_get_version(), LIBEVENT_VERSION) != 0;
}
C
flags=$(pcq --cflags --libs libevent_core libevent_pthreads 2> "$tmp/err")
if [ $? -ne 0 ]; then
	tap_fail "install/pkg-config/2x-threads"; tap_note < "$tmp/err"
elif ${CC:-cc} -Wall -Werror "$tmp/p2.c" -o "$tmp/p2" $flags -pthread 2> "$tmp/err" &&
   LD_LIBRARY_PATH="$root/lib" "$tmp/p2" > "$tmp/out" 2>&1 && grep -q '^2.1.12-stable 2010c00$' "$tmp/out"; then
	tap_ok "install/pkg-config/2x-threads"
else
	tap_fail "install/pkg-config/2x-threads" "flags: $flags"; cat "$tmp/err" "$tmp/out" 2>/dev/null | head -20 | tap_note
fi
tap_done
