-- headers.lua - the headers added are exactly what `triage-milter -t`
-- prints for the same message; subject tag once; no text still gets
-- headers.
local H = dofile(HELPER)
H.main(function()
local conn = H.connect()

local r = H.send_file(conn, WORK .. "/msgs/dispute.eml",
                      { qid = "QIDDISPUTE", from = "<vip@cust.example>" })
H.ok(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "dispute: eom accepted")
H.check_added(conn, "dispute", "dispute")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Version", "triage-milter 0.1.0 on\n\t" ..
     "a-very-long-host-name-used-to-make-the-version-header-fold.mx.test.example"),
     "dispute: a long value is folded with newline + tab")
H.ok(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[DISPUTE] Order problem"),
     "dispute: the subject tag is put in front once")

r = H.send_file(conn, WORK .. "/msgs/tagged.eml")
H.ok(r == SMFIR_ACCEPT or r == SMFIR_CONTINUE, "tagged: eom accepted")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Action", "dispute"),
     "tagged: still a dispute")
H.ok(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"),
     "tagged: a subject that already has the tag is left alone")

r = H.send_file(conn, WORK .. "/msgs/plain.eml")
H.check_added(conn, "plain", "plain")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Flags", "none"),
     "plain: Flags none")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Tier", "new"),
     "plain: unknown sender is tier new")
H.ok(not mt.eom_check(conn, MT_HDRCHANGE, "Subject"),
     "plain: subject untouched")
H.ok(not mt.eom_check(conn, MT_RCPTDELETE, "<support@shop.example>") and
     not mt.eom_check(conn, MT_RCPTADD, "<disputes@shop.example>"),
     "plain: recipients untouched")

r = H.send_file(conn, WORK .. "/msgs/notext.eml")
H.check_added(conn, "notext", "notext")
H.ok(mt.eom_check(conn, MT_HDRADD, "X-Triage-Action", "normal"),
     "notext: a mail without text still gets Action normal")

mt.disconnect(conn)
end)
