#!/usr/bin/env python3
"""tests/hardening/sqlcheck.py SRCDIR

SQL only through bound parameters: every sqlite3_exec / sqlite3_prepare*
call in SRCDIR/*.c must get its SQL text from
  - a string literal (macros may be pasted between literals),
  - a `static const char *const NAME` / `NAME[]` defined in the same file
    (also indexed, or a ?: between two such),
  - a parameter of a static function whose every call passes one of the
    above, or
  - a local buffer filled by snprintf whose format converts integers
    only (no %s/%c: no text can get in).
Prints one line per call ("ok FILE:LINE TEXT" / "BAD FILE:LINE TEXT")
and exits 1 when any call is not proven safe.
"""
import os
import re
import sys

src = sys.argv[1]
CALL = re.compile(r"\bsqlite3_(exec|prepare(?:_v2|_v3)?)\s*\(")


def args_at(text, i):
    """Splits the argument list starting after '(' at index i."""
    depth, cur, out = 0, "", []
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur += text[i:j + 1]
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                out.append(cur.strip())
                return out
            depth -= 1
        elif c == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
            i += 1
            continue
        cur += c
        i += 1
    return out


def static_consts(text):
    return set(re.findall(
        r"static\s+const\s+char\s*(?:\*\s*const\s+)?(\w+)\s*(?:\[[^\]]*\])?\s*=",
        text))


def literal(a):
    # "..." MACRO "..." sequences
    return re.fullmatch(r'(\s*("([^"\\]|\\.)*"|[A-Z_][A-Z0-9_]*)\s*)+', a) \
        is not None and '"' in a


def safe(a, consts, text, fn_params, depth=0):
    a = a.strip()
    if literal(a):
        return True
    m = re.fullmatch(r"(\w+)(\s*\[[^\]]*\])?", a)
    if m and m.group(1) in consts:
        return True
    m = re.fullmatch(r"[^?]+\?\s*(\w+)\s*:\s*(\w+)", a)
    if m and m.group(1) in consts and m.group(2) in consts:
        return True
    if m is None and re.fullmatch(r"\w+", a) and depth < 3:
        # a parameter of the enclosing static function?
        for fname, idx in fn_params.get(a, []):
            calls = [c for c in re.finditer(r"\b%s\s*\(" % fname, text)]
            ok = True
            n = 0
            for c in calls:
                al = args_at(text, c.end())
                # skip the definition itself
                if re.match(r"\s*(sqlite3|const|struct|char|int)\b", al[0]):
                    continue
                n += 1
                if not safe(al[idx], consts, text, fn_params, depth + 1):
                    ok = False
            if ok and n > 0:
                return True
        # a local buffer filled by an integer-only snprintf?
        fills = re.findall(r"snprintf\s*\(\s*%s\s*,[^,]+,\s*(\"[^\"]*\")" % a,
                           text)
        if fills and all(not re.search(r"%[-0-9.]*[sc]", f) for f in fills):
            return True
    return False


bad = 0
for name in sorted(os.listdir(src)):
    if not name.endswith(".c"):
        continue
    path = os.path.join(src, name)
    text = open(path, encoding="utf-8", errors="replace").read()
    consts = static_consts(text)
    fn_params = {}
    for m in re.finditer(r"^static\s+\w+\s*\n?(\w+)\s*\(([^)]*)\)\s*\{", text,
                         re.M):
        params = [p.strip() for p in m.group(2).split(",")]
        for k, p in enumerate(params):
            pm = re.search(r"(\w+)\s*$", p)
            if pm:
                fn_params.setdefault(pm.group(1), []).append((m.group(1), k))
    for m in CALL.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        al = args_at(text, m.end())
        if len(al) < 2:
            continue
        sql = " ".join(al[1].split())
        if safe(al[1], consts, text, fn_params):
            print("ok %s:%d %s" % (name, line, sql))
        else:
            print("BAD %s:%d %s" % (name, line, sql))
            bad += 1
sys.exit(1 if bad else 0)
