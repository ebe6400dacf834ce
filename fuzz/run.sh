#!/bin/sh
# fuzz/run.sh [SECONDS] [TARGET...] -- fuzz each target (default: all)
# for SECONDS (default 60) from its committed corpus, with the binaries
# of fuzz/build.sh (run from the build directory that has fuzz-build/).
# New corpus entries go to a scratch directory, never into the tree.
# Prints the executions of every target; a crash, leak, timeout or
# sanitizer report fails the run, and its input is kept under
# fuzz-build/artifacts/<target>/ (copy it to fuzz/crashes/<target>/ once
# fixed, so the replay in make check keeps it fixed).
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-"tag readln rpcmsg uri resolvconf dns_reply dns_server http_request http_response chunked"}
bin=fuzz-build/fuzz
status=0
for t in $targets; do
	if [ ! -x "$bin/$t-fuzzer" ]; then
		echo "$t: not built ($bin/$t-fuzzer; run make fuzz)"
		status=1
		continue
	fi
	work=$(mktemp -d)
	art=fuzz-build/artifacts/$t
	mkdir -p "$art"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$bin/$t-fuzzer" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=3 \
	    -artifact_prefix="$art/" "$work" "$srcdir/fuzz/corpus/$t" \
	    > "$work.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work.log")
	corpus=$(ls "$work" | wc -l)
	if [ $rc -eq 0 ]; then
		echo "$t: ${execs:-?} execs in ${secs} s (${rate:-?}/s), $corpus new corpus entries"
	else
		echo "$t: FAILED (exit $rc) after ${execs:-?} execs; inputs in $art"
		grep -E "ERROR|runtime error|fuzz_check|SUMMARY" "$work.log" | head -10
		tail -20 "$work.log"
		status=1
	fi
	rm -rf "$work" "$work.log"
done
exit $status
