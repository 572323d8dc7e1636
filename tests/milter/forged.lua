-- forged.lua - X-Triage-* headers that arrive with the mail are deleted,
-- in any letter case and every instance, and ours are added.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()

local r = H.send_file(conn, WORK .. "/msgs/forged.eml",
                      { from = "<small@cust.example>" })
H.ok(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "forged: eom accepted")
for _, name in ipairs({ "X-Triage-Tier", "X-Triage-Action", "X-TRIAGE-FLAGS" }) do
	H.ok(mt.eom_check(conn, MT_HDRDELETE, name), "forged " .. name .. " deleted")
end
H.check_added(conn, "forged", "forged")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Tier", "standard"),
     "a forged vip tier buys nothing: tier standard")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Action", "standard"),
     "and no accommodation: action standard")

-- A clean mail on the same connection deletes nothing.
r = H.send_file(conn, WORK .. "/msgs/plain.eml")
H.ok(not mt.eom_check(conn, MT_HDRDELETE, "X-Triage-Tier"),
     "no forged header, nothing deleted")
mt.disconnect(conn)
end)
