-- reload/charged-back.lua - run by reload.sh before and after a reload
-- that adds the rule en.mt.charged-back: passes only when the running
-- filter has it.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()
H.start(conn, { from = "<vip@cust.example>" })
H.headers(conn, {
	{ name = "From", value = "vip@cust.example" },
	{ name = "Subject", value = "card" },
	{ name = "Message-ID", value = "<reload@cust.example>" },
})
H.body(conn, "My card company charged back the payment.\n")
assert(mt.eom(conn) == nil)
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Rules", "en.mt.charged-back"),
     "the new rule fired")
mt.disconnect(conn)
end)
