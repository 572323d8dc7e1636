#!/usr/bin/env python3
"""tests/hardening/gen_hostile.py OUTDIR [SCALE]

Writes hostile messages OUTDIR/<case>.eml at test time (nothing large is
committed).  SCALE (default 1) divides nothing that defines a case: every
case keeps the size the issue names; SCALE only exists for callers that
want smaller variants of the regex-hostile runs.  Prints one line per
case: NAME BYTES EXPECT, where EXPECT is "truncated" when a default limit
(limits.h) must be hit and "any" otherwise.
"""
import base64
import os
import sys
import zlib
import struct

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
cases = []

HDR = ("From: Hostile Sender <hostile@cust.example>\n"
       "To: support@shop.example\n"
       "Message-ID: <{name}@hostile.example>\n"
       "Date: Mon, 23 Nov 2026 10:00:00 +0000\n"
       "Subject: {subject}\n"
       "MIME-Version: 1.0\n")


def write(name, data, expect, subject=None):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    path = os.path.join(out, name + ".eml")
    with open(path, "wb") as f:
        f.write(data)
    cases.append((name, len(data), expect))


def head(name, ctype, subject=None, extra=""):
    return (HDR.format(name=name, subject=subject or ("hostile " + name))
            + extra + "Content-Type: " + ctype + "\n")


# 1. 10,000 MIME parts (limit: 200 parts)
b = "p10k"
parts = ["--%s\nContent-Type: text/plain; charset=us-ascii\n\n"
         "part %d: I filed a chargeback.\n" % (b, i) for i in range(10000)]
write("parts-10000",
      head("parts-10000", 'multipart/mixed; boundary="%s"' % b) + "\n"
      + "".join(parts) + "--%s--\n" % b, "truncated")

# 2. nesting 1,000 deep (limit: depth 20)
body = "innermost text: I filed a chargeback.\n"
for d in range(1000, 0, -1):
    bd = "n%d" % d
    body = ("--%s\nContent-Type: multipart/mixed; boundary=\"n%d\"\n\n%s"
            "--%s--\n" % (bd, d + 1, body, bd)) if d < 1000 else \
        ("--%s\nContent-Type: text/plain\n\n%s--%s--\n" % (bd, body, bd))
write("nest-1000",
      head("nest-1000", 'multipart/mixed; boundary="n1"') + "\n" + body,
      "truncated")

# 3. a 50 MB body (limit: 2 MiB kept)
line = "I have been waiting for my parcel for weeks and nothing came.\n"
n = 50 * 1024 * 1024 // len(line) + 1
write("body-50mb",
      head("body-50mb", "text/plain; charset=us-ascii") + "\n"
      + "We filed a chargeback already.\n" + line * n, "truncated")

# 4. a 1 MB single line (limit: 512 KiB of text)
write("line-1mb",
      head("line-1mb", "text/plain; charset=us-ascii") + "\n"
      + ("word " * (1024 * 1024 // 5)) + "\n", "truncated")

# 5. a 64 KB header field (the largest that fits one milter packet;
#    hostile.test.sh sends a 70 KB one separately)
write("header-64k",
      head("header-64k", "text/plain", subject="S" * (65536 - 20))
      + "\nI filed a chargeback.\n", "any")

# 6. NUL bytes in the body and in an encoded word
write("nul-bytes",
      head("nul-bytes", "text/plain; charset=utf-8",
           subject="=?utf-8?B?%s?=" % base64.b64encode(b"a\0b").decode())
      + "\nI filed\0 a charge\0back.\0\0\0\n" + "\0" * 4096 + "\n", "any")

# 7. invalid UTF-8 / broken bytes in several charsets
b = "cs"
bad = [
    ("utf-8", b"caf\xc3 \xff\xfe \xed\xa0\x80 \xf4\x90\x80\x80 over\xc0\xaf"),
    ("iso-2022-jp", b"\x1b$B\x30\x21\x1b(B \x1b$B\x30 unterminated"),
    ("shift_jis", b"\x82\xa0\x82 \x81"),
    ("euc-kr", b"\xb0\xa1\xb0 \xff\xff"),
    ("koi8-r", bytes(range(128, 256))),
    ("utf-16", b"\xff\xfea\x00b"),
    ("utf-7", b"+AGEAYgBj- +ZZZ- +"),
    ("gb18030", b"\x81\x30\x81 \x84"),
    ("big5", b"\xa4\x40\xa4"),
    ("windows-1251", bytes(range(128, 256))),
]
body = b""
for cs, data in bad:
    body += (b"--cs\nContent-Type: text/plain; charset=" + cs.encode()
             + b"\nContent-Transfer-Encoding: 8bit\n\n" + data + b"\n")
body += b"--cs--\n"
write("bad-charsets",
      head("bad-charsets", 'multipart/mixed; boundary="cs"',
           subject="=?utf-8?B?w/8=?= =?iso-2022-jp?B?GyRC?= =?x-none?Q?a=FF?=")
      .encode() + b"\n" + body, "any")

# 8. unknown and empty charsets
body = ""
for cs in ("x-unknown-9999", "", '""', "'", "utf-8'en'", "a" * 300, "=?"):
    body += ("--uc\nContent-Type: text/plain; charset=%s\n\n"
             "I filed a chargeback (caf\xe9).\n" % cs)
body += "--uc--\n"
write("unknown-charsets",
      head("unknown-charsets", 'multipart/mixed; boundary="uc"').encode()
      + b"\n" + body.encode("latin-1"), "any")

# 9. broken base64 and quoted-printable
body = ("--bq\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
        "SSBmaWxlZCBh!!!@@@Y2hhcmdl*YmFjaw=\n=\n====\nA\n"
        "--bq\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
        + "Q" * 70001 + "\n"
        "--bq\nContent-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\n"
        "I filed a =ZZcharge=\nback =\n=3 =4=\n==\n" + "=" * 5000 + "\n=C3=\n"
        "--bq\nContent-Type: text/plain\nContent-Transfer-Encoding: x-uuencode\n\n"
        "begin 644 x\nM))))\nend\n"
        "--bq\nContent-Type: text/plain\nContent-Transfer-Encoding: bogus-7\n\n"
        "hello\n--bq--\n")
write("broken-b64-qp",
      head("broken-b64-qp", 'multipart/mixed; boundary="bq"') + "\n" + body,
      "any")

# 10. an unterminated multipart (no closing boundary, inner part cut)
write("unterminated-multipart",
      head("unterminated-multipart", 'multipart/mixed; boundary="ut"')
      + "\n--ut\nContent-Type: text/plain\n\nI filed a chargeback.\n"
      "--ut\nContent-Type: multipart/alternative; boundary=\"in\"\n\n"
      "--in\nContent-Type: text/html\n\n<p>still open <b>bold", "any")

# 11. HTML nested 100,000 deep
write("html-deep-100k",
      head("html-deep-100k", "text/html; charset=utf-8") + "\n"
      + "<html><body>" + "<div>" * 100000
      + "I filed a chargeback." + "</div>" * 100000 + "</body></html>\n",
      "any")


# 12. a zip and a PNG labelled text/plain
def png():
    raw = b"".join(b"\0" + bytes((x * y) & 255 for x in range(256))
                   for y in range(256))
    def chunk(t, d):
        return (struct.pack(">I", len(d)) + t + d
                + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def zipfile_bytes():
    import io
    import zipfile
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.txt", os.urandom(20000))
        z.writestr("b.bin", bytes(range(256)) * 200)
    return bio.getvalue()


body = (b"--bin\nContent-Type: text/plain; charset=utf-8\n"
        b"Content-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(png())
        + b"--bin\nContent-Type: text/plain\nContent-Transfer-Encoding: binary\n\n"
        + zipfile_bytes() + b"\n"
        + b"--bin\nContent-Type: text/plain; charset=utf-8\n\n"
        + png() + b"\n--bin--\n")
write("binary-as-text",
      head("binary-as-text", 'multipart/mixed; boundary="bin"').encode()
      + b"\n" + body, "any")

# 13. regex-hostile text against the shipped rules
K = 1024
runs = {
    "run-letter": "a" * (500 * K),
    "run-space": "I " + " " * (500 * K) + " filed a chargeback",
    "run-words": "review bad " * (50 * K),
    "run-threat": "I will post I will leave I will write " * (12 * K),
    "run-hangul": "\uac00" * (150 * K),
    "run-cyrillic": "\u0437\u0430\u043a\u0430\u0437 " * (60 * K),
    "run-digits": "#" + "1" * (400 * K),
    "run-newlines": "chargeback\n" + "\n" * (400 * K) + "amazon\n",
}
for name, text in runs.items():
    write(name, head(name, "text/plain; charset=utf-8") + "\n" + text + "\n",
          "any")

for name, size, expect in cases:
    print(name, size, expect)
