#!/bin/sh
# tests/valgrind/valgrind.test.sh - the milter under valgrind memcheck.
#
# triage-milter -f runs under valgrind --leak-check=full
# --error-exitcode=99 with the small rule set of tests/milter/fixtures
# (the 400 shipped rules take minutes to load under valgrind; the code
# paths are the same) and a database with history on; milterload replays tests/corpus/msgs (200 messages at 4
# connections), then SIGHUP (a reload frees the old generation) and 8
# more messages, then SIGTERM.  Asserts: every message answered, exit
# status 0 (not 99), "ERROR SUMMARY: 0 errors", "definitely lost: 0"
# (or no leaks at all).  Under ASan the binary cannot run under
# valgrind: the plain build next to it ($TOP/build) is used instead.
set -u
. "$TOP/tests/lib/tap.sh"
. "$TOP/tests/lib/env.sh"
tl_init valgrind
. "$TOP/tests/hardening/lib.sh"

if hz_slow; then
	# ASan and valgrind do not mix: check the plain build
	[ -x "$TOP/build/triage-milter" ] ||
		make -s -C "$TOP" BUILD=build all >"$T/build.log" 2>&1
	MILTER="$TOP/build/triage-milter"
	TRIAGECTL="$TOP/build/triagectl"
	LOAD="$TOP/build/bench/milterload"
fi
ok_if "valgrind is installed" command -v valgrind
ok_if "milterload is built" hz_tools
hz_db "$T/ltv.db"
CONF="$T/c.yaml"
HZ_HISTORY=true
cp -R "$TOP/tests/milter/fixtures/patterns" "$T/patterns"
hz_config "$CONF" "$T/ltv.db"
printf 'patterns:\n  directory: "%s"\n  languages: [en]\n  cache_dir: ""\n' \
	"$T/patterns" >"$T/pat.yaml"
sed -i '/^patterns:/,/^  cache_dir:/d' "$CONF"
cat "$T/pat.yaml" >>"$CONF"
"$MILTER" -c "$CONF" -n >"$T/warm.out" 2>&1
is "the config and rules check out (-n)" "$?" 0
PORT=$(tl_port)
LOG="$T/milter.log"
VLOG="$T/valgrind.log"
tl_spawn valgrind --leak-check=full --errors-for-leak-kinds=definite \
	--suppressions="$TOP/tests/valgrind/glibc.supp" \
	--error-exitcode=99 --log-file="$VLOG" --num-callers=30 \
	"$MILTER" -f -c "$CONF" -p "inet:$PORT@127.0.0.1" 2>"$LOG"
MILTER_PID=$(cat "$T/.last_pid")
ok_if "the milter starts under valgrind" tl_wait_port "$PORT" 300
"$LOAD" -s "inet:$PORT@127.0.0.1" -c 4 -n 200 \
	"$TOP"/tests/corpus/msgs/*.eml >"$T/load.out" 2>&1
note "figure: valgrind $(tail -1 "$T/load.out" | sed 's/^# //')"
ok_if "200 messages answered under valgrind (errors=0, modified=200)" \
	eval "grep -q ' errors=0 accepted=200 modified=200' '$T/load.out'"
python3 "$TOP/tests/hardening/gen_hostile.py" "$T/h" >/dev/null 2>&1
for f in nest-1000 bad-charsets broken-b64-qp unterminated-multipart binary-as-text nul-bytes; do
	hz_send "$PORT" "$T/h/$f.eml" "$T/$f.out"
done
ok_if "six hostile messages answered under valgrind" \
	test "$(cat "$T"/nest-1000.out "$T"/bad-charsets.out "$T"/broken-b64-qp.out \
		"$T"/unterminated-multipart.out "$T"/binary-as-text.out "$T"/nul-bytes.out |
		grep -c '^result accept')" -eq 6
kill -HUP "$MILTER_PID"
ok_if "SIGHUP reload under valgrind" hz_wait_log "$LOG" "generation 2" 300
"$LOAD" -s "inet:$PORT@127.0.0.1" -c 2 -n 8 \
	"$TOP"/tests/corpus/msgs/*.eml >"$T/load2.out" 2>&1
ok_if "8 more messages after the reload" grep -q ' errors=0 ' "$T/load2.out"
kill -TERM "$MILTER_PID"
wait "$MILTER_PID"
rc=$?
MILTER_PID=""
is "exit status under valgrind (99 = errors or definite leaks)" "$rc" 0
errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$VLOG" | tail -1)
lost=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$VLOG" | tail -1)
indirect=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' "$VLOG" | tail -1)
note "figure: valgrind ERROR SUMMARY ${errs:-?}; definitely lost ${lost:-0}; indirectly lost ${indirect:-0}"
is "ERROR SUMMARY: 0 errors" "$errs" 0
ok_if "definitely lost: 0 bytes" \
	eval "[ '${lost:-0}' = 0 ] || grep -q 'All heap blocks were freed' '$VLOG'"
ok_if "indirectly lost: 0 bytes" test "${indirect:-0}" = 0
if [ "${errs:-1}" != 0 ] || [ "${lost:-0}" != 0 ]; then
	grep -E 'Invalid|uninitialised|definitely lost in|^==[0-9]+==    (at|by)' "$VLOG" |
		head -40 | while IFS= read -r l; do note "$l"; done
fi
tap_done
