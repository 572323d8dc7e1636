#!/bin/sh
# tests/hardening/load.test.sh - 20,000 messages over 32 connections
# with SIGHUP reloads every 2 s: every message gets a verdict, and
# memory, descriptors and threads come back to where they were.
#
# The corpus (tests/corpus/msgs, 192 messages in seven languages) is
# replayed by milterload against triage-milter -f with the shipped
# patterns.  Under ASan (SAN=1 or BUILD ending in build-asan) 5,000
# messages.  Prints "# figure:" lines for docs/RELIABILITY.md.
set -u
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/env.sh"
tl_init load
. "$TOP/tests/hardening/lib.sh"

N=20000 CONC=32 MAX_GROWTH_KB=65536
if hz_slow; then
	N=5000 MAX_GROWTH_KB=262144
fi
ok_if "milterload is built" hz_tools
hz_db "$T/ltv.db"
CONF="$T/c.yaml"
HZ_HISTORY=true
hz_config "$CONF" "$T/ltv.db"
PORT=$(tl_port)
LOG="$T/milter.log"
T0=$(date +%s)
ok_if "the milter starts" hz_start "$CONF" "$PORT" "$LOG"

# Warm up: every message once at full concurrency, then one reload, so
# the figures below compare steady states.
"$LOAD" -s "inet:$PORT@127.0.0.1" -c "$CONC" -n 1000 -q \
	"$TOP"/tests/corpus/msgs/*.eml >"$T/warm.out" 2>&1
ok_if "warm-up: 1000 messages without error" grep -q ' errors=0 ' "$T/warm.out"
kill -HUP "$MILTER_PID"
hz_wait_log "$LOG" "generation 2" 60
# the baseline: a new generation that has seen one connection
"$LOAD" -s "inet:$PORT@127.0.0.1" -c 1 -n 2 -q "$HZ_GOOD" >/dev/null 2>&1
sleep 1
note "time: warm at $(( $(date +%s) - T0 )) s"
RSS0=$(hz_proc "$MILTER_PID" VmRSS)
FD0=$(hz_fds "$MILTER_PID")
TH0=$(hz_proc "$MILTER_PID" Threads)
GEN0=$(grep -c 'reloaded' "$LOG")

( while kill -0 "$MILTER_PID" 2>/dev/null; do
	sleep 2
	[ -f "$T/stop-hup" ] && break
	kill -HUP "$MILTER_PID" 2>/dev/null
	echo x >>"$T/hups"
done ) &
HUPPER=$!
start=$(date +%s)
"$LOAD" -s "inet:$PORT@127.0.0.1" -c "$CONC" -n "$N" \
	"$TOP"/tests/corpus/msgs/*.eml >"$T/load.out" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))
touch "$T/stop-hup"
wait "$HUPPER"
HUPS=$(wc -l <"$T/hups" 2>/dev/null || echo 0)
sleep 3
tail -1 "$T/load.out" | sed 's/^# //' >"$T/load.sum"
note "figure: load $(cat "$T/load.sum") hups=$HUPS"
get() { tr ' ' '\n' <"$T/load.sum" | sed -n "s/^$1=//p"; }
is "milterload exit status" "$rc" 0
is "every message answered: msgs=$N" "$(get msgs)" "$N"
is "no protocol error: errors=0" "$(get errors)" 0
is "every message accepted and modified (headers added)" "$(get modified)" "$N"
ok_if "SIGHUP sent every 2 s during the run ($HUPS)" test "$HUPS" -ge 2
reloaded=$(( $(grep -c 'reloaded' "$LOG") - GEN0 ))
ok_if "reloads took effect during the run ($reloaded)" test "$reloaded" -ge 1
ok_if "no reload failed" eval "! grep -q 'reload failed' '$LOG'"
grep -B3 'reload failed' "$LOG" | grep -v ' qid=' | head -5 | while IFS= read -r l; do note "$l"; done
ok_if "one log line per message" \
	test "$(grep -c ' qid=' "$LOG")" -ge "$((N + 1000))"
RSS1=$(hz_proc "$MILTER_PID" VmRSS)
FD1=$(hz_fds "$MILTER_PID")
TH1=$(hz_proc "$MILTER_PID" Threads)
HWM=$(hz_proc "$MILTER_PID" VmHWM)
note "figure: RSS before $RSS0 kB, after $RSS1 kB, peak $HWM kB; fds $FD0 -> $FD1; threads $TH0 -> $TH1; ${secs}s"
ok_if "RSS growth $((RSS1 - RSS0)) kB below $MAX_GROWTH_KB kB" \
	test "$((RSS1 - RSS0))" -le "$MAX_GROWTH_KB"
# SQLite keeps the descriptor of a closed connection open while another
# connection of the process holds a lock on the file (WAL: always) and
# reuses it: descriptors follow the peak number of libmilter threads
# (connections overlap while they churn), not the message count; a new
# generation (SIGHUP) closes the old database handle and all of them.
ok_if "descriptors bounded by the concurrency ($FD0 -> $FD1, bound $((FD0 + 2 * CONC + 8)))" \
	test "$FD1" -le "$((FD0 + 2 * CONC + 8))"
for pass in 1 2; do
	"$LOAD" -s "inet:$PORT@127.0.0.1" -c "$CONC" -n 1000 -q \
		"$TOP"/tests/corpus/msgs/*.eml >"$T/pass$pass.out" 2>&1
	sleep 1
	eval "FDP$pass=\$(hz_fds \"\$MILTER_PID\")"
done
ok_if "after 2000 more messages still within the bound ($FDP1, $FDP2)" \
	test "$FDP2" -le "$((FD0 + 2 * CONC + 8))"
nrel=$(grep -c 'reloaded' "$LOG")
kill -HUP "$MILTER_PID"
i=0
while [ "$(grep -c 'reloaded' "$LOG")" -le "$nrel" ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
"$LOAD" -s "inet:$PORT@127.0.0.1" -c 1 -n 2 -q \
	"$HZ_GOOD" >/dev/null 2>&1
sleep 1
FD2=$(hz_fds "$MILTER_PID")
note "figure: fds after two more passes of 1000: $FDP1, $FDP2; after a reload and one message: $FD2"
ok_if "no descriptor leak: after a reload the count is back to $FD0 ($FD2)" \
	test "$FD2" -le "$((FD0 + 2))"
is "no thread leak (threads before = after)" "$TH1" "$TH0"
note "time: stop at $(( $(date +%s) - T0 )) s"
tl_stop_milter
note "time: stopped at $(( $(date +%s) - T0 )) s"
is "SIGTERM after the load: clean exit" "$?" 0
tap_done
