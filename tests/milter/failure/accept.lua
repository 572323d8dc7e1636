-- failure/accept.lua - on_error accept: a failed verdict lets the mail
-- through without any triage header: ours are not added and forged ones
-- are still deleted.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()
local r = H.send_file(conn, WORK .. "/msgs/forged.eml")
H.ok(r == SMFIR_ACCEPT, "on_error accept: the message is accepted",
     "reply " .. tostring(r))
H.ok(not mt.eom_check(conn, MT_HDRADD), "on_error accept: no header added")
H.ok(mt.eom_check(conn, MT_HDRDELETE, "X-Triage-Tier") and
     mt.eom_check(conn, MT_HDRDELETE, "X-TRIAGE-FLAGS"),
     "on_error accept: forged headers still deleted")
mt.disconnect(conn)
end)
