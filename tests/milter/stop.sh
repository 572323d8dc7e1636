# tests/milter/stop.sh - sourced by milter.test.sh: SIGTERM while a
# message is in flight; the filter stops taking connections but finishes
# that message, then exits 0.
SPORT=$(tl_port)
tl_start_milter "$CONF" "$SPORT" "$T/stop.log"
rm -f "$T/ready"
miltertest -D "SOCKET=inet:$SPORT@127.0.0.1" -D "WORK=$W" -D "READY=$T/ready" \
	-D "HELPER=$TOP/tests/milter/helper.lua" \
	-s "$TOP/tests/milter/stop/inflight.lua" >"$T/stop.out" 2>&1 &
mt_pid=$!
i=0
while [ ! -e "$T/ready" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM "$MILTER_PID"
sleep 0.2
miltertest -D "SOCKET=inet:$SPORT@127.0.0.1" -D "WORK=$W" \
	-D "HELPER=$TOP/tests/milter/helper.lua" \
	-s "$TOP/tests/milter/stop/new.lua" >"$T/stop-new.out" 2>&1
nrc=$?
wait "$mt_pid"
src=$?
cat "$T/stop-new.out" >>"$T/stop.out"
while IFS= read -r line; do
	case "$line" in
	"ok "*) _tap_line 0 "stop: ${line#ok * - }" ;;
	"not ok "*) _tap_line 1 "stop: ${line#not ok * - }" ;;
	*) note "stop: $line" ;;
	esac
done <"$T/stop.out"
is "stop: miltertest exit status (message in flight)" "$src" 0
is "stop: miltertest exit status (message started while stopping)" "$nrc" 0
wait "$MILTER_PID"
is "stop: exit status 0 after finishing the message" "$?" 0
MILTER_PID=""
ok_if "stop: logged the stop and the refused start" \
	grep -q 'stopping: new message not inspected' "$T/stop.log"
