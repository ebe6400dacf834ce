# clients-tmux.sh -- sourced by clients.sh: a scripted tmux session.
#
#   tmux_session TMUX      TAP lines clients/tmux/session/*
#
# A server on a private socket (no configuration file, no other server
# touched); commands typed into panes and their output read back with
# capture-pane; a split; a terminal client attached under script(1),
# detached by the server and its screen checked; a second client
# (control mode) attached to the same session, checked and detached; the
# server killed and gone.  Every wait polls with a bound (wait_until).

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_until() {
	wu_n=$(($1 * 10 * ${REGRESS_TIMEOUT_MULTIPLIER:-1}))
	shift
	while [ "$wu_n" -gt 0 ]; do
		"$@" > /dev/null 2>&1 && return 0
		sleep 0.1
		wu_n=$((wu_n - 1))
	done
	return 1
}

# pane_has PANE TEXT: the pane's visible contents hold a line TEXT.
pane_has() {
	"$tm" -S "$sock" capture-pane -p -t "$1" | grep -qx "$2"
}

# pane_ready PANE: the pane's shell has printed its prompt.  Keys sent
# before that may be lost (with Debian's own tmux and libevent too): the
# shell's start-up may discard input the pty already holds.
pane_ready() {
	"$tm" -S "$sock" capture-pane -p -t "$1" | grep -q '[^[:space:]]'
}

clients_of() {
	"$tm" -S "$sock" list-clients -t t -F '#{client_control_mode}' |
	    grep -c "$1"
}

tmux_session_run() {
	tdir=$work/tmux-session
	rm -rf "$tdir" && mkdir -p "$tdir"
	sock=$tdir/sock
	export TERM=xterm
	tap_check clients/tmux/session/new-session \
	    "$tm" -S "$sock" -f /dev/null new-session -d -s t -x 80 -y 24 sh
	wait_until 10 pane_ready t:0.0
	"$tm" -S "$sock" send-keys -t t:0.0 'echo left-$((6*7))' Enter
	tap_check clients/tmux/session/send-keys \
	    wait_until 10 pane_has t:0.0 left-42

	tap_check clients/tmux/session/split-window \
	    "$tm" -S "$sock" split-window -h -t t:0 sh
	n=$("$tm" -S "$sock" list-panes -t t:0 | wc -l)
	if [ "$n" -eq 2 ]; then tap_ok clients/tmux/session/two-panes
	else tap_fail clients/tmux/session/two-panes "$n panes"; fi
	wait_until 10 pane_ready t:0.1
	"$tm" -S "$sock" send-keys -t t:0.1 'echo right-$((2+3))' Enter
	if wait_until 10 pane_has t:0.1 right-5 && pane_has t:0.0 left-42 &&
	   ! pane_has t:0.1 left-42; then
		tap_ok clients/tmux/session/capture-panes
	else
		tap_fail clients/tmux/session/capture-panes
		"$tm" -S "$sock" capture-pane -p -t t:0.1 | tap_note
	fi

	# A terminal client, under script(1) for its pty; its stdin is a
	# fifo held open so that it stays attached until the server says.
	mkfifo "$tdir/in"
	(script -qfec "$tm -S $sock attach -t t" "$tdir/screen" \
	    < "$tdir/in" > /dev/null 2>&1; echo $? > "$tdir/script.rc") &
	exec 3> "$tdir/in"
	tap_check clients/tmux/session/attach wait_until 10 clients_of 0
	"$tm" -S "$sock" detach-client -s t
	if wait_until 10 test -s "$tdir/script.rc" &&
	   [ "$(cat "$tdir/script.rc")" = 0 ] &&
	   grep -aq 'detached (from session t)' "$tdir/screen" &&
	   grep -aq 'left-42' "$tdir/screen" &&
	   grep -aq 'right-5' "$tdir/screen"; then
		tap_ok clients/tmux/session/detach
	else
		tap_fail clients/tmux/session/detach \
		    "rc $(cat "$tdir/script.rc" 2>/dev/null)"
	fi
	exec 3>&-

	# Reattach: a control-mode client sees the same panes, then detaches.
	# Its commands go in once it is attached (%session-changed): sent
	# with the attach they may run before it (tmux's own order, with
	# Debian's libevent too), and list-clients would not list it yet.
	mkfifo "$tdir/cin"
	timeout $((10 * ${REGRESS_TIMEOUT_MULTIPLIER:-1})) \
	    "$tm" -S "$sock" -C attach -t t < "$tdir/cin" \
	    > "$tdir/control" 2>&1 &
	cpid=$!
	exec 4> "$tdir/cin"
	wait_until 10 grep -q '^%session-changed' "$tdir/control"
	printf '%s\n' \
	    'list-clients -F "#{client_control_mode}:#{session_name}"' \
	    'capture-pane -p -t t:0.1' 'detach-client' >&4
	exec 4>&-
	wait "$cpid"
	if grep -qx '1:t' "$tdir/control" &&
	   grep -qx 'right-5' "$tdir/control" &&
	   grep -q '^%exit' "$tdir/control"; then
		tap_ok clients/tmux/session/reattach
	else
		tap_fail clients/tmux/session/reattach
		head -20 "$tdir/control" | tap_note
	fi
	if [ "$(clients_of .)" -eq 0 ] && pane_has t:0.0 left-42; then
		tap_ok clients/tmux/session/detached-session-lives
	else
		tap_fail clients/tmux/session/detached-session-lives
	fi

	tap_check clients/tmux/session/kill-server "$tm" -S "$sock" kill-server
	if wait_until 10 sh -c \
	    "! '$tm' -S '$sock' has-session 2>/dev/null"; then
		tap_ok clients/tmux/session/server-gone
	else
		tap_fail clients/tmux/session/server-gone
	fi
}

tmux_session() {
	tm=$1
	tmux_session_run
	# Whatever failed above, leave no server behind.
	"$tm" -S "$sock" kill-server > /dev/null 2>&1 || :
}
