# tests/milter/privileges.sh - sourced by milter.test.sh: started as root
# with -u nobody on a unix socket, the filter chmods and chowns the
# socket, then runs with every id of nobody and no way back to root.
SOCK="$T/sock/triage.sock"
mkdir -p "$T/sock"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
tl_spawn "$MILTER" -f -c "$CONF" -u nobody -p "unix:$SOCK" 2>"$T/priv.log"
MILTER_PID=$(cat "$T/.last_pid")
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
sleep 0.3
ok_if "unix socket created" test -S "$SOCK"
is "socket owner and mode (socket_mode 0660, -u nobody)" \
	"$(stat -c '%U %a' "$SOCK" 2>&1)" "nobody 660"
is "real, effective, saved and fs uid are nobody's" \
	"$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$MILTER_PID/status" 2>&1)" \
	"$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID"
is "gids are nobody's" \
	"$(awk '/^Gid:/ {print $2, $3, $4, $5}' "/proc/$MILTER_PID/status" 2>&1)" \
	"$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID"
is "supplementary groups: only nobody's group" \
	"$(awk '/^Groups:/ {print $2}' "/proc/$MILTER_PID/status" 2>&1)" \
	"$NOBODY_GID"
miltertest -D "SOCKET=unix:$SOCK" -D "WORK=$W" \
	-D "HELPER=$TOP/tests/milter/helper.lua" \
	-s "$TOP/tests/milter/reload/charged-back.lua" >"$T/priv.out" 2>&1
is "as nobody it still reads the rules and the database and answers" "$?" 0
kill -TERM "$MILTER_PID"
wait "$MILTER_PID"
is "as nobody: clean stop on SIGTERM" "$?" 0
MILTER_PID=""
