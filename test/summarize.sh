#!/bin/sh
# summarize.sh FILE.trs... -- the last line of `make check`:
# "N passed, N failed[, N skipped]", counting every TAP result (each case
# of each backend, each check of each t-*.sh) in the .trs files automake's
# harness wrote.  ERROR and XPASS count as failed, XFAIL as passed, and a
# missing .trs (its test never ran to the end) as one failure.  Exits 1 if
# anything failed.
pass=0 fail=0 skip=0
for trs in "$@"; do
	if [ ! -r "$trs" ]; then
		echo "${trs%.trs}: no result (see ${trs%.trs}.log)"
		fail=$((fail + 1))
		continue
	fi
	r=$(awk '
		$1 == ":test-result:" && ($2 == "PASS" || $2 == "XFAIL") { p++ }
		$1 == ":test-result:" && ($2 == "FAIL" || $2 == "ERROR" || $2 == "XPASS") { f++ }
		$1 == ":test-result:" && $2 == "SKIP" { s++ }
		END { print p + 0, f + 0, s + 0 }' "$trs")
	p=${r%% *} r=${r#* }
	f=${r%% *} s=${r#* }
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" -eq 0 ]
