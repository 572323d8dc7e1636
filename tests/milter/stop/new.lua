-- stop/new.lua - run by stop.sh while the filter is stopping: a message
-- that starts now is not inspected; on_error accept lets it through.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()
local r = H.start(conn, { from = "<vip@cust.example>" })
H.ok(r == SMFIR_ACCEPT, "a message started while stopping: accepted at MAIL FROM",
     "reply " .. tostring(r))
mt.disconnect(conn)
end)
