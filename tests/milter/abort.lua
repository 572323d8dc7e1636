-- abort.lua - a message aborted halfway leaves nothing behind: the next
-- message on the same connection is triaged on its own.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()

H.start(conn, { from = "<vip@cust.example>" })
local fields, body = H.parse_eml(WORK .. "/msgs/forged.eml")
H.headers(conn, fields)
H.body(conn, body:sub(1, 20))
H.ok(mt.abort(conn) == nil, "abort after part of the body")

local r = H.send_file(conn, WORK .. "/msgs/plain.eml")
H.ok(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "next message: eom accepted")
H.check_added(conn, "plain", "after abort")
H.ok(not mt.eom_check(conn, MT_HDRDELETE, "X-Triage-Tier"),
     "after abort: nothing of the aborted message is applied")

-- Abort right after MAIL FROM, then a whole message again.
H.start(conn, { from = "<vip@cust.example>" })
mt.abort(conn)
H.send_file(conn, WORK .. "/msgs/dispute.eml")
H.check_added(conn, "dispute", "after an early abort")
mt.disconnect(conn)
end)
