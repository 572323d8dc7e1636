# tests/lib/tap.sh - TAP output for the integration tests (sourced).
#
#   ok_if DESC CMD...     "ok N - DESC" when CMD succeeds, else "not ok"
#                         with the command and, when set, $why
#   is DESC GOT WANT      string equality, prints both on failure
#   note TEXT...          a "# " comment line
#   tap_done              the plan line; returns non-zero after a failure
_tap_n=0
_tap_fail=0

note() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

_tap_line() { # status desc
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_fail=$((_tap_fail + 1))
	fi
}

ok_if() {
	_d=$1
	shift
	if "$@" >/dev/null 2>&1; then
		_tap_line 0 "$_d"
	else
		_tap_line 1 "$_d"
		note "failed: $*"
		[ -n "${why:-}" ] && note "$why"
	fi
	why=""
}

is() {
	if [ "$2" = "$3" ]; then
		_tap_line 0 "$1"
	else
		_tap_line 1 "$1"
		note "got:"
		note "$2"
		note "want:"
		note "$3"
	fi
}

tap_done() {
	echo "1..$_tap_n"
	[ "$_tap_fail" -eq 0 ]
}
