-- stop/inflight.lua - run by stop.sh: a message is halfway through when
-- the filter gets SIGTERM; it must still be finished and triaged.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()
H.start(conn, { from = "<vip@cust.example>" })
local fields, body = H.parse_eml(WORK .. "/msgs/dispute.eml")
H.headers(conn, fields)
local f = assert(io.open(READY, "w"))
f:close()
mt.sleep(1.5) -- stop.sh sends SIGTERM meanwhile
H.body(conn, body)
assert(mt.eom(conn) == nil)
H.ok(mt.getreply(conn) == SMFIR_ACCEPT or mt.getreply(conn) == SMFIR_CONTINUE,
     "message in flight at SIGTERM: end of message answered")
H.check_added(conn, "dispute", "in flight at SIGTERM")
mt.disconnect(conn)
end)
