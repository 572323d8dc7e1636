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

-- As many distinct X-Triage-* names as the filter can track: all deleted.
local function many(n)
	local fields = {
		{ name = "From", value = "small@cust.example" },
		{ name = "Subject", value = "many" },
	}
	for i = 1, n do
		fields[#fields + 1] = { name = "X-Triage-F" .. i, value = "vip" }
	end
	fields[#fields + 1] = { name = "X-Triage-Tier", value = "vip" }
	return fields
end
H.start(conn, {})
r = H.headers(conn, many(999))
H.ok(r == SMFIR_CONTINUE, "1000 distinct forged names: accepted for triage")
H.body(conn, "hello\n")
assert(mt.eom(conn) == nil)
H.ok(mt.eom_check(conn, MT_HDRDELETE, "X-Triage-F1") and
     mt.eom_check(conn, MT_HDRDELETE, "X-Triage-F999") and
     mt.eom_check(conn, MT_HDRDELETE, "X-Triage-Tier"),
     "1000 distinct forged names: first, last and Tier deleted")

-- One more than it can track: it could not delete them all, so the
-- message is refused rather than passed with a forged header.
H.start(conn, {})
r = H.headers(conn, many(1000))
H.ok(r == SMFIR_REPLYCODE, "1001 distinct forged names: refused at end of headers",
     "reply " .. tostring(r))
r = H.send_file(conn, WORK .. "/msgs/forged.eml")
H.check_added(conn, "forged", "after a refused message")
mt.disconnect(conn)
end)
