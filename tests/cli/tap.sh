# tests/cli/tap.sh - TAP helpers for the shell tests.
#   run CMD...        runs CMD; $out and $err name files with its output,
#                     $rc is its exit status
#   check DESC CMD... one TAP line: ok when CMD succeeds
#   done_testing      the plan line; exits non-zero when a check failed
_tap_n=0
_tap_failed=0
_tap_dir=$(mktemp -d /tmp/tap.XXXXXX)
out="$_tap_dir/out"
err="$_tap_dir/err"
rc=0

run() {
	"$@" >"$out" 2>"$err"
	rc=$?
}

check() {
	_desc=$1
	shift
	_tap_n=$((_tap_n + 1))
	if "$@" >/dev/null 2>&1; then
		echo "ok $_tap_n - $_desc"
	else
		echo "not ok $_tap_n - $_desc"
		_tap_failed=$((_tap_failed + 1))
		echo "# command: $*"
		sed -n '1,8s/^/# stdout: /p' "$out" 2>/dev/null
		sed -n '1,8s/^/# stderr: /p' "$err" 2>/dev/null
	fi
}

done_testing() {
	echo "1..$_tap_n"
	rm -rf "$_tap_dir"
	[ "$_tap_failed" -eq 0 ]
}
