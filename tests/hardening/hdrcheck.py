#!/usr/bin/env python3
"""tests/hardening/hdrcheck.py DUMP

Reads milterload --dump output; every header the filter adds or inserts
(addheader/insheader) must be printable ASCII (0x20-0x7e) with only
"\\n\\t" folding, and every line of the dump must be a known record or a
"\\t" continuation (an injected line break would show as a stray line).
Exits 1 naming the offending record.
"""
import re
import sys

data = open(sys.argv[1], "rb").read()
bad = []
ops = (b"addheader ", b"insheader ", b"chgheader ", b"delheader ",
       b"addrcpt ", b"delrcpt ", b"chgfrom ", b"replbody", b"result ",
       b"# ", b"modification ")
prev = None
for raw in data.split(b"\n"):
    if raw == b"":
        continue
    if raw.startswith(b"\t"):
        if prev is None:
            bad.append("continuation without a record: %r" % raw)
        elif prev.startswith((b"addheader ", b"insheader ")) and \
                not re.fullmatch(rb"\t[\x20-\x7e]+", raw):
            bad.append("non-ASCII or control in a folded line: %r" % raw)
        continue
    if not raw.startswith(ops):
        bad.append("stray line (a line break got into a value?): %r" % raw)
        prev = None
        continue
    prev = raw
    if raw.startswith((b"addheader ", b"insheader ")):
        if not re.fullmatch(rb"(addheader|insheader) X-Triage-[A-Za-z-]+(\[[0-9]+\])?: [\x20-\x7e]*", raw):
            bad.append("added header not printable ASCII: %r" % raw)
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
