#!/bin/sh
# Runs every benchmark program and prints its figures.  Never fails on a
# time: the numbers are for reading, not for asserting.
set -u
BUILD=${1:-../build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP BUILD
for b in "$BUILD"/bench/bench_*; do
	[ -x "$b" ] || continue
	echo "== $(basename "$b")"
	"$b" || echo "($(basename "$b") exited with $?)"
done
for s in "$TOP"/bench/*.bench.sh; do
	[ -f "$s" ] || continue
	echo "== $(basename "$s" .bench.sh)"
	sh "$s" || echo "($(basename "$s") exited with $?)"
done
