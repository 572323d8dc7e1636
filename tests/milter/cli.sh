# tests/milter/cli.sh - sourced by milter.test.sh: -V, -t on several files
# and standard input, bad arguments, and the daemon mode (fork, pid file).

is "-V prints the version" "$("$MILTER" -V)" "triage-milter 0.1.0"
"$MILTER" -q >/dev/null 2>&1
is "an unknown option exits 2" "$?" 2
"$MILTER" -c "$CONF" -t >/dev/null 2>&1
is "-t without a file exits 2" "$?" 2

"$MILTER" -c "$CONF" -t "$W/msgs/plain.eml" "$W/msgs/dispute.eml" >"$T/multi.out"
{
	echo "# $W/msgs/plain.eml"
	cat "$W/expected/plain"
	echo "# $W/msgs/dispute.eml"
	cat "$W/expected/dispute"
} >"$T/multi.want"
ok_if "-t with several files: a # FILE line before each" \
	cmp -s "$T/multi.out" "$T/multi.want"
"$MILTER" -c "$CONF" -t - <"$W/msgs/forged.eml" >"$T/stdin.out"
ok_if "-t - reads standard input, same headers as the file" \
	cmp -s "$T/stdin.out" "$W/expected/forged"
"$MILTER" -c "$CONF" -t "$T/does-not-exist.eml" >/dev/null 2>"$T/t.err"
is "-t on a missing file exits 1" "$?" 1
ok_if "-t on a missing file names it" grep -q 'does-not-exist.eml' "$T/t.err"

# Daemon mode: the parent returns at once, the child writes the pid file,
# serves, and removes the pid file when it stops.
DPORT=$(tl_port)
"$MILTER" -c "$CONF" -p "inet:$DPORT@127.0.0.1" -P "$T/milter.pid"
is "daemon: the starting process exits 0" "$?" 0
ok_if "daemon: listening" tl_wait_port "$DPORT" 20
DPID=$(cat "$T/milter.pid" 2>/dev/null)
ok_if "daemon: the pid file names a running triage-milter" \
	grep -q triage-milter "/proc/${DPID:-0}/cmdline"
is "daemon: detached into its own session" \
	"$(awk '{print $6}' "/proc/${DPID:-0}/stat" 2>/dev/null)" "${DPID:-x}"
kill -TERM "${DPID:-0}" 2>/dev/null
i=0
while kill -0 "${DPID:-0}" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
ok_if "daemon: SIGTERM stops it" sh -c "! kill -0 ${DPID:-0} 2>/dev/null"
ok_if "daemon: the pid file is removed" test ! -e "$T/milter.pid"

# -t and `triagectl test` are one code path: same bytes out.
for m in dispute forged plain notext; do
	"$TRIAGECTL" -c "$CONF" test "$W/msgs/$m.eml" >"$T/ctl.out" 2>"$T/ctl.err"
	ok_if "-t prints exactly what triagectl test prints ($m)" \
		cmp -s "$T/ctl.out" "$W/expected/$m"
done

# No database: still headers, tier unknown, and the status says why.
sed "s|$T/ltv.db|$T/missing/ltv.db|" "$CONF" >"$T/nodb.yaml"
chmod 0644 "$T/nodb.yaml"
"$MILTER" -c "$T/nodb.yaml" -t "$W/msgs/dispute.eml" >"$T/nodb.out" 2>&1
is "no database: tier unknown" "$(sed -n 's/^X-Triage-Tier: //p' "$T/nodb.out")" unknown
is "no database: Status db-unavailable" \
	"$(sed -n 's/^X-Triage-Status: //p' "$T/nodb.out")" "partial; db-unavailable"
