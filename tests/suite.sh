#!/bin/sh
# tests/suite.sh BUILD - what `make test` runs: the whole suite on the
# normal build, then the whole suite again under AddressSanitizer +
# UBSan (build-asan; what `make asan` runs alone).  Ends with one line
# "N passed, N failed" over both runs.
set -u
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

total_p=0
total_f=0
count() { # log file
	line=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed$' "$1" | tail -1)
	p=$(echo "$line" | sed -E 's/^[a-z]+: ([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
	[ -n "$line" ] || { p=0; f=1; }
	total_p=$((total_p + p))
	total_f=$((total_f + f))
}

sh tests/run.sh "$BUILD" | tee "$tmp"
count "$tmp"

echo "== the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer"
if make --no-print-directory BUILD=build-asan SAN=1 all unit >"$tmp.build" 2>&1; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		sh tests/run.sh build-asan | tee "$tmp"
	count "$tmp"
else
	tail -20 "$tmp.build"
	echo "not ok - the sanitizer build failed"
	total_f=$((total_f + 1))
fi
rm -f "$tmp.build"
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
