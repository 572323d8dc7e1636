#!/bin/sh
# tests/e2e/postfix.test.sh - triage-milter behind a real, private Postfix.
#
# Postfix A listens on 127.0.0.1 (a free port, never 25), runs the milter
# and delivers the test domains to Maildirs with the virtual agent;
# Postfix B relays to A and plays the sending MTA for the tempfail case.
# Mail is sent with swaks and smtp-source; every check reads the
# delivered files.  Needs root (make test runs as root); every process
# and the temp dir go away on exit, failed or not.
set -u
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/env.sh"
. "$TOP/tests/lib/postfix.sh"

if [ "$(id -u)" != 0 ]; then
	_tap_line 1 "the Postfix end-to-end test runs as root"
	tap_done
	exit 1
fi
tl_init e2e
tl_on_exit pf_stop_all

FIX="$TOP/tests/milter/fixtures"
MAIL="$T/mail"
mkdir -p "$MAIL"
chown nobody "$MAIL"
cp -R "$FIX/patterns" "$T/patterns"
# A second rule file: a message that shows both its rule and one of
# milter.yaml was classified with the complete set.
cat >"$T/patterns/en/zz-load.yaml" <<'EOF'
language: en
rules:
  - id: en.load.marker
    signal: threat.review
    score: 4
    description: Marks the load-test messages.
    pattern: \bload-marker\b
    match: ["load-marker: hello"]
    no_match: ["a marker"]
EOF
cat >"$T/extra.yaml" <<'EOF'
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
EOF
CONF="$T/test.yaml"
# A host name this long makes the Version header fold: the delivered
# folding must equal what -t prints.
TL_HOSTNAME=a-very-long-host-name-used-to-make-the-version-header-fold.mx.test.example
tl_config "$CONF" "$T/patterns" "$T/ltv.db" "$T/extra.yaml"
tl_db "$T/ltv.db" "$FIX/customers.csv" || note "database import failed"

PORTS=$(tl_port 3)
PM=$(echo "$PORTS" | sed -n 1p)
PA=$(echo "$PORTS" | sed -n 2p)
PB=$(echo "$PORTS" | sed -n 3p)
A="$T/pfA"
B="$T/pfB"
pf_new "$A" "$PA" mx-a.test.example <<EOF
virtual_mailbox_domains = shop.example help.example
virtual_mailbox_base = $MAIL
virtual_mailbox_maps = inline:{ {support@shop.example=support/}, {disputes@shop.example=disputes/}, {sales@shop.example=sales/}, {info@shop.example=info/}, {team@help.example=team/} }
virtual_uid_maps = static:$(id -u nobody)
virtual_gid_maps = static:$(id -g nobody)
smtpd_milters = inet:127.0.0.1:$PM
milter_default_action = accept
milter_protocol = 6
EOF
pf_new "$B" "$PB" mx-b.test.example <<EOF
relayhost = [127.0.0.1]:$PA
EOF

ok_if "Postfix A starts" pf_start "$A"
ok_if "the milter starts" tl_start_milter "$CONF" "$PM" "$T/milter.log"

send() { # FILE FROM TO[,TO...] [PORT]
	swaks --server "127.0.0.1:${4:-$PA}" --from "$2" --to "$3" \
		--data "$1" >"$T/swaks.out" 2>&1
}

# Files delivered with this Message-ID, one per line.
delivered() {
	grep -l -i "^Message-ID: <$1>" "$MAIL"/*/new/* 2>/dev/null
}

count_delivered() {
	delivered "$1" | wc -l | tr -d ' '
}

# Our headers in a delivered file, folded lines kept, as -t prints them.
triage_headers() {
	awk '/^$/ { exit }
	     /^[ \t]/ { if (keep) print; next }
	     { keep = (tolower($0) ~ /^x-triage-/); if (keep) print }' "$1"
}

# -t output without its Subject line.
expected_headers() {
	"$MILTER" -c "$CONF" -t "$1" | awk '/^Subject: / { skip = 1; next }
	     /^\t/ { if (!skip) print; next } { skip = 0; print }'
}

subject_of() {
	awk '/^$/ { exit } /^Subject: / { sub(/^Subject: /, ""); print }' "$1"
}

with_id() { # FILE OLD NEW: a copy of FILE with another Message-ID
	sed "s/<$2>/<$3>/" "$1" >"$T/$3.eml"
	echo "$T/$3.eml"
}

# ---- 1. the milter at work ----------------------------------------------
send "$FIX/msgs/dispute.eml" vip@cust.example \
	support@shop.example,sales@shop.example
send "$FIX/msgs/forged.eml" small@cust.example support@shop.example
send "$(with_id "$FIX/msgs/forged.eml" forged-1@cust.example oos-1@cust.example)" \
	small@cust.example info@shop.example
send "$FIX/msgs/plain.eml" nobody@else.example team@help.example
ok_if "all four delivered (queue empty)" pf_wait_empty "$A" 30

is "dispute: delivered once to the route and once to sales" \
	"$(delivered dispute-1@cust.example | sed "s|$MAIL/||; s|/new/.*||" | sort | tr '\n' ' ')" \
	"disputes sales "
f=$(delivered dispute-1@cust.example | grep /disputes/ | head -1)
is "dispute: headers equal triage-milter -t" \
	"$(triage_headers "$f")" "$(expected_headers "$FIX/msgs/dispute.eml")"
ok_if "dispute: a folded header arrived folded" grep -q '^X-Triage-Version: .*on$' "$f"
is "dispute: subject tagged once, as -t says" "$(subject_of "$f")" \
	"$("$MILTER" -c "$CONF" -t "$FIX/msgs/dispute.eml" | sed -n 's/^Subject: //p')"
is "dispute: the tag itself" "$(subject_of "$f")" "[DISPUTE] Order problem"

is "forged: delivered exactly once" "$(count_delivered forged-1@cust.example)" 1
f=$(delivered forged-1@cust.example | head -1)
is "forged: every inbound X-Triage header gone, ours equal -t" \
	"$(triage_headers "$f")" "$(expected_headers "$FIX/msgs/forged.eml")"
is "forged: one X-Triage-Tier left, in any case" \
	"$(grep -ci '^x-triage-tier:' "$f")" 1

is "out of scope: delivered once" "$(count_delivered oos-1@cust.example)" 1
f=$(delivered oos-1@cust.example | head -1)
is "out of scope: untouched, the customer's own X-Triage lines stay" \
	"$(triage_headers "$f")" "$(grep -i '^x-triage-' "$FIX/msgs/forged.eml")"

is "@domain scope: delivered once" "$(count_delivered plain-1@else.example)" 1
f=$(delivered plain-1@else.example | head -1)
is "@domain scope: headers equal -t" \
	"$(triage_headers "$f")" "$(expected_headers "$FIX/msgs/plain.eml")"

why="$(grep -i milter "$A/maillog" | head -5)"
ok_if "maillog: no milter warning or error" \
	sh -c "! grep -iE 'milter.*(warning|error|fatal|timeout|refused)|(warning|error|fatal).*milter' '$A/maillog'"

# ---- 2. milter down, milter_default_action = accept ---------------------
ok_if "SIGTERM stops the milter cleanly" tl_stop_milter
send "$(with_id "$FIX/msgs/plain.eml" plain-1@else.example down-1@else.example)" \
	nobody@else.example support@shop.example
ok_if "milter down: delivered anyway" pf_wait_empty "$A" 30
is "milter down: exactly once" "$(count_delivered down-1@else.example)" 1
f=$(delivered down-1@else.example | head -1)
is "milter down: no triage header at all" "$(triage_headers "$f")" ""

# ---- 3. milter down, tempfail: the sender queues, then retries ----------
pf_set "$A" "milter_default_action = tempfail"
pf_reload "$A"
sleep 1
ok_if "Postfix B (the sending MTA) starts" pf_start "$B"
send "$(with_id "$FIX/msgs/dispute.eml" dispute-1@cust.example relay-1@cust.example)" \
	vip@cust.example support@shop.example "$PB"
deferred() {
	_i=0
	while [ $_i -lt 100 ]; do
		grep -q 'status=deferred' "$B/maillog" 2>/dev/null && return 0
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}
ok_if "tempfail: B defers the mail while the milter is down" deferred
is "tempfail: nothing delivered yet" "$(count_delivered relay-1@cust.example)" 0
why="$(grep -i 'reject' "$A/maillog" | tail -3)"
ok_if "tempfail: A answered 451 4.7.1 (milter unavailable)" \
	grep -qE 'milter-reject: .* 451 4\.7\.1 ' "$A/maillog"
ok_if "the milter starts again" tl_start_milter "$CONF" "$PM" "$T/milter2.log"
postqueue -c "$B" -f
ok_if "tempfail: B's queue empties after the flush" pf_wait_empty "$B" 30
ok_if "tempfail: A's queue empties" pf_wait_empty "$A" 30
is "tempfail: delivered exactly once" "$(count_delivered relay-1@cust.example)" 1
f=$(delivered relay-1@cust.example | head -1)
is "tempfail: delivered tagged, to the route" \
	"$(echo "$f" | sed "s|$MAIL/||; s|/new/.*||") $(subject_of "$f")" \
	"disputes [DISPUTE] Order problem"

# ---- 4. ten reloads while 500 messages flow -----------------------------
mark=$(wc -l <"$A/maillog")
smtp-source -s 5 -m 500 -f vip@cust.example -t support@shop.example \
	-S "load-marker: we filed a chargeback" "127.0.0.1:$PA" \
	>"$T/source.out" 2>&1 &
src_pid=$!
for i in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.3
	kill -HUP "$MILTER_PID"
done
wait "$src_pid"
is "load: smtp-source sent all 500 without error" "$?" 0
ok_if "load: A's queue empties" pf_wait_empty "$A" 120
load_files=$(grep -l '^Subject: \[DISPUTE\] load-marker' "$MAIL"/disputes/new/* 2>/dev/null)
is "load: 500 delivered, tagged and routed" \
	"$(echo "$load_files" | grep -c .)" 500
is "load: each classified by the complete rule set (rules of both files)" \
	"$(echo "$load_files" | xargs grep -l '^X-Triage-Rules: .*en.load.marker' |
	   xargs grep -l 'en.mt.dispute' | wc -l | tr -d ' ')" 500
is "load: each delivered exactly once (distinct Message-IDs)" \
	"$(echo "$load_files" | xargs grep -hi '^Message-ID:' | sort -u | wc -l | tr -d ' ')" 500
is "load: nothing reached the support box untagged" \
	"$(grep -l 'load-marker' "$MAIL"/support/new/* 2>/dev/null | wc -l | tr -d ' ')" 0
ok_if "load: all ten reloads done (generation 11)" \
	grep -q 'generation 11,' "$T/milter2.log"
first_msg=$(grep -n 'qid=' "$T/milter2.log" | sed -n '2p' | cut -d: -f1)
first_hup=$(grep -n 'reloaded' "$T/milter2.log" | head -1 | cut -d: -f1)
last_hup=$(grep -n 'reloaded' "$T/milter2.log" | tail -1 | cut -d: -f1)
last_msg=$(grep -n 'qid=' "$T/milter2.log" | tail -1 | cut -d: -f1)
ok_if "load: the reloads came while mail was flowing" \
	test "${first_msg:-0}" -lt "${first_hup:-0}" -a "${last_hup:-0}" -lt "${last_msg:-0}"
ok_if "load: no reload failed" sh -c "! grep -q 'reload failed' '$T/milter2.log'"
why="$(tail -n +"$mark" "$A/maillog" | grep -i milter | head -5)"
ok_if "load: maillog shows no milter trouble" \
	sh -c "! tail -n +$mark '$A/maillog' | grep -iE 'milter.*(warning|error|fatal|timeout|refused)|(warning|error|fatal).*milter'"

ok_if "SIGTERM after the load: clean exit" tl_stop_milter
tap_done
