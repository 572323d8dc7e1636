# tests/milter/reload.sh - sourced by milter.test.sh with the filter
# running: -n, and SIGHUP with a broken, an insecure and a good rule set.

wait_log() { # PATTERN: up to 10 s for a new line matching it in $LOG
	python3 - "$LOG" "$1" <<'PY'
import re, sys, time
end = time.time() + 10
while time.time() < end:
    if re.search(sys.argv[2], open(sys.argv[1], errors="replace").read()):
        sys.exit(0)
    time.sleep(0.1)
sys.exit(1)
PY
}

run_reload_lua() { # prints nothing, returns miltertest's status
	miltertest -D "SOCKET=inet:$PORT@127.0.0.1" -D "WORK=$W" \
		-D "HELPER=$TOP/tests/milter/helper.lua" \
		-s "$TOP/tests/milter/reload/charged-back.lua" >"$T/reload.out" 2>&1
}

"$MILTER" -c "$CONF" -n >"$T/n.out" 2>&1
is "-n: exit status 0 for a good set" "$?" 0
ok_if "-n: one OK line naming the config, 3 rules, 3 flags" \
	grep -qx "OK: $CONF, 3 rules, 3 flags" "$T/n.out"

cat >"$T/patterns/en/zz-broken.yaml" <<'EOF2'
language: en
rules:
  - id: en.mt.broken
    signal: dispute.filed
    score: 4
    description: An unbalanced parenthesis.
    pattern: \b(charged
    match: ["charged"]
EOF2
"$MILTER" -c "$CONF" -n >"$T/n.out" 2>&1
is "-n: exit status 1 for a broken pattern" "$?" 1
ok_if "-n: the diagnostic names the file and line" \
	grep -q "zz-broken.yaml:7:" "$T/n.out"

kill -HUP "$MILTER_PID"
ok_if "SIGHUP with a broken pattern: reload refused, diagnostic logged" \
	wait_log 'zz-broken\.yaml:7:.*[\s\S]*reload failed'
ok_if "after the failed reload the filter still runs" kill -0 "$MILTER_PID"
run_reload_lua
is "after the failed reload the old rule set answers (no new rule)" "$?" 1
rm -f "$T/patterns/en/zz-broken.yaml"

chmod 0664 "$CONF"
"$MILTER" -c "$CONF" -n >"$T/n.out" 2>&1
is "-n: a group-writable config is refused" "$?" 1
kill -HUP "$MILTER_PID"
ok_if "SIGHUP with a group-writable config: refused and logged" \
	wait_log 'writable by group or others'
chmod 0644 "$CONF"

cat >"$T/patterns/en/charged.yaml" <<'EOF2'
language: en
rules:
  - id: en.mt.charged-back
    signal: dispute.filed
    score: 4
    description: The card company took the money back.
    pattern: \bcharged\s+back\b
    match: ["they charged back the payment"]
    no_match: ["I was charged twice"]
EOF2
kill -HUP "$MILTER_PID"
ok_if "SIGHUP with a good set: generation 2 with 4 rules" \
	wait_log 'reloaded .*generation 2, 4 rules'
run_reload_lua
is "after the reload the new rule fires in the milter" "$?" 0
