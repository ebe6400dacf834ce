#!/bin/sh
# t-headers.sh -- every installed header compiles alone as C89, C99 and C++,
# and our include/ wins over any system libevent headers (TAP).
. "${srcdir:-$(dirname "$0")/..}/test/tap.sh"
CC=${CC:-cc}
CXX=${CXX:-c++}
inc="-I$builddir/include -I$srcdir/include"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# evrpc.h includes nothing, as in 1.4: its prerequisites come first.
prereq() {
	case $1 in
	evrpc.h) printf '#include <sys/queue.h>\n#include <stdlib.h>\n#include <stdio.h>\n#include <string.h>\n#include <event.h>\n#include <evhttp.h>\n' ;;
	esac
}

for h in event.h evutil.h evhttp.h evdns.h evrpc.h event2/event.h \
    event2/event_struct.h event2/event_compat.h event2/util.h \
    event2/thread.h event2/visibility.h event2/event-config.h \
    event2/buffer.h event2/buffer_compat.h event2/bufferevent.h \
    event2/bufferevent_struct.h event2/bufferevent_compat.h \
    event2/listener.h event2/dns.h event2/dns_compat.h event2/dns_struct.h \
    event2/tag.h event2/tag_compat.h event2/rpc.h event2/rpc_struct.h \
    event2/rpc_compat.h event2/keyvalq_struct.h event2/http.h \
    event2/http_struct.h event2/http_compat.h; do
	[ -f "$srcdir/include/$h" ] || [ -f "$builddir/include/$h" ] ||
		{ tap_skip "headers/$h" "not written yet"; continue; }
	for std in c89 c99 c++; do
		f=$tmp/t.c
		{ prereq $h; echo "#include <$h>"; echo "int main(void) { return 0; }"; } > "$f"
		case $std in
		c++) cp "$f" "$tmp/t.cc"; cmd="$CXX -x c++ -Wall -Wextra -Werror -pedantic $inc -c $tmp/t.cc -o $tmp/t.o" ;;
		c89) cmd="$CC -std=c89 -Wall -Wextra -Werror -pedantic -Wno-long-long $inc -c $f -o $tmp/t.o" ;;
		*) cmd="$CC -std=$std -Wall -Wextra -Werror -pedantic $inc -c $f -o $tmp/t.o" ;;
		esac
		if $cmd > "$tmp/err" 2>&1; then
			tap_ok "headers/$h/$std"
		else
			tap_fail "headers/$h/$std"
			head -20 "$tmp/err" | tap_note
		fi
	done
done

# The 1.4 and 2.x buffer headers together, in both orders: no conflicting
# declarations, and the 2.x int results of evbuffer_drain, evbuffer_setcb
# and bufferevent_setfd are there either way (C and C++).
for order in 14-first 2x-first; do
	{
		[ $order = 14-first ] && echo '#include <event.h>'
		echo '#include <event2/buffer.h>'
		echo '#include <event2/buffer_compat.h>'
		echo '#include <event2/bufferevent.h>'
		echo '#include <event2/bufferevent_struct.h>'
		echo '#include <event2/bufferevent_compat.h>'
		echo '#include <event2/listener.h>'
		[ $order = 2x-first ] && echo '#include <event.h>'
		cat <<'C'
int f(struct evbuffer *b, struct bufferevent *bev);
int f(struct evbuffer *b, struct bufferevent *bev)
{
	int r = evbuffer_drain(b, 1) + evbuffer_setcb(b, 0, 0) +
	    bufferevent_setfd(bev, -1);
	return r + (int)EVBUFFER_LENGTH(b) + (EVBUFFER_DATA(b) != 0) +
	    (bev->input == EVBUFFER_INPUT(bev)) + BEV_EVENT_EOF + EVBUFFER_EOF;
}
int main(void) { return 0; }
C
	} > "$tmp/mix.c"
	ok=1
	for std in c89 c99 c++; do
		if [ $std = c++ ]; then
			cp "$tmp/mix.c" "$tmp/mix.cc"
			cmd="$CXX -x c++ -Wall -Wextra -Werror -pedantic $inc -c $tmp/mix.cc -o $tmp/mix.o"
		elif [ $std = c89 ]; then
			cmd="$CC -std=c89 -Wall -Wextra -Werror -pedantic -Wno-long-long $inc -c $tmp/mix.c -o $tmp/mix.o"
		else
			cmd="$CC -std=$std -Wall -Wextra -Werror -pedantic $inc -c $tmp/mix.c -o $tmp/mix.o"
		fi
		if ! $cmd > "$tmp/err" 2>&1; then
			ok=0
			tap_fail "headers/mix-$order/$std"
			head -20 "$tmp/err" | tap_note
		fi
	done
	[ $ok = 1 ] && tap_ok "headers/mix-$order"
done

# The 1.4 and 2.x DNS, tagging, RPC and key/value headers together, in
# both orders: the first header of a translation unit decides what the
# two spell differently (DNS_OPTIONS_ALL, evrpc_add_hook's hook type).
for order in 14-first 2x-first; do
	{
		echo '#include <sys/queue.h>'
		echo '#include <stdlib.h>'
		echo '#include <stdio.h>'
		echo '#include <string.h>'
		if [ $order = 14-first ]; then
			printf '#include <%s>\n' event.h evhttp.h evdns.h evrpc.h
		fi
		printf '#include <event2/%s>\n' dns.h dns_compat.h dns_struct.h \
		    tag.h tag_compat.h rpc.h rpc_struct.h rpc_compat.h \
		    keyvalq_struct.h
		if [ $order = 2x-first ]; then
			printf '#include <%s>\n' event.h evhttp.h evdns.h evrpc.h
			echo '#define WANT_ALL 15'
			echo '#define HOOK_ARGS void *c, struct evhttp_request *r, struct evbuffer *b, void *a'
			echo '#define HOOK_USE (void)c; (void)r; (void)b; (void)a'
		else
			echo '#define WANT_ALL 7'
			echo '#define HOOK_ARGS struct evhttp_request *r, struct evbuffer *b, void *a'
			echo '#define HOOK_USE (void)r; (void)b; (void)a'
		fi
		cat <<'C'
static int hook(HOOK_ARGS);
static int hook(HOOK_ARGS) { HOOK_USE; return 0; }
int f(struct evbuffer *b, struct evdns_server_request *r, struct evrpc_base *rb);
int f(struct evbuffer *b, struct evdns_server_request *r, struct evrpc_base *rb)
{
	struct evkeyvalq q;
	unsigned char a[4] = { 1, 2, 3, 4 };
	TAILQ_INIT(&q);
	encode_int(b, 1);
	evtag_encode_int64(b, 2);
	return evdns_server_request_add_a_reply(r, "x", 1, a, 1) +
	    (DNS_OPTIONS_ALL == WANT_ALL) + DNS_ERR_CANCEL +
	    (evrpc_add_hook(rb, EVRPC_INPUT, hook, 0) != 0) +
	    (evdns_base_new(0, 0) != 0) + TAILQ_EMPTY(&q);
}
int main(void) { return 0; }
C
	} > "$tmp/mix2.c"
	ok=1
	for std in c89 c99 c++; do
		if [ $std = c++ ]; then
			cp "$tmp/mix2.c" "$tmp/mix2.cc"
			cmd="$CXX -x c++ -Wall -Wextra -Werror -pedantic $inc -c $tmp/mix2.cc -o $tmp/mix2.o"
		elif [ $std = c89 ]; then
			cmd="$CC -std=c89 -Wall -Wextra -Werror -pedantic -Wno-long-long $inc -c $tmp/mix2.c -o $tmp/mix2.o"
		else
			cmd="$CC -std=$std -Wall -Wextra -Werror -pedantic $inc -c $tmp/mix2.c -o $tmp/mix2.o"
		fi
		if ! $cmd > "$tmp/err" 2>&1; then
			ok=0
			tap_fail "headers/mix-extra-$order/$std"
			head -20 "$tmp/err" | tap_note
		fi
	done
	[ $ok = 1 ] && tap_ok "headers/mix-extra-$order"
done

# struct evkeyvalq is complete when <sys/queue.h> comes first.
cat > "$tmp/q.c" <<'C'
#include <stddef.h>
#include <sys/queue.h>
#include <event.h>
int main(void) { struct evkeyvalq q; TAILQ_INIT(&q); return TAILQ_EMPTY(&q) ? 0 : 1; }
C
if $CC -Wall -Werror $inc -c "$tmp/q.c" -o "$tmp/q.o" 2> "$tmp/err"; then
	tap_ok headers/evkeyvalq-complete
else
	tap_fail headers/evkeyvalq-complete; head "$tmp/err" | tap_note
fi

# Our headers come first even with the system's in the default path:
# libevent 2.x's event.h defines LIBEVENT_VERSION_NUMBER, ours never does.
cat > "$tmp/ours.c" <<'C'
#include <event.h>
#include <string.h>
#ifdef LIBEVENT_VERSION_NUMBER
#error a libevent 2.x header was used
#endif
#ifndef _EVENT_NUMERIC_VERSION
#error not our event-config.h
#endif
int main(void) { return strcmp(event_get_version(), "2.1.12-stable") != 0; }
C
if $CC $inc "$tmp/ours.c" -o "$tmp/ours" "$builddir/.libs/libevent.so" 2> "$tmp/err" &&
   LD_LIBRARY_PATH="$builddir/.libs" "$tmp/ours"; then
	tap_ok headers/ours-first
else
	tap_fail headers/ours-first; head "$tmp/err" | tap_note
fi

# The test suite itself runs against our library, not a system one.
deps=$(LD_LIBRARY_PATH="$builddir/.libs" ldd "$builddir/test/.libs/regress" 2>&1)
if echo "$deps" | grep -q "$builddir/.libs/libevent-1.4.so.2" &&
   ! echo "$deps" | grep -q 'libevent-2'; then
	tap_ok headers/regress-links-ours
else
	tap_fail headers/regress-links-ours; echo "$deps" | tap_note
fi

# The 1.4 and 2.x headers in one translation unit, in either order, and
# each view's version: 2.x names in sight give the 2.x answer.
mix14='#include <event.h>
#include <evutil.h>'
mix2x='#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/event_compat.h>
#include <event2/util.h>
#include <event2/thread.h>'
for order in 14-first 2x-first; do
	if [ $order = 14-first ]; then first=$mix14; second=$mix2x; else first=$mix2x; second=$mix14; fi
	for std in c89 c99 c++; do
		{ echo '#include <sys/queue.h>'; echo "$first"; echo "$second"
		  echo '#include <string.h>'
		  echo '#ifndef LIBEVENT_VERSION_NUMBER'
		  echo '#error the 2.x view lacks LIBEVENT_VERSION_NUMBER'
		  echo '#endif'
		  echo 'int main(void) { struct event ev; ev_uint64_t u = EV_UINT64_MAX; evutil_socket_t s = -1;'
		  echo '  (void)u; (void)s; event_set(&ev, -1, 0, 0, 0);'
		  echo '  return strcmp(event_get_version(), LIBEVENT_VERSION) != 0 ||'
		  echo '      event_get_version_number() != LIBEVENT_VERSION_NUMBER || !event_initialized(&ev); }'
		} > "$tmp/mix.c"
		case $std in
		c++) cp "$tmp/mix.c" "$tmp/mix.cc"; cmd="$CXX -x c++ -Wall -Wextra -Werror -pedantic $inc $tmp/mix.cc -x none" ;;
		c89) cmd="$CC -std=c89 -Wall -Wextra -Werror -pedantic -Wno-long-long $inc $tmp/mix.c" ;;
		*) cmd="$CC -std=$std -Wall -Wextra -Werror -pedantic $inc $tmp/mix.c" ;;
		esac
		if $cmd -o "$tmp/mix" "$builddir/.libs/libevent.so" > "$tmp/err" 2>&1 &&
		   LD_LIBRARY_PATH="$builddir/.libs" "$tmp/mix"; then
			tap_ok "headers/mixed-$order/$std"
		else
			tap_fail "headers/mixed-$order/$std"
			cat "$tmp/err" | head -20 | tap_note
		fi
	done
done
# The 1.4 and 2.x HTTP headers together, in both orders, compiled and
# linked: the first decides the method values (1.4's 0, 1, 2 or 2.x's
# bits) and the form of evhttp_set_cb and evhttp_parse_query (void or
# int); the 2.x calls are there either way.
for order in 14-first 2x-first; do
	{
		echo '#include <sys/queue.h>'
		echo '#include <stdlib.h>'
		[ $order = 14-first ] && printf '#include <%s>\n' event.h evhttp.h
		printf '#include <event2/%s>\n' http.h http_struct.h http_compat.h
		[ $order = 2x-first ] && printf '#include <%s>\n' event.h evhttp.h
		if [ $order = 2x-first ]; then
			echo '#define WANT_POST 2'
			echo '#define SET_CB(h) (evhttp_set_cb(h, "/", cb, 0) == 0)'
		else
			echo '#define WANT_POST 1'
			echo '#define SET_CB(h) (evhttp_set_cb(h, "/", cb, 0), 1)'
		fi
		cat <<'C'
typedef char post_value_check[EVHTTP_REQ_POST == WANT_POST ? 1 : -1];
static void cb(struct evhttp_request *r, void *a) { (void)r; (void)a; }
int main(void)
{
	struct event_base *b = event_base_new();
	struct evhttp *h = evhttp_new(b);
	struct evhttp_request *r = evhttp_request_new(cb, 0);
	struct evhttp_connection *c = evhttp_connection_base_new(b, 0,
	    "127.0.0.1", 1);
	int ok = h != 0 && r != 0 && c != 0 && SET_CB(h) &&
	    evhttp_request_get_input_buffer(r) == r->input_buffer &&
	    evhttp_connection_get_base(c) == b &&
	    evhttp_request_is_owned(r) == 0;
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET);
	evhttp_request_free(r);
	evhttp_connection_free(c);
	evhttp_free(h);
	event_base_free(b);
	return !ok;
}
C
	} > "$tmp/mixh.c"
	ok=1
	for std in c89 c99 c++; do
		case $std in
		c++) cp "$tmp/mixh.c" "$tmp/mixh.cc"; cmd="$CXX -x c++ -Wall -Wextra -Werror -pedantic $inc $tmp/mixh.cc -x none" ;;
		c89) cmd="$CC -std=c89 -Wall -Wextra -Werror -pedantic -Wno-long-long $inc $tmp/mixh.c" ;;
		*) cmd="$CC -std=$std -Wall -Wextra -Werror -pedantic $inc $tmp/mixh.c" ;;
		esac
		if ! { $cmd -o "$tmp/mixh" "$builddir/.libs/libevent.so" > "$tmp/err" 2>&1 &&
		    LD_LIBRARY_PATH="$builddir/.libs" "$tmp/mixh"; }; then
			ok=0
			tap_fail "headers/mix-http-$order/$std"
			head -20 "$tmp/err" | tap_note
		fi
	done
	[ $ok = 1 ] && tap_ok "headers/mix-http-$order"
done
# <evhttp.h> pulls in <event2/http_struct.h> for the request's body, but
# a 1.4 program still sees no 2.x macro (programs test them to pick an
# API).
printf '#include <evhttp.h>\n#ifdef LIBEVENT_VERSION_NUMBER\n#error 2.x view\n#endif\nint main(void) { return 0; }\n' > "$tmp/only14.c"
if $CC -Wall -Werror $inc -c "$tmp/only14.c" -o "$tmp/only14.o" > "$tmp/err" 2>&1; then
	tap_ok headers/evhttp-stays-1.4
else
	tap_fail headers/evhttp-stays-1.4
	head -20 "$tmp/err" | tap_note
fi
tap_done
