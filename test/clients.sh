#!/bin/sh
# clients.sh -- real programs as tests (make check-clients, TAP).
#
# Debian's own sources of tmux 3.3a and memcached 1.6.18, fetched with
# `apt-get source` into $CLIENTS_DIR (default $builddir/clients; never in
# the source tree), are built with their unchanged configure and make
# against relevent installed in a private tree ($CLIENTS_DIR/dest, by
# `make install DESTDIR=`).  Each binary must really link OUR library
# (ldd: the private tree; nm: no symbol version of Debian's libevent),
# then:
#   memcached: its own `make test` (prove t/), bounded in time, with a
#              private tmpfs on /tmp where root can mount one;
#   tmux:      a scripted session on a private socket: commands in panes,
#              split, capture and check the pane contents, detach and
#              reattach a second client (control mode), kill the server.
# CLIENTS="tmux" (or "memcached") runs one of them.
# Needs no network beyond loopback once the sources are there.  Fetching
# needs apt's deb-src line for Debian's archive (written when root, as
# .ci/run does); without the sources every check skips, saying why.
. "${srcdir:-$(dirname "$0")/..}/test/tap.sh"
work=${CLIENTS_DIR:-$builddir/clients}
mkdir -p "$work" && work=$(cd "$work" && pwd)
prefix=$(sed -n 's/^prefix = //p' "$builddir/Makefile")
root=$work/dest$prefix
pc=$work/pkgconfig
log=$work/log
mkdir -p "$log"
TMUX_VERSION=3.3a
MEMCACHED_VERSION=1.6.18
# Time limits in seconds (times REGRESS_TIMEOUT_MULTIPLIER under load).
mult=${REGRESS_TIMEOUT_MULTIPLIER:-1}
limit_build=$((600 * mult))
limit_memcached_test=$((900 * mult))

# ensure_deb_src: apt must know a deb-src line for Debian's archive.
ensure_deb_src() {
	if grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list \
	    /etc/apt/sources.list.d/; then
		return 0
	fi
	[ "$(id -u)" = 0 ] || return 1
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	cat > /etc/apt/sources.list.d/relevent-src.sources <<EOF
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: $codename
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
	apt-get update -qq > "$log/apt-update.log" 2>&1
}

# fetch NAME VERSION: $work/src/NAME-VERSION, from Debian's source package.
fetch() {
	[ -d "$work/src/$1-$2" ] && return 0
	mkdir -p "$work/src"
	ensure_deb_src || { echo "no deb-src line and not root"; return 1; }
	# A deb-src line apt has not read yet needs one apt-get update.
	for try in 1 2; do
		(cd "$work/src" &&
		 timeout $((300 * mult)) apt-get source -qq "$1") \
		    > "$log/fetch-$1.log" 2>&1 && break
		[ $try = 1 ] && [ "$(id -u)" = 0 ] &&
		    apt-get update -qq > "$log/apt-update.log" 2>&1 ||
			{ tail -5 "$log/fetch-$1.log"; return 1; }
	done
	[ -d "$work/src/$1-$2" ] || {
		echo "apt-get source $1 gave $(ls "$work/src" | tr '\n' ' ')"
		return 1
	}
}

# install_relevent: make install DESTDIR=, and .pc files naming that tree.
install_relevent() {
	rm -rf "$work/dest" "$pc"
	MAKEFLAGS= make -C "$builddir" --no-print-directory install \
	    DESTDIR="$work/dest" > "$log/install.log" 2>&1 ||
		{ tail -20 "$log/install.log"; return 1; }
	mkdir -p "$pc"
	for f in "$root"/lib/pkgconfig/*.pc; do
		sed "s|^prefix=.*|prefix=$root|" "$f" > "$pc/${f##*/}"
	done
}

# fresh NAME VERSION: a pristine copy of the sources to build in
# (cp -p: the generated files stay newer than their sources).
fresh() {
	rm -rf "$work/build/$1"
	mkdir -p "$work/build"
	cp -Rp "$work/src/$1-$2" "$work/build/$1"
}

# ours BINARY: linked against the private tree's libevent, not Debian's.
ours() {
	l=$(ldd "$1" | grep 'libevent') ||
		{ echo "no libevent in ldd $1"; return 1; }
	printf '%s\n' "$l"
	echo "$l" | grep -v "$work/dest" &&
		{ echo "a libevent outside $work/dest"; return 1; }
	# Debian's libevent versions its symbols (LIBEVENT_2.1...); ours not.
	if nm -D "$1" | grep -q '@LIBEVENT'; then
		echo "symbols bound to a versioned (Debian) libevent"; return 1
	fi
	return 0
}

# build_errors LOG: the lines of a failed build worth reading.
build_errors() {
	grep -E 'error:|Error [0-9]|\*\*\*' "$1" | head -20
	return 1
}

build_tmux() {
	fresh tmux "$TMUX_VERSION"
	(cd "$work/build/tmux" &&
	 PKG_CONFIG_PATH="$pc" LDFLAGS="-Wl,-rpath,$root/lib" \
	     timeout "$limit_build" ./configure -q &&
	 timeout "$limit_build" make -j2) > "$log/tmux-build.log" 2>&1 ||
		build_errors "$log/tmux-build.log" || return 1
	grep -q "^LIBEVENT_CORE_LIBS = .*$work/dest" \
	    "$work/build/tmux/Makefile" ||
		{ grep LIBEVENT "$work/build/tmux/Makefile"; return 1; }
}

build_memcached() {
	fresh memcached "$MEMCACHED_VERSION"
	(cd "$work/build/memcached" &&
	 LDFLAGS="-Wl,-rpath,$root/lib" timeout "$limit_build" \
	     ./configure -q --with-libevent="$root" &&
	 timeout "$limit_build" make -j2) > "$log/memcached-build.log" 2>&1 ||
		build_errors "$log/memcached-build.log"
}

# in_ram_tmp CMD...: CMD with a private tmpfs on /tmp when we can make one
# (root, unshare, and a tree not under /tmp).  memcached's t/restart.t
# keeps a 128 MiB memory file in /tmp, asks for a RAM disk, and gives the
# stopped server 10 s to msync it: on a slow shared disk that is a race.
in_ram_tmp() {
	case $work in /tmp | /tmp/*) "$@"; return ;; esac
	if [ "$(id -u)" = 0 ] &&
	   unshare --mount true > /dev/null 2>&1; then
		unshare --mount sh -c \
		    'mount -t tmpfs -o size=1g tmpfs /tmp && exec "$@"' sh "$@"
		return
	fi
	"$@"
}

test_memcached() {
	(cd "$work/build/memcached" &&
	 in_ram_tmp timeout "$limit_memcached_test" make test) \
	    > "$log/memcached-test.log" 2>&1
	rc=$?
	grep -E '^(Result|Files=|t/.*(Failed|not ok|Dubious))' \
	    "$log/memcached-test.log"
	[ $rc -eq 0 ] && grep -q '^Result: PASS' "$log/memcached-test.log" &&
		return 0
	# What the failing files said, and the servers' own complaints.
	grep -E '^#   Failed test|^\[restart\]|[Ee]rror' \
	    "$log/memcached-test.log" | head -12
	return 1
}

. "$srcdir/test/clients-tmux.sh"

# fetch_client NAME VERSION: 0 when the sources are there (TAP line).
fetch_client() {
	if out=$(fetch "$1" "$2" 2>&1); then
		tap_ok "clients/fetch/$1"
		return 0
	fi
	tap_skip "clients/fetch/$1" \
	    "sources unavailable: $(echo "$out" | tail -1)"
	return 1
}

# build_client NAME BINARY: build, check the linkage, then run TESTFN.
build_client() {
	if out=$(build_$1 2>&1); then
		tap_ok "clients/$1/build"
		tap_check "clients/$1/links-relevent" ours "$2"
		return 0
	fi
	tap_fail "clients/$1/build" "see $log/$1-build.log"
	echo "$out" | tap_note
	return 1
}

# The sources, then the library, then each program.
have_tmux=no have_memcached=no
for c in ${CLIENTS:-tmux memcached}; do eval "have_$c=yes"; done
[ $have_tmux = yes ] && { fetch_client tmux "$TMUX_VERSION" || have_tmux=no; }
[ $have_memcached = yes ] &&
	{ fetch_client memcached "$MEMCACHED_VERSION" || have_memcached=no; }
[ $have_tmux$have_memcached = nono ] && tap_done
if out=$(install_relevent 2>&1); then
	tap_ok clients/install
else
	tap_fail clients/install
	echo "$out" | tap_note
	tap_done
fi
if [ $have_memcached = yes ] &&
   build_client memcached "$work/build/memcached/memcached"; then
	tap_check clients/memcached/make-test test_memcached
fi
if [ $have_tmux = yes ] && build_client tmux "$work/build/tmux/tmux"; then
	tmux_session "$work/build/tmux/tmux"
fi
tap_done
