# tap.sh -- sourced by the t-*.sh scripts: their results as TAP for
# automake's tap-driver.sh, one line per check, the plan at the end.
#
#   tap_ok NAME             ok N - NAME
#   tap_fail NAME [WHY]     not ok N - NAME # WHY
#   tap_skip NAME WHY       ok N - NAME # SKIP WHY
#   tap_check NAME CMD...   ok if CMD succeeds, else not ok with its output
#   ... | tap_note          the input as "# " comment lines
#   tap_done                the plan "1..N"; call it last
#
# Also sets srcdir and builddir (make check exports both; by hand they
# default to this script's tree and the current directory).
srcdir=${srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${builddir:-$(pwd)}
tap_n=0

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

tap_fail() {
	tap_n=$((tap_n + 1))
	echo "not ok $tap_n - $1${2:+ # $2}"
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

tap_note() {
	sed 's/^/# /'
}

tap_check() {
	tap_name=$1
	shift
	if tap_out=$("$@" 2>&1); then
		tap_ok "$tap_name"
	else
		tap_fail "$tap_name"
		printf '%s\n' "$tap_out" | head -20 | tap_note
	fi
}

tap_done() {
	echo "1..$tap_n"
	exit 0
}
