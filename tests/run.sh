#!/bin/sh
# tests/run.sh BUILD [--quick]
#
# The whole suite: every cmocka unit test binary (BUILD/tests/test_*),
# then every integration script tests/*/*.test.sh.  Both speak TAP lines
# ("ok N - what" / "not ok N - what"); a script or binary that exits
# non-zero without a "not ok" line counts as one failure.  --quick runs the
# unit tests and the scripts marked "# quick" (no root, no network).
# Ends with one line "N passed, N failed" and exits non-zero on failure.
set -u
BUILD=${1:-build}
QUICK=0
[ "${2:-}" = "--quick" ] && QUICK=1
TOP=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
SHARED=""
[ -d "$TOP/../shared" ] && SHARED=$(cd "$TOP/../shared" && pwd)
export TOP BUILD SHARED
export CMOCKA_MESSAGE_OUTPUT=TAP

pass=0
fail=0
failed_names=""
LOGDIR="$BUILD/test-logs"
mkdir -p "$LOGDIR"

run_one() { # name command...
	name=$1
	shift
	log="$LOGDIR/$(echo "$name" | tr '/' '_').log"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok ' "$log")
	f=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	secs=$(( $(date +%s) - start ))
	if [ "$f" -gt 0 ]; then
		failed_names="$failed_names $name"
		printf 'FAIL %-40s %4d passed %3d failed  (%ds)\n' "$name" "$p" "$f" "$secs"
		grep -E '^not ok|^#' "$log" | head -40 | sed 's/^/    /'
	else
		printf 'ok   %-40s %4d passed  (%ds)\n' "$name" "$p" "$secs"
	fi
}

echo "== unit tests"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "unit/$(basename "$t")" "$t"
done

echo "== integration tests"
for s in "$TOP"/tests/*/*.test.sh; do
	[ -f "$s" ] || continue
	if [ "$QUICK" = 1 ] && ! grep -q '^# quick' "$s"; then
		continue
	fi
	run_one "$(basename "$(dirname "$s")")/$(basename "$s" .test.sh)" sh "$s"
done

echo "logs: $LOGDIR"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "suite: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
