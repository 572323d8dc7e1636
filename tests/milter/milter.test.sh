#!/bin/sh
# tests/milter/milter.test.sh - the filter over the milter protocol.
#
# Starts build/triage-milter on a free local port with a test config
# (the small rule set in fixtures/patterns, a database imported from
# fixtures/customers.csv), runs every tests/milter/*.lua with miltertest
# (shared code in helper.lua), then checks -n, reload on SIGHUP, the
# privilege drop on a unix socket, a clean stop on SIGTERM, the command
# line (cli.sh), history recording (history.sh) and a failing verdict
# under on_error tempfail and accept (failure.sh), SIGTERM with a
# message in flight (stop.sh).  Needs
# root for the privilege test (make test runs as root).
set -u
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/env.sh"
tl_init milter

FIX="$TOP/tests/milter/fixtures"
W="$T/work"
mkdir -p "$W/expected" "$W/msgs"
cp -R "$FIX/patterns" "$T/patterns"
cp "$FIX"/msgs/*.eml "$W/msgs/"

# A message whose body is larger than limits.body_bytes (16384): the
# dispute is near the start, so it is still found.
python3 - "$W/msgs/big.eml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("From: Vera Vip <vip@cust.example>\nTo: support@shop.example\n"
            "Subject: Long story\nMessage-ID: <big-1@cust.example>\n\n"
            "We filed a chargeback already.\n\n")
    for i in range(1200):
        f.write("This is line %04d of a very long story about a parcel.\n" % i)
PY

cat >"$T/extra.yaml" <<'EOF2'
policy:
  rules:
    - {action: dispute, flags: [chargeback]}
    - {action: accommodate, flags: [wrong-address], tiers: [vip]}
    - {action: standard, any_flag: true}
  default: normal
subject_tags:
  actions: {dispute: "[DISPUTE]"}
routes: {dispute: disputes@shop.example}
scope:
  recipients: [support@shop.example, "@help.example"]
limits:
  body_bytes: 16384
EOF2
CONF="$T/test.yaml"
# Long enough to fold the Version header ("\n\t" in the value).
TL_HOSTNAME=a-very-long-host-name-used-to-make-the-version-header-fold.mx.test.example
tl_config "$CONF" "$T/patterns" "$T/ltv.db" "$T/extra.yaml"
why="triagectl import failed"
ok_if "customer database imported" tl_db "$T/ltv.db" "$FIX/customers.csv"

for m in "$W"/msgs/*.eml; do
	"$MILTER" -c "$CONF" -t "$m" >"$W/expected/$(basename "$m" .eml)" 2>"$T/t.err" ||
		note "-t $m failed: $(cat "$T/t.err")"
done
ok_if "-t reports partial; truncated for the big body" \
	grep -q '^X-Triage-Status: partial; truncated' "$W/expected/big"

PORT=$(tl_port)
LOG="$T/milter.log"
ok_if "the milter starts and listens" tl_start_milter "$CONF" "$PORT" "$LOG"

# Each script prints TAP lines numbered on its own; renumber them here.
for s in "$TOP"/tests/milter/*.lua; do
	case "$s" in */helper.lua) continue ;; esac
	name=$(basename "$s" .lua)
	miltertest -D "SOCKET=inet:$PORT@127.0.0.1" -D "WORK=$W" \
		-D "HELPER=$TOP/tests/milter/helper.lua" -s "$s" \
		>"$T/$name.out" 2>&1
	src=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) _tap_line 0 "$name: ${line#ok * - }" ;;
		"not ok "*) _tap_line 1 "$name: ${line#not ok * - }" ;;
		*) note "$name: $line" ;;
		esac
	done <"$T/$name.out"
	is "$name: miltertest exit status" "$src" 0
done

ok_if "one log line per message: qid, flags, tier, action, rules" \
	grep -Eq 'qid=QIDDISPUTE msgid=dispute-1@cust.example from=<vip@cust.example> tier=vip flags=chargeback action=dispute rules=en.mt.dispute anomalies=- us=[0-9]+' "$LOG"

. "$TOP/tests/milter/reload.sh"

kill -TERM "$MILTER_PID"
wait "$MILTER_PID"
is "SIGTERM: clean exit status" "$?" 0
MILTER_PID=""
ok_if "SIGTERM: logged the stop" grep -q 'stopped' "$LOG"

. "$TOP/tests/milter/privileges.sh"
. "$TOP/tests/milter/cli.sh"
. "$TOP/tests/milter/history.sh"
. "$TOP/tests/milter/failure.sh"
. "$TOP/tests/milter/stop.sh"

tap_done
