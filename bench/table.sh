# table.sh -- shared by the bench/run-*.sh scripts (sourced, POSIX sh):
# record one measurement per (row, variant, repetition), then print one
# table of medians with the noise range and the speed relative to
# libevent 2.1.
#
#   bench_header TITLE        machine, commit, date
#   bench_record ROW UNIT VARIANT VALUE
#                             UNIT "us", "ns/op", "ms", "req/s" or "Ir":
#                             req/s is better when larger, the rest when
#                             smaller
#   bench_table               the table of everything recorded
#
# Variants, in column order: ours, 2.1, libev, raw.  The cell shows the
# median over the repetitions, its range [min-max] and, after a "|", the
# speed relative to libevent 2.1 (> 1: faster than 2.1).
bench_data=${bench_data:-$(mktemp "${TMPDIR:-/tmp}/bench.XXXXXX")}

bench_header() {
	cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
	commit=$(cd "${srcdir:-.}" && git rev-parse --short HEAD 2>/dev/null)
	dirty=$(cd "${srcdir:-.}" && git status --porcelain 2>/dev/null | grep -v '^??' | head -1)
	echo "== $1"
	echo "machine: $(uname -srm), ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo ?) cores," \
	    "load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
	echo "commit:  ${commit:-unknown}${dirty:+ (with uncommitted changes)}"
	echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
}

bench_record() {
	[ -n "$4" ] && echo "$1|$2|$3|$4" >> "$bench_data"
}

bench_table() {
	awk -F'|' '
	function med(list, n,   a, i, j, t) {
		split(list, a, " ")
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		lo = a[1]; hi = a[n]
		if (n % 2) return a[(n + 1) / 2]
		return (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function fmt(v) {
		if (v >= 1000) return sprintf("%.0f", v)
		if (v >= 10) return sprintf("%.1f", v)
		return sprintf("%.2f", v)
	}
	{
		if (!($1 in seen)) { seen[$1] = 1; rows[++nr] = $1; unit[$1] = $2 }
		k = $1 SUBSEP $3
		vals[k] = vals[k] " " $4; cnt[k]++
	}
	END {
		nv = split("ours 2.1 libev raw", var, " ")
		name["ours"] = "relevent"; name["2.1"] = "libevent 2.1"
		name["libev"] = "libev (emul.)"; name["raw"] = "raw epoll"
		printf "%-36s", "benchmark (median [range] | x 2.1)"
		for (v = 1; v <= nv; v++) printf " | %-30s", name[var[v]]
		printf "\n"
		for (r = 1; r <= nr; r++) {
			row = rows[r]
			for (v = 1; v <= nv; v++) {
				k = row SUBSEP var[v]
				if (cnt[k]) {
					m[v] = med(vals[k], cnt[k]); l[v] = lo; h[v] = hi
				} else m[v] = ""
			}
			base = m[2]
			printf "%-36s", row " (" unit[row] ")"
			for (v = 1; v <= nv; v++) {
				if (m[v] == "") { printf " | %-30s", "-"; continue }
				c = fmt(m[v]) " [" fmt(l[v]) "-" fmt(h[v]) "]"
				if (base != "" && base > 0 && m[v] > 0) {
					x = base / m[v]
					if (unit[row] == "req/s")
						x = m[v] / base
					c = sprintf("%-22s|%7.2fx", c, x)
				}
				printf " | %-30s", c
			}
			printf "\n"
		}
	}' "$bench_data"
}
