# tests/lib/env.sh - shared setup for the milter and Postfix tests (sourced
# after tap.sh; needs TOP and BUILD from tests/run.sh).
#
#   tl_init NAME          temp dir in $T, removed (and every process
#                         started through tl_spawn killed) on exit
#   tl_port [N]           prints N (1) distinct free TCP ports on 127.0.0.1
#   tl_wait_port PORT [S] waits up to S seconds (10) for a listener
#   tl_config FILE PATTERNS DB [EXTRA_YAML_FILE]
#                         writes a test config (mode 0644); the Version
#                         header names $TL_HOSTNAME (test.example)
#   tl_db DB CSV          builds the customer database from a CSV
#   tl_start_milter CONF PORT LOG
#                         runs triage-milter -f in the background
#                         ($MILTER_PID), with $TL_MILTER_ENV (NAME=VALUE
#                         words) in its environment
#   tl_stop_milter        SIGTERM and wait; returns its exit status
: "${TOP:?TOP not set}" "${BUILD:?BUILD not set}"
MILTER="$BUILD/triage-milter"
TRIAGECTL="$BUILD/triagectl"
MILTER_PID=""
_tl_pids=""
_tl_cleanups=""

tl_cleanup() {
	for _c in $_tl_cleanups; do
		"$_c" >/dev/null 2>&1
	done
	for _p in $_tl_pids; do
		kill "$_p" 2>/dev/null
	done
	for _p in $_tl_pids; do
		wait "$_p" 2>/dev/null
	done
	[ -n "${T:-}" ] && [ -d "$T" ] && rm -rf "$T"
}

# Extra cleanup functions (e.g. stopping Postfix) run before the kill.
tl_on_exit() {
	_tl_cleanups="$_tl_cleanups $1"
}

tl_init() {
	umask 022
	T=$(mktemp -d "/tmp/triage-$1.XXXXXX")
	chmod 0755 "$T"
	trap tl_cleanup EXIT
	trap 'exit 130' INT TERM
}

tl_port() { # [N]: N distinct ports, one per line
	python3 - "${1:-1}" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
PY
}

tl_wait_port() {
	python3 - "$1" "${2:-10}" <<'PY'
import socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
end = time.time() + limit
while time.time() < end:
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PY
}

tl_config() { # FILE PATTERNS DB [EXTRA]
	{
		echo "# written by tests/lib/env.sh"
		echo "patterns:"
		echo "  directory: \"$2\""
		echo "  languages: [en]"
		echo "  cache_dir: \"\""
		echo "ltv:"
		echo "  database: \"$3\""
		echo "  record_history: false"
		echo "headers:"
		echo "  hostname: ${TL_HOSTNAME:-test.example}"
		[ -n "${4:-}" ] && cat "$4"
	} >"$1"
	chmod 0644 "$1"
}

tl_db() { # DB CSV
	if [ -x "$TRIAGECTL" ]; then
		"$TRIAGECTL" -d "$1" import "$2" >/dev/null
	else
		return 1
	fi
}

tl_spawn() { # run a command in the background, killed at exit
	"$@" &
	_tl_pids="$_tl_pids $!"
	echo $! >"$T/.last_pid"
}

tl_start_milter() { # CONF PORT LOG
	# shellcheck disable=SC2086 # words of NAME=VALUE on purpose
	tl_spawn env ${TL_MILTER_ENV:-} "$MILTER" -f -c "$1" \
		-p "inet:$2@127.0.0.1" 2>"$3"
	MILTER_PID=$(cat "$T/.last_pid")
	tl_wait_port "$2" 20
}

tl_stop_milter() {
	[ -n "$MILTER_PID" ] || return 0
	kill -TERM "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID"
	_rc=$?
	MILTER_PID=""
	return $_rc
}
