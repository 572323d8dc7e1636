#!/bin/sh
# tests/hardening/faults.test.sh - faults around the filter; mail flows.
#
# The customer database missing, locked for a long time (sqlite3 holding
# BEGIN EXCLUSIVE: in WAL mode readers go on, history is skipped; in
# rollback-journal mode the lookup is blocked: tier unknown), replaced
# while running, corrupt (garbage bytes), on a full disk (a 1 MB tmpfs,
# or a read-only bind mount when tmpfs cannot be mounted); a broken
# pattern file at SIGHUP; SIGKILL of the milter with mail in flight
# behind a real Postfix (milter_default_action = tempfail: nothing lost,
# every message delivered once, with a verdict).  Each fault: the
# verdict arrives, tier and Status say what is known, the reason is
# logged, and the filter recovers when the fault ends.  Needs root.
set -u
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/env.sh"
. "$TOP/tests/lib/postfix.sh"
tl_init faults
. "$TOP/tests/hardening/lib.sh"

DBDIR="$T/db"
DB="$DBDIR/ltv.db"
mkdir -p "$DBDIR"
GOOD="$HZ_GOOD"
ok_if "milterload is built" hz_tools

# A message flows and its verdict says TIER and STATUS (up to S seconds:
# the filter looks at the database file again every 2 s).
verdict_is() { # TIER STATUS [S]
	_end=$(( $(date +%s) + ${3:-8} ))
	while :; do
		hz_send "$PORT" "$GOOD" "$T/v.out"
		_t=$(hz_header "$T/v.out" Tier)
		_s=$(hz_status "$T/v.out")
		if grep -qx 'result accept' "$T/v.out" &&
		    grep -qx 'addheader X-Triage-Flags: chargeback' "$T/v.out" &&
		    [ "$_t" = "$1" ] && [ "$_s" = "$2" ]; then
			return 0
		fi
		[ "$(date +%s)" -ge "$_end" ] && break
		sleep 0.5
	done
	why="got tier '$_t' status '$_s': $(tail -2 "$T/v.out")"
	return 1
}

log_mark() { LOGMARK=$(wc -l <"$LOG"); }
T0=$(date +%s)
stamp() { note "time: $1 at $(( $(date +%s) - T0 )) s"; }
log_since() { # RE: in the log lines written after log_mark
	tail -n +"$((LOGMARK + 1))" "$LOG" | grep -Eq "$1"
}

HZ_HISTORY=true
CONF="$T/c.yaml"
hz_config "$CONF" "$DB"
PORT=$(tl_port)
LOG="$T/milter.log"

# --- database missing at start, then appears
ok_if "the milter starts without its database" hz_start "$CONF" "$PORT" "$LOG"
ok_if "db missing: mail flows, tier unknown, Status db-unavailable" \
	verdict_is unknown "partial; db-unavailable"
ok_if "db missing: the reason is logged naming the file" \
	grep -q "ltv: .*$DB.*tier unknown" "$LOG"
log_mark
hz_db "$DB"
ok_if "db created: recovers (tier vip, Status ok)" verdict_is vip ok
ok_if "db created: recovery logged" log_since "is readable again"

stamp "locked for a long time, WAL"
# --- locked for a long time, WAL (as triagectl import makes it)
(printf 'BEGIN EXCLUSIVE;\nINSERT INTO history (customer_email, message_id, flags, tier, action, at) VALUES (%s);\n' \
	"'lock@x', 'lock-1', '', 'new', 'normal', 0"; sleep 12; echo 'COMMIT;') |
	sqlite3 "$DB" >"$T/lock1.out" 2>&1 &
LOCKER=$!
sleep 1
log_mark
s=$(date +%s)
n=0
while [ $(( $(date +%s) - s )) -lt 8 ]; do
	n=$((n + 1))
	sed "s/^Message-ID: .*/Message-ID: <lock-$n@hardening.example>/" "$GOOD" >"$T/lock.eml"
	hz_send "$PORT" "$T/lock.eml" "$T/lock.out" || break
	grep -qx 'addheader X-Triage-Tier: vip' "$T/lock.out" || break
	ms=$(hz_ms "$T/lock.out")
	[ "$ms" -gt "${maxms:-0}" ] && maxms=$ms
done
note "figure: WAL db locked (BEGIN EXCLUSIVE) 8 s: $n messages, slowest ${maxms:-?} ms"
ok_if "WAL db locked: every message gets its verdict, tier still known (readers are not blocked)" \
	grep -qx 'addheader X-Triage-Tier: vip' "$T/lock.out"
ok_if "WAL db locked: history not recorded, logged" \
	log_since "history not recorded: .*database is locked"
ok_if "WAL db locked: time per message bounded by busy_timeout (${maxms:-?} ms < 2000)" \
	test "${maxms:-99999}" -lt 2000
wait "$LOCKER"
sed "s/^Message-ID: .*/Message-ID: <after-lock@hardening.example>/" "$GOOD" >"$T/after.eml"
hz_send "$PORT" "$T/after.eml" "$T/after.out"
is "WAL lock ended: history recorded again" \
	"$(sqlite3 "$DB" "SELECT count(*) FROM history WHERE message_id = 'after-lock@hardening.example'" 2>&1)" 1

stamp "replaced while running"
# --- replaced while running: a new file (rollback journal, LTV 300)
cp "$DB" "$T/new.db"
sqlite3 "$T/new.db" "PRAGMA journal_mode=DELETE; UPDATE customers SET ltv_cents = 30000 WHERE email = 'oksana.doroshenko@example.net';" >/dev/null 2>&1
sqlite3 "$T/new.db" "SELECT ltv_cents FROM customers WHERE email = 'oksana.doroshenko@example.net'" >"$T/ltv.out" 2>&1 ||
	note "cannot update the copy: $(cat "$T/ltv.out")"
chmod 0644 "$T/new.db"
mv "$T/new.db" "$DB.tmp" && mv "$DB.tmp" "$DB"
rm -f "$DB-wal" "$DB-shm"
ok_if "db replaced while running: the new file is read (tier loyal)" \
	verdict_is loyal ok

# --- locked for a long time, rollback journal: lookups are blocked
log_mark
(printf 'BEGIN EXCLUSIVE;\nUPDATE customers SET ltv_cents = ltv_cents;\n'; sleep 8; echo 'ROLLBACK;') |
	sqlite3 "$DB" >"$T/lock2.out" 2>&1 &
LOCKER=$!
sleep 1
ok_if "db locked (exclusive, rollback journal): mail flows, tier unknown, db-unavailable" \
	verdict_is unknown "partial; db-unavailable" 4
ms=$(hz_ms "$T/v.out")
note "figure: locked db: $ms ms per message"
ok_if "db locked: time per message bounded ($ms ms < 2000)" test "${ms:-99999}" -lt 2000
ok_if "db locked: the reason is logged" log_since "ltv: .*(locked|busy)"
wait "$LOCKER"
log_mark
ok_if "db lock ended: recovers (tier loyal, Status ok)" verdict_is loyal ok 10
ok_if "db lock ended: recovery logged" log_since "is readable again"

stamp "corrupt"
# --- corrupt: garbage bytes in place of the database
cp "$DB" "$T/keep.db"
log_mark
head -c 65536 /dev/urandom >"$T/garbage"
chmod 0644 "$T/garbage"
mv "$T/garbage" "$DB"
ok_if "db corrupt: mail flows, tier unknown, db-unavailable" \
	verdict_is unknown "partial; db-unavailable"
ok_if "db corrupt: the reason is logged" \
	log_since "ltv: .*($DB|not a database|malformed|schema)"
# garbage after a valid header page
cp "$T/keep.db" "$T/half.db"
dd if=/dev/urandom of="$T/half.db" bs=1024 seek=1 count=64 conv=notrunc 2>/dev/null
chmod 0644 "$T/half.db"
mv "$T/half.db" "$DB"
ok_if "db corrupt behind a valid header: mail flows with a verdict" \
	eval "hz_send '$PORT' '$GOOD' '$T/half.out' && grep -qx 'result accept' '$T/half.out' && grep -q '^addheader X-Triage-Tier: ' '$T/half.out'"
note "figure: half-corrupt db: tier $(hz_header "$T/half.out" Tier), status $(hz_status "$T/half.out")"
log_mark
cp "$T/keep.db" "$DB.tmp" && mv "$DB.tmp" "$DB"
ok_if "db restored: recovers (tier loyal, Status ok)" verdict_is loyal ok 10

stamp "disk full"
# --- disk full for history writes
FULL_HOW="tmpfs"
FULL="$T/full"
mkdir -p "$FULL"
if mount -t tmpfs -o size=1m tmpfs "$FULL" 2>"$T/mount.err"; then
	fullclean() { umount -l "$FULL"; }
	tl_on_exit fullclean
	cp "$DB" "$FULL/ltv.db"
	chmod 0644 "$FULL/ltv.db"
	sqlite3 "$FULL/ltv.db" "PRAGMA journal_mode=WAL" >/dev/null
	fill() { dd if=/dev/zero of="$FULL/filler" bs=4096 2>/dev/null; }
else
	FULL_HOW="read-only bind mount"
	note "tmpfs: $(cat "$T/mount.err"); using a read-only bind mount"
	cp "$DB" "$T/ro.db"
	mkdir -p "$T/rosrc"
	mv "$T/ro.db" "$T/rosrc/ltv.db"
	mount --bind "$T/rosrc" "$FULL"
	fill() { mount -o remount,bind,ro "$FULL"; }
	fullclean() { umount -l "$FULL"; }
	tl_on_exit fullclean
fi
tl_stop_milter
hz_config "$CONF" "$FULL/ltv.db"
: >"$LOG"
ok_if "restart with the database on a small disk" hz_start "$CONF" "$PORT" "$LOG"
ok_if "small disk: a verdict with history before the disk fills" verdict_is loyal ok
fill
note "figure: disk full via $FULL_HOW ($(df -k "$FULL" | awk 'NR==2 {print $4}') kB free)"
log_mark
n=0 bad=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	sed "s/^Message-ID: .*/Message-ID: <full-$i@hardening.example>/" "$GOOD" >"$T/full.eml"
	hz_send "$PORT" "$T/full.eml" "$T/full.out" &&
		grep -qx 'addheader X-Triage-Flags: chargeback' "$T/full.out" &&
		grep -q '^addheader X-Triage-Tier: loyal' "$T/full.out" || bad=$((bad + 1))
	n=$((n + 1))
	ms=$(hz_ms "$T/full.out")
	[ "${ms:-0}" -gt "${fullms:-0}" ] && fullms=$ms
done
note "figure: disk full: slowest of $n messages ${fullms:-?} ms"
is "disk full: all $n messages get their verdict (tier loyal)" "$bad" 0
ok_if "disk full: history failure logged" \
	log_since "history not recorded: .*(full|disk|read-only|readonly|unable to open|I/O)"
note "figure: disk full: $(grep 'history not recorded' "$LOG" | head -1)"
ok_if "disk full: the filter still runs" kill -0 "$MILTER_PID"
fullclean
tl_stop_milter
is "stop after the disk-full test: clean exit" "$?" 0

stamp "a pattern file broken"
# --- a pattern file broken at SIGHUP
cp "$T/keep.db" "$DB"
hz_config "$CONF" "$DB"
: >"$LOG"
ok_if "restart with a private copy of the patterns" hz_start "$CONF" "$PORT" "$LOG"
cat >"$T/patterns/en/zz-broken.yaml" <<'EOB'
language: en
rules:
  - id: en.hz.broken
    signal: dispute.filed
    score: 4
    description: An unbalanced parenthesis.
    pattern: \b(charged
    match: ["charged"]
EOB
chmod 0644 "$T/patterns/en/zz-broken.yaml"
kill -HUP "$MILTER_PID"
ok_if "SIGHUP with a broken pattern file: the log names FILE:LINE" \
	hz_wait_log "$LOG" "zz-broken\.yaml:7:"
ok_if "SIGHUP with a broken pattern file: reload refused" \
	hz_wait_log "$LOG" "reload failed"
ok_if "after the refused reload the old rules answer" verdict_is loyal ok
rm -f "$T/patterns/en/zz-broken.yaml"
kill -HUP "$MILTER_PID"
ok_if "SIGHUP after the fix: generation 2" hz_wait_log "$LOG" "generation 2" 60
ok_if "after the good reload the filter answers" verdict_is loyal ok
tl_stop_milter

stamp "SIGKILL"
# --- SIGKILL with mail in flight behind a real Postfix
tl_on_exit pf_stop_all
MAIL="$T/mail"
mkdir -p "$MAIL"
chown nobody "$MAIL"
PORTS=$(tl_port 2)
PA=$(echo "$PORTS" | sed -n 1p)
PB=$(echo "$PORTS" | sed -n 2p)
pf_new "$T/pfA" "$PA" mx-a.test.example <<EOPF
virtual_mailbox_domains = shop.example
virtual_mailbox_base = $MAIL
virtual_mailbox_maps = inline:{ {support@shop.example=support/} }
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
smtpd_milters = inet:127.0.0.1:$PORT
milter_default_action = tempfail
milter_protocol = 6
EOPF
pf_new "$T/pfB" "$PB" mx-b.test.example <<EOPF
relayhost = [127.0.0.1]:$PA
EOPF
ok_if "Postfix A (with the milter) starts" pf_start "$T/pfA"
ok_if "Postfix B (the sender) starts" pf_start "$T/pfB"
: >"$LOG"
ok_if "the milter starts in front of Postfix" hz_start "$CONF" "$PORT" "$LOG"
N=200
hz_slow && N=100
# 20 KB bodies so that the kill lands inside a message
python3 - "$T/big.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("Subject: kill test\n\nI have filed a chargeback already.\n")
    for i in range(400):
        f.write("line %03d of a long and winding complaint about a parcel\n" % i)
PY
smtp-source -s 8 -m "$N" -f vip@cust.example -t support@shop.example \
	-F "$T/big.txt" "127.0.0.1:$PB" >"$T/smtp-source.out" 2>&1 &
SRC=$!
# kill when Postfix A has delivered a few, i.e. mid-stream
i=0
while [ "$(find "$MAIL/support/new" -type f 2>/dev/null | wc -l)" -lt 10 ] && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -KILL "$MILTER_PID"
wait "$MILTER_PID" 2>/dev/null
MILTER_PID=""
killed_at=$(find "$MAIL/support/new" -type f 2>/dev/null | wc -l)
sleep 2
ok_if "after SIGKILL the next start works" hz_start "$CONF" "$PORT" "$LOG"
wait "$SRC"
is "smtp-source handed all $N to Postfix B" "$?" 0
ok_if "queues drain" eval "pf_wait_empty '$T/pfB' 120 && pf_wait_empty '$T/pfA' 60"
got=$(find "$MAIL/support/new" -type f | wc -l)
withv=$(grep -l '^X-Triage-Status: ' "$MAIL"/support/new/* 2>/dev/null | wc -l)
drops=$(grep -Ec 'milter .*(can.t read|Connection refused|Connection reset|unreachable|temporary failure|read error)' "$T/pfA/maillog" 2>/dev/null)
note "figure: SIGKILL after $killed_at of $N delivered; $drops milter errors in Postfix's log; $got delivered, $withv with a verdict"
is "SIGKILL: every message delivered exactly once" "$got" "$N"
is "SIGKILL: every delivered message carries a verdict" "$withv" "$N"
ok_if "SIGKILL: Postfix saw the milter go away (tempfail, retried)" test "$drops" -gt 0
tl_stop_milter
pf_stop_all
stamp end
tap_done
