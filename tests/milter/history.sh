# tests/milter/history.sh - sourced by milter.test.sh: with
# ltv.record_history on, a flagged message is recorded once per
# Message-ID and shows up in the History header of the sender's next mail.
cp "$T/ltv.db" "$T/hist.db"
sed -e 's/record_history: false/record_history: true/' \
	-e "s|$T/ltv.db|$T/hist.db|" "$CONF" >"$T/hist.yaml"
chmod 0644 "$T/hist.yaml"
HPORT=$(tl_port)
is "history: nothing recorded before" \
	"$("$MILTER" -c "$T/hist.yaml" -t "$W/msgs/dispute.eml" | grep '^X-Triage-History')" \
	"X-Triage-History: none; days=365"
tl_start_milter "$T/hist.yaml" "$HPORT" "$T/hist.log"
for i in 1 2; do
	miltertest -D "SOCKET=inet:$HPORT@127.0.0.1" -D "WORK=$W" \
		-D "HELPER=$TOP/tests/milter/helper.lua" \
		-s "$TOP/tests/milter/reload/charged-back.lua" >"$T/hist.out" 2>&1
	is "history: flagged message $i triaged" "$?" 0
done
tl_stop_milter
is "history: recorded once per Message-ID, shown in the next verdict" \
	"$("$MILTER" -c "$T/hist.yaml" -t "$W/msgs/dispute.eml" | grep '^X-Triage-History')" \
	"X-Triage-History: chargeback=1; days=365"
