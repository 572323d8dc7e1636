-- failure/tempfail.lua - on_error tempfail: a failed verdict defers the
-- mail, nothing is changed.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()
local r = H.send_file(conn, WORK .. "/msgs/forged.eml")
H.ok(r == SMFIR_TEMPFAIL, "on_error tempfail: the message is deferred",
     "reply " .. tostring(r))
H.ok(not mt.eom_check(conn, MT_HDRADD), "on_error tempfail: no header added")
mt.disconnect(conn)
end)
