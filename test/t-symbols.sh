#!/bin/sh
# t-symbols.sh -- the shared libraries export only public names (and the
# few 1.4 exported-but-undeclared ones); internal helpers stay hidden.
allow='^(event_|evbuffer_|bufferevent_|evtag_|evhttp_|evdns_|evrpc_|evutil_|evthread_|libevent_global_shutdown$|encode_int$|current_base$|evsignal_base$|_event_|_evsignal_|evsignal_|selectops$|pollops$|epollops$|kqops$|devpollops$|_init$|_fini$|_edata$|_end$|__bss_start$)'
for lib in libevent_core libevent_extra libevent libevent_pthreads; do
	so="$builddir/.libs/$lib.so"
	if [ ! -e "$so" ]; then echo "FAIL symbols/$lib # $so missing"; continue; fi
	bad=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -Ev "$allow")
	if [ -z "$bad" ]; then
		echo "ok symbols/$lib"
	else
		echo "FAIL symbols/$lib # unexpected exports:"; echo "$bad" | head -30 | sed 's/^/    /'
	fi
done
# Programs test LIBEVENT_VERSION_NUMBER to switch to the 2.x API: the 1.4
# headers never define it (only include/event2/ does).
if grep -q 'define[[:space:]]*LIBEVENT_VERSION_NUMBER' "$srcdir"/include/*.h; then
	echo "FAIL symbols/no-2x-version-macro"
else
	echo "ok symbols/no-2x-version-macro"
fi
