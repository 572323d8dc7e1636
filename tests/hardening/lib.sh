# tests/hardening/lib.sh - shared by tests/hardening/*.test.sh (sourced
# after tests/lib/tap.sh and tests/lib/env.sh, after tl_init).
#
#   hz_slow                 true under ASan (SAN=1 or BUILD ends in
#                           build-asan): loads are scaled down, bounds up
#   hz_config FILE DB [EXTRA]
#                           a config with the shipped patterns/ (all
#                           languages; a snapshot in $T/patterns made at
#                           the first call, of HEAD in a git checkout, so
#                           that edits in the work tree during the run do
#                           not change the rule set),
#                           the database DB, a Hyperscan cache kept in
#                           $BUILD/hardening-cache across runs (keyed by
#                           the rules' content)
#   hz_db DB                the customer database from tests/corpus
#   hz_start CONF PORT LOG  the milter -f on 127.0.0.1:PORT ($MILTER_PID),
#                           waits up to 180 s (first Hyperscan compile)
#   hz_send PORT FILE OUT   one message through milterload --dump into OUT
#   hz_status OUT           the X-Triage-Status value in a dump
#   hz_ms OUT               the message's latency (ms) in a dump
#   hz_proc PID FIELD       a /proc/PID/status field (VmHWM, VmRSS,
#                           Threads) as a number
#   hz_fds PID              open descriptors
#   hz_wait_log LOG RE [S]  waits up to S (10) seconds for RE in LOG
LOAD="$BUILD/bench/milterload"
HZ_GOOD="$TOP/tests/hardening/fixtures/good.eml"

hz_slow() {
	[ "${SAN:-0}" = 1 ] && return 0
	case "$BUILD" in *build-asan | *build-asan/) return 0 ;; esac
	return 1
}

hz_tools() { # builds milterload into $BUILD/bench when missing
	[ -x "$LOAD" ] && return 0
	make -s -C "$TOP/bench" tools BUILD="$BUILD" >"$T/bench-build.log" 2>&1 ||
		make -s -C "$TOP/bench" tools BUILD="$TOP/build" >>"$T/bench-build.log" 2>&1
	[ -x "$LOAD" ] || LOAD="$TOP/build/bench/milterload"
	[ -x "$LOAD" ]
}

hz_config() { # FILE DB [EXTRA]
	mkdir -p "$BUILD/hardening-cache"
	if [ ! -d "$T/patterns" ]; then
		# The committed rules when this is a git checkout (a file being
		# edited in the work tree is not a fault of the filter), else
		# the tree as it is.
		if git -C "$TOP" rev-parse --verify -q HEAD:patterns >/dev/null 2>&1; then
			git -C "$TOP" archive HEAD patterns | tar -x -C "$T"
		else
			cp -R "$TOP/patterns" "$T/patterns"
		fi
		chmod -R go-w "$T/patterns"
	fi
	{
		echo "# written by tests/hardening/lib.sh"
		echo "patterns:"
		echo "  directory: \"$T/patterns\""
		echo "  cache_dir: \"$BUILD/hardening-cache\""
		echo "ltv:"
		echo "  database: \"$2\""
		echo "  record_history: ${HZ_HISTORY:-false}"
		echo "headers:"
		echo "  hostname: test.example"
		[ -n "${3:-}" ] && cat "$3"
	} >"$1"
	chmod 0644 "$1"
}

hz_db() {
	"$TRIAGECTL" -d "$1" import "$TOP/tests/corpus/customers.csv" >/dev/null
}

hz_start() { # CONF PORT LOG
	tl_spawn "$MILTER" -f -c "$1" -p "inet:$2@127.0.0.1" 2>"$3"
	MILTER_PID=$(cat "$T/.last_pid")
	tl_wait_port "$2" 180
}

hz_send() { # PORT FILE OUT [milterload options]
	_p=$1 _f=$2 _o=$3
	shift 3
	"$LOAD" -s "inet:$_p@127.0.0.1" -c 1 -n 1 --dump "$@" "$_f" >"$_o" 2>&1
}

hz_status() {
	sed -n 's/^addheader X-Triage-Status: //p' "$1" | head -1
}

hz_header() { # OUT NAME
	sed -n "s/^addheader X-Triage-$2: //p" "$1" | head -1
}

hz_ms() {
	sed -n 's/.* max=\([0-9]*\).*/\1/p' "$1" | tail -1
}

hz_proc() { # PID FIELD
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}

hz_fds() {
	ls "/proc/$1/fd" | wc -l
}

hz_wait_log() { # LOG RE [SECONDS]
	python3 - "$1" "$2" "${3:-10}" <<'PY'
import re, sys, time
end = time.time() + float(sys.argv[3])
while time.time() < end:
    if re.search(sys.argv[2], open(sys.argv[1], errors="replace").read()):
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
}

# The good message answers with its known verdict.
hz_good_ok() { # PORT OUT
	hz_send "$1" "$HZ_GOOD" "$2" &&
		grep -qx 'result accept' "$2" &&
		grep -qx 'addheader X-Triage-Flags: chargeback' "$2"
}
