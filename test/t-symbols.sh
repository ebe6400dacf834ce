#!/bin/sh
# t-symbols.sh -- the shared libraries export only public names (and the
# few 1.4 exported-but-undeclared ones); internal helpers stay hidden.
allow='^(event_|evbuffer_|bufferevent_|evconnlistener_|ev_token_bucket_cfg_|evtag_|evhttp_|evdns_|evrpc_|evutil_|encode_int$|current_base$|evsignal_base$|_event_|_evsignal_|evsignal_|selectops$|pollops$|epollops$|kqops$|devpollops$|_init$|_fini$|_edata$|_end$|__bss_start$)'
for lib in libevent_core libevent_extra libevent; do
	so="$builddir/.libs/$lib.so"
	if [ ! -e "$so" ]; then echo "FAIL symbols/$lib # $so missing"; continue; fi
	bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -Ev "$allow")
	if [ -z "$bad" ]; then
		echo "ok symbols/$lib"
	else
		echo "FAIL symbols/$lib # unexpected exports:"; echo "$bad" | head -30 | sed 's/^/    /'
	fi
done
# Programs test LIBEVENT_VERSION_NUMBER to switch to the 2.x API: never define it.
if grep -rq 'define[[:space:]]*LIBEVENT_VERSION_NUMBER' "$srcdir/include"; then
	echo "FAIL symbols/no-2x-version-macro"
else
	echo "ok symbols/no-2x-version-macro"
fi
