-- stop/new.lua - run by stop.sh while the filter is stopping: a message
-- that starts now is not inspected; on_error accept lets it through.
-- MAIL FROM is negotiated without a reply, so the answer comes at the
-- end of the headers.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()
local r = H.start(conn, { from = "<vip@cust.example>" })
if r == nil then
	r = H.headers(conn, { { name = "Subject", value = "late" } })
end
H.ok(r == SMFIR_ACCEPT, "a message started while stopping: accepted untouched",
     "reply " .. tostring(r))
mt.disconnect(conn)
end)
