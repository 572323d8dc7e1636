-- tests/milter/helper.lua - shared boilerplate of the miltertest scripts.
--
-- Loaded by every tests/milter/*.lua with dofile(HELPER).  Globals given
-- by milter.test.sh through miltertest -D: SOCKET (the running filter),
-- WORK (fixtures and the expected headers from `triage-milter -t`).
-- Prints TAP lines; the runner renumbers them across scripts.
local H = { n = 0, failed = 0 }

function H.ok(cond, desc, diag)
	H.n = H.n + 1
	if cond then
		print("ok " .. H.n .. " - " .. desc)
	else
		H.failed = H.failed + 1
		print("not ok " .. H.n .. " - " .. desc)
		if diag then
			print("# " .. tostring(diag):gsub("\n", "\n# "))
		end
	end
	return cond
end

-- Reads a whole file; fails the script when it is missing.
function H.slurp(path)
	local f = assert(io.open(path, "rb"))
	local s = f:read("*a")
	f:close()
	return s
end

-- Splits a message file into header fields ({name, value}, folding kept
-- as "\n" + whitespace, as the MTA hands them over) and the body.
function H.parse_eml(path)
	local text = H.slurp(path)
	local head, body = text:match("^(.-)\n\n(.*)$")
	if head == nil then
		head, body = text, ""
	end
	local fields = {}
	for line in (head .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			local f = fields[#fields]
			f.value = f.value .. "\n" .. line
		else
			local name, value = line:match("^([^:]+):%s?(.*)$")
			if name then
				fields[#fields + 1] = { name = name, value = value }
			end
		end
	end
	return fields, body
end

-- The headers `triage-milter -t` printed for a fixture, in order.
function H.expected(name)
	local fields = {}
	for line in H.slurp(WORK .. "/expected/" .. name):gmatch("(.-)\n") do
		if line:match("^\t") then
			local f = fields[#fields]
			f.value = f.value .. "\n" .. line
		else
			local n, v = line:match("^([^:]+): (.*)$")
			fields[#fields + 1] = { name = n, value = v }
		end
	end
	return fields
end

function H.connect()
	local conn = mt.connect(SOCKET, 40, 0.25)
	assert(conn ~= nil, "cannot connect to " .. SOCKET)
	assert(mt.conninfo(conn, "client.example", "192.0.2.10") == nil)
	return conn
end

-- One transaction up to the end of the headers.  opts: from, rcpts (a
-- list), auth (an {auth_authen} value), qid.  Returns the reply after
-- MAIL FROM if that already ended the message, else the reply to EOH.
function H.start(conn, opts)
	if opts.auth then
		mt.macro(conn, SMFIC_MAIL, "i", opts.qid or "QID0",
		         "{auth_authen}", opts.auth)
	else
		mt.macro(conn, SMFIC_MAIL, "i", opts.qid or "QID0")
	end
	assert(mt.mailfrom(conn, opts.from or "<sender@cust.example>") == nil)
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		return mt.getreply(conn)
	end
	for _, r in ipairs(opts.rcpts or { "<support@shop.example>" }) do
		assert(mt.rcptto(conn, r) == nil)
	end
	return nil
end

function H.headers(conn, fields)
	for _, f in ipairs(fields) do
		assert(mt.header(conn, f.name, f.value) == nil)
	end
	assert(mt.eoh(conn) == nil)
	return mt.getreply(conn)
end

-- The body as the MTA sends it: CRLF line ends, in 64 KiB chunks.
function H.body(conn, body)
	local crlf = body:gsub("\r?\n", "\r\n")
	local i = 1
	while i <= #crlf do
		assert(mt.bodystring(conn, crlf:sub(i, i + 65535 - 1)) == nil)
		i = i + 65535
	end
end

-- A whole message file; returns the reply to EOM (or the earlier one
-- that ended the message).
function H.send_file(conn, path, opts)
	local r = H.start(conn, opts or {})
	if r ~= nil then
		return r
	end
	local fields, body = H.parse_eml(path)
	r = H.headers(conn, fields)
	if r ~= SMFIR_CONTINUE then
		return r
	end
	H.body(conn, body)
	assert(mt.eom(conn) == nil)
	return mt.getreply(conn)
end

-- Checks that every header `-t` printed for name was added with the very
-- same value; the Subject line of -t is the subject change.
function H.check_added(conn, name, label)
	for _, f in ipairs(H.expected(name)) do
		if f.name == "Subject" then
			H.ok(mt.eom_check(conn, MT_HDRCHANGE, "Subject", f.value),
			     label .. ": Subject changed to the -t value", f.value)
		else
			H.ok(mt.eom_check(conn, MT_HDRADD, f.name, f.value),
			     label .. ": " .. f.name .. " as -t prints it",
			     f.value)
		end
	end
end

-- Runs a script's body; a Lua error (miltertest prints none) becomes a
-- failed test with its message.  Exits non-zero after any failure.
function H.main(fn)
	local ok, err = pcall(fn)
	if not ok then
		H.ok(false, "script ran to the end", err)
	end
	if H.failed > 0 then
		os.exit(1)
	end
end

return H
