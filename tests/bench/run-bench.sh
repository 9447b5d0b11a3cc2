#!/bin/sh
# run-bench.sh -- runs every benchmark given, each beside its QuantLib peer
# (tests/bench/ql-X next to tests/bench/bench-X) in the same run, and prints
# the ratio of the peer's time to ours for each operation both measured.
# Lines are "bench NAME TIME ns/op NOTE"; a peer's NAME may carry "ql_".
# Usage: run-bench.sh BENCH...   (make bench passes every bench-* program)
set -u
status=0
for b in "$@"; do
	case $b in *ql-*) continue ;; esac
	echo "== $b"
	"./$b" >"$b.out" 2>&1 || status=1
	cat "$b.out"
	peer=$(echo "$b" | sed 's|bench-\([^/]*\)$|ql-\1|')
	if [ -x "./$peer" ]; then
		echo "-- QuantLib peer: $peer"
		"./$peer" >"$peer.out" 2>&1 || status=1
		cat "$peer.out"
		awk 'FNR == NR { if ($1 == "bench") ours[$2] = $3; next }
		     $1 == "bench" { n = $2; sub(/^ql_/, "", n);
		         if (n in ours && ours[n] > 0)
		             printf "ratio %-36s QuantLib/qdesk = %.2f\n", n, $3 / ours[n] }' \
		    "$b.out" "$peer.out"
	fi
done
exit $status
