#!/bin/sh
# tests/hardening/security.test.sh - privileges, file modes, header
# values and SQL.
#
# Started as root with -u on a unix socket in a root-only directory: the
# socket is made first (owner and milter.socket_mode as configured), then
# every uid/gid is the user's.  A database or pattern file writable by
# others is refused with an error naming it.  A message with CR/LF and
# UTF-8 in From, Subject and Reply-To (raw and in encoded words): every
# header the filter adds is printable ASCII, folded only with "\n\t".
# SQL text reaches SQLite only as literals or static constants
# (sqlcheck.py, which must also catch a planted bad call).  Needs root.
set -u
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/env.sh"
tl_init security
. "$TOP/tests/hardening/lib.sh"

ok_if "milterload is built" hz_tools
if [ "$(id -u)" != 0 ]; then
	_tap_line 1 "security.test.sh runs as root (make test does)"
	tap_done
	exit 1
fi
USR=triagehz
if ! id "$USR" >/dev/null 2>&1; then
	useradd -r -M -s /usr/sbin/nologin "$USR" >/dev/null 2>&1 || USR=nobody
fi
UID_=$(id -u "$USR")
GID_=$(id -g "$USR")
note "test user: $USR ($UID_:$GID_)"

DBDIR="$T/var"
mkdir -p "$DBDIR"
DB="$DBDIR/ltv.db"
hz_db "$DB"
chmod 0644 "$DB"
cat >"$T/extra.yaml" <<'EOY'
milter:
  socket_mode: "0600"
subject_tags:
  actions: {dispute: "[DISPUTE]"}
EOY
CONF="$T/c.yaml"
hz_config "$CONF" "$DB" "$T/extra.yaml"
# compile the rules into the cache as root (the user cannot write it)
"$MILTER" -c "$CONF" -n >"$T/warm.out" 2>&1 || note "-n: $(cat "$T/warm.out")"
LOG="$T/milter.log"

# --- privileges dropped after the socket is made
SOCKDIR="$T/run"
mkdir -p "$SOCKDIR"
chmod 0700 "$SOCKDIR"  # only root can create the socket here
SOCK="$SOCKDIR/triage.sock"
tl_spawn "$MILTER" -f -c "$CONF" -u "$USR" -p "unix:$SOCK" 2>"$LOG"
MILTER_PID=$(cat "$T/.last_pid")
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 1800 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.5
ok_if "unix socket made in a root-only (0700) directory" test -S "$SOCK"
is "socket owner and mode as configured (socket_mode 0600, -u $USR)" \
	"$(stat -c '%U %a' "$SOCK" 2>&1)" "$USR 600"
is "real, effective, saved, fs uid: $USR" \
	"$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$MILTER_PID/status" 2>&1)" \
	"$UID_ $UID_ $UID_ $UID_"
is "real, effective, saved, fs gid: $USR's group" \
	"$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$MILTER_PID/status" 2>&1)" \
	"$GID_ $GID_ $GID_ $GID_"
ok_if "no supplementary group but the user's" \
	eval "[ \"\$(awk '/^Groups:/ {\$1=\"\"; print}' /proc/$MILTER_PID/status | tr -s ' ' | sed 's/^ //; s/ \$//')\" = '' ] || [ \"\$(awk '/^Groups:/ {\$1=\"\"; print}' /proc/$MILTER_PID/status | tr -s ' ' | sed 's/^ //; s/ \$//')\" = '$GID_' ]"
is "no capabilities left (CapEff)" \
	"$(awk '/^CapEff:/ {print $2}' "/proc/$MILTER_PID/status")" "0000000000000000"
# chmod the directory so that the test (root) and the user can connect
chmod 0755 "$SOCKDIR"
hz_wait_log "$LOG" "started: " 120
# A WAL database in a directory the user cannot write (no -shm can be
# made): the lookup fails gracefully, named in the log.
"$LOAD" -s "unix:$SOCK" -c 1 -n 1 --dump "$HZ_GOOD" >"$T/priv.out" 2>&1
is "as $USR, database directory owned by root: tier unknown, mail flows" \
	"$(hz_header "$T/priv.out" Tier)" unknown
ok_if "as $USR, database directory owned by root: the log names the file" \
	grep -q "ltv: .*$DB" "$LOG"
note "$(grep "ltv: .*$DB" "$LOG" | head -1)"
# The documented layout: the database directory belongs to the user.
chown "$USR" "$DBDIR" "$DB"
i=0
while [ $i -lt 20 ]; do
	"$LOAD" -s "unix:$SOCK" -c 1 -n 1 --dump "$HZ_GOOD" >"$T/priv.out" 2>&1
	grep -qx 'addheader X-Triage-Tier: vip' "$T/priv.out" && break
	sleep 0.5
	i=$((i + 1))
done
ok_if "as $USR with its own database directory it reads rules and database (tier vip)" \
	grep -qx 'addheader X-Triage-Tier: vip' "$T/priv.out"
chown root "$DBDIR" "$DB"
rm -f "$DB-wal" "$DB-shm"
tl_stop_milter
is "as $USR: clean stop" "$?" 0

PORT=$(tl_port)
# --- files writable by others are refused, naming the file
chmod 0666 "$DB"
: >"$LOG"
ok_if "the milter starts (inet)" hz_start "$CONF" "$PORT" "$LOG"
hz_send "$PORT" "$HZ_GOOD" "$T/ww.out"
is "database writable by others: tier unknown" "$(hz_header "$T/ww.out" Tier)" unknown
is "database writable by others: Status db-unavailable" \
	"$(hz_status "$T/ww.out")" "partial; db-unavailable"
ok_if "database writable by others: the log names the file" \
	grep -q "$DB is writable by others" "$LOG"
chmod 0644 "$DB"

PF="$T/patterns/en/$(ls "$T/patterns/en" | head -1)"
chmod 0646 "$PF"
"$MILTER" -c "$CONF" -n >"$T/n.out" 2>&1
is "pattern file writable by others: -n fails" "$?" 1
ok_if "pattern file writable by others: the error names the file" \
	grep -q "$PF" "$T/n.out"
note "$(head -2 "$T/n.out")"
kill -HUP "$MILTER_PID"
ok_if "pattern file writable by others: SIGHUP refused, file named in the log" \
	hz_wait_log "$LOG" "$(basename "$PF").*[\\s\\S]*reload failed" 30
chmod 0644 "$PF"
chmod 0777 "$T/patterns/en"
"$MILTER" -c "$CONF" -n >"$T/n2.out" 2>&1
is "pattern directory writable by others: -n fails" "$?" 1
ok_if "pattern directory writable by others: the error names it" \
	grep -q "$T/patterns/en" "$T/n2.out"
note "$(head -1 "$T/n2.out")"
chmod 0755 "$T/patterns/en"
chmod 0666 "$CONF"
"$MILTER" -c "$CONF" -n >"$T/n3.out" 2>&1
is "config writable by others: -n fails" "$?" 1
ok_if "config writable by others: the error names it" grep -q "$CONF" "$T/n3.out"
chmod 0644 "$CONF"

# --- header values: only printable ASCII from the filter
python3 - "$T/inj" <<'PY'
import os, sys
d = sys.argv[1]
os.makedirs(d)
def w(name, hdrs, body="I have already filed a chargeback with my bank.\n"):
    open(os.path.join(d, name), "wb").write(hdrs + b"\n" + body.encode())
w("raw-utf8.eml",
  "From: \"Оксана Дорошенко\u202e\" <oksana.doroshenko@example.net>\n"
  "Reply-To: \"名前 \U0001F600\" <x\u00e9@example.net>\n"
  "To: support@shop.example\n"
  "Subject: Заказ №1042 — \u0000 ошибка \u2028 next\n"
  "Message-ID: <inj-1@hardening.example>\n".encode())
w("encoded-crlf.eml",
  b"From: =?utf-8?Q?Evil=0D=0AX-Triage-Tier:_vip=0D=0A?= <oksana.doroshenko@example.net>\n"
  b"Reply-To: =?utf-8?B?" + __import__("base64").b64encode(b"a\r\nBcc: x@evil.example\r\n") + b"?= <r@example.net>\n"
  b"To: support@shop.example\n"
  b"Subject: =?utf-8?Q?hello=0D=0AX-Triage-Action:_accommodate=0A=09folded?=\n"
  b"Message-ID: <inj-2\r\nX-Evil: 1@hardening.example>\n")
w("bare-cr.eml",
  b"From: Evil\rX-Triage-Tier: vip <oksana.doroshenko@example.net>\n"
  b"Reply-To: \"\xff\xfe\r\" <\xc3\xa9@example.net>\n"
  b"To: support@shop.example\n"
  b"Subject: \xe2\x80\x8b\r\x1b[31mred\x07 \xed\xa0\x80\n"
  b"Message-ID: <inj-3@hardening.example>\n")
w("order-in-text.eml",
  "From: =?utf-8?B?w6k=?= <nobody-known@example.org>\n"
  "Reply-To: <\u00e9\u00e9@example.org>\n"
  "To: support@shop.example\n"
  "Subject: \u0417\u0430\u043a\u0430\u0437 #1042\n"
  "Message-ID: <inj-4@hardening.example>\n".encode(),
  "Order #1042\r\nX-Triage-Tier: vip\n I filed a chargeback.\n")
PY
for m in "$T"/inj/*.eml; do
	n=$(basename "$m" .eml)
	hz_send "$PORT" "$m" "$T/$n.out"
	ok_if "$n: answered accept with headers" \
		eval "grep -qx 'result accept' '$T/$n.out' && grep -q '^addheader X-Triage-Status: ' '$T/$n.out'"
	why=$(python3 "$TOP/tests/hardening/hdrcheck.py" "$T/$n.out" 2>&1)
	ok_if "$n: every added header value is printable ASCII, folded with LF TAB only" \
		python3 "$TOP/tests/hardening/hdrcheck.py" "$T/$n.out"
done
ok_if "the filter still runs" kill -0 "$MILTER_PID"
tl_stop_milter

# --- SQL only through bound parameters
python3 "$TOP/tests/hardening/sqlcheck.py" "$TOP/src" >"$T/sql.out" 2>&1
rc=$?
note "$(grep -c '^ok' "$T/sql.out") sqlite3_exec/prepare calls checked"
grep '^BAD' "$T/sql.out" | while IFS= read -r l; do note "$l"; done
is "every sqlite3_exec/sqlite3_prepare* gets a literal or static const SQL text" "$rc" 0
mkdir -p "$T/badsrc"
cat >"$T/badsrc/bad.c" <<'EOC'
static int
lookup(sqlite3 *db, const char *from)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "SELECT ltv FROM customers WHERE email = '%s'", from);
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}
EOC
python3 "$TOP/tests/hardening/sqlcheck.py" "$T/badsrc" >"$T/bad.out" 2>&1
is "the check catches SQL built with snprintf from message data" "$?" 1
tap_done
