#!/bin/sh
# Runs every benchmark program and prints its figures.  Never fails on a
# time: the numbers are for reading, not for asserting.
# bench_stages is left to milter.bench.sh, which runs it with the bench
# config and its 100,000-customer database once the filters are stopped.
set -u
BUILD=${1:-../build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
export TOP BUILD
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	if [ "$(basename "$b")" = bench_stages ] &&
	   [ -f "$TOP/bench/milter.bench.sh" ]; then
		continue
	fi
	echo "== $(basename "$b")"
	"$b" || echo "($(basename "$b") exited with $?)"
done
for s in "$TOP"/bench/*.bench.sh; do
	[ -f "$s" ] || continue
	echo "== $(basename "$s" .bench.sh)"
	sh "$s" "$BUILD" || echo "($(basename "$s") exited with $?)"
done
