-- scope.lua - only mail for the support addresses is triaged; the rest
-- is accepted untouched as early as possible.  Also the negotiation.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()
local msg = WORK .. "/msgs/dispute.eml"

H.ok(mt.test_action(conn, SMFIF_ADDHDRS) and mt.test_action(conn, SMFIF_CHGHDRS),
     "negotiated: add and change headers")
H.ok(mt.test_action(conn, SMFIF_ADDRCPT) and mt.test_action(conn, SMFIF_DELRCPT),
     "negotiated: add and delete recipients")
H.ok(mt.test_option(conn, SMFIP_NOHELO) and mt.test_option(conn, SMFIP_NR_HDR) and
     mt.test_option(conn, SMFIP_NR_BODY),
     "negotiated: no HELO, no reply to headers and body chunks")
H.ok(mt.test_option(conn, SMFIP_NR_CONN) and mt.test_option(conn, SMFIP_NR_MAIL) and
     mt.test_option(conn, SMFIP_NR_RCPT),
     "negotiated: no reply to connect, MAIL FROM and RCPT TO")
H.ok(not mt.test_option(conn, SMFIP_NR_EOH),
     "negotiated: end of headers is answered (scope decision)")

local r = H.send_file(conn, msg, { rcpts = { "<sales@shop.example>" } })
H.ok(r == SMFIR_ACCEPT, "out of scope: accepted at end of headers",
     "reply " .. tostring(r))

r = H.send_file(conn, msg, { rcpts = { "<anyone@help.example>" } })
H.ok(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "@domain scope: eom reached")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Action", "dispute"),
     "@domain scope: triaged")

r = H.send_file(conn, msg, { rcpts = { "<SUPPORT@Shop.Example>" } })
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Flags", "chargeback"),
     "address scope ignores letter case")

r = H.send_file(conn, msg,
                { rcpts = { "<sales@shop.example>", "<support@shop.example>" } })
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Tier"),
     "one in-scope recipient among others: triaged")
H.ok(mt.eom_check(conn, MT_RCPTDELETE, "<support@shop.example>"),
     "route: the in-scope recipient is removed")
H.ok(not mt.eom_check(conn, MT_RCPTDELETE, "<sales@shop.example>"),
     "route: the out-of-scope recipient stays")
H.ok(mt.eom_check(conn, MT_RCPTADD, "<disputes@shop.example>"),
     "route: the dispute address is added")

mt.disconnect(conn)
end)
