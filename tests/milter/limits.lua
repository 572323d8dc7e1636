-- limits.lua - a body larger than limits.body_bytes is inspected up to
-- the limit and the verdict says so; authenticated senders are skipped.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()

local r = H.send_file(conn, WORK .. "/msgs/big.eml")
H.ok(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "big: eom accepted")
H.check_added(conn, "big", "big")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Status", "partial; truncated"),
     "big: Status partial; truncated")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Flags", "chargeback"),
     "big: text before the limit still classified")

r = H.send_file(conn, WORK .. "/msgs/dispute.eml", { auth = "agent" })
H.ok(r == SMFIR_ACCEPT,
     "authenticated sender: accepted (at end of headers: MAIL FROM has no reply)",
     "reply " .. tostring(r))

r = H.send_file(conn, WORK .. "/msgs/dispute.eml")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Action", "dispute"),
     "the next, unauthenticated message is triaged")
mt.disconnect(conn)
end)
