#!/bin/sh
# quick
# triagectl: each command's output on fixture messages, exit codes, errors.
set -u
. "$TOP/tests/cli/tap.sh"

CTL="$BUILD/triagectl"
W=$(mktemp -d /tmp/triagectl-test.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp -R "$TOP/tests/cli/fixtures/." "$W/"
chmod -R go-w "$W"
C="$CTL -c $W/config.yaml"
M="$W/msgs"

# --- usage and exit codes
run $CTL -h
check "triagectl -h exits 0 and shows usage" \
	test "$rc" = 0 -a -n "$(grep 'usage: triagectl' "$out")"
run $CTL frobnicate
check "unknown command exits 2" test "$rc" = 2
check "unknown command is named" grep -q 'unknown command "frobnicate"' "$err"
run $C test
check "test without files exits 2" test "$rc" = 2

# --- import and lookup
run $C import "$W/customers.csv"
check "import exits 0" test "$rc" = 0
check "import says what it did" grep -q 'customers.csv: plain: 2 customers' "$out"
run $C lookup vip@example.com
check "lookup of a customer exits 0" test "$rc" = 0
check "lookup shows the LTV" grep -q '1500.00' "$out"
run $C lookup nobody@example.org
check "lookup of a stranger exits 1" test "$rc" = 1
run $CTL -c "$W/config.yaml" -d /nonexistent/dir/ltv.db lookup vip@example.com
check "lookup on an unreadable database exits 3" test "$rc" = 3

# --- test: headers as the milter adds them
run $C test "$M/dispute.eml"
check "test exits 0" test "$rc" = 0
check "flags of a filed dispute plus reship" \
	grep -qx 'X-Triage-Flags: chargeback, chargeback-reship' "$out"
check "tier from the From address in another letter case" \
	grep -qx 'X-Triage-Tier: vip' "$out"
check "action dispute" grep -qx 'X-Triage-Action: dispute' "$out"
check "quoted agent text does not fire the review rule" \
	sh -c "! grep -q 'review' '$out'"
check "subject tagged for the dispute action" \
	grep -qx 'Subject: \[DISPUTE\] My order' "$out"
check "version names the configured host" \
	grep -qx 'X-Triage-Version: triage-milter 0.1.0 on test.example' "$out"
cp "$out" "$W/dispute.headers"

run $C test - <"$M/dispute.eml"
check "test - reads standard input, same headers" cmp -s "$out" "$W/dispute.headers"

run $C test "$M/threat.eml" "$M/calm.eml"
check "several files get a # FILE line each" \
	test "$(grep -c '^# ' "$out")" = 2
check "QP review threat flagged" grep -qx 'X-Triage-Flags: review-threat' "$out"
check "negated threat in HTML is no flag" grep -qx 'X-Triage-Flags: none' "$out"
check "unknown sender is new" grep -qx 'X-Triage-Tier: new' "$out"

run $C test "$W/missing.eml"
check "missing file exits 3" test "$rc" = 3
check "missing file is named" grep -q 'missing.eml' "$err"
printf '\x89PNG\r\n\x1a\n\0\0binary' >"$W/image.png"
run $C test "$W/image.png"
check "a non-message exits 3" test "$rc" = 3
check "a non-message is called so" grep -q 'not a message' "$err"

# --- explain
run $C explain "$M/dispute.eml"
check "explain exits 0" test "$rc" = 0
for s in "MIME structure" "Text regions" "Rules that fired" "Flags" "Customer" "Action" "Headers added"; do
	check "explain shows $s" grep -q "== $s" "$out"
done
check "explain shows the left-out quote and why" grep -q '\[attribution\] left out' "$out"
check "explain shows the snippet as written" grep -q '"filed a chargeback' "$out"
run $C explain --json "$M/dispute.eml"
check "explain --json exits 0" test "$rc" = 0
check "explain --json has the documented keys and shapes" python3 - "$out" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("headers", "regions", "rules", "flags", "customer", "action"):
    assert k in j, k
assert j["headers"]["X-Triage-Flags"] == "chargeback, chargeback-reship"
assert j["action"] == "dispute"
kinds = [(r["kind"], r["kept"]) for r in j["regions"]]
assert kinds[0] == ("subject", True), kinds
assert ("customer", True) in kinds and any(not k for _, k in kinds), kinds
assert all(set(r) >= {"id", "signal", "score", "snippet"} for r in j["rules"])
assert any(r["id"] == "en.test.dispute-filed" for r in j["rules"])
assert j["customer"]["tier"] == "vip"
EOF

# --- lint
run $C lint
check "lint of good patterns exits 0" test "$rc" = 0
check "lint says OK with counts" grep -q '^OK: .*5 rules, 3 flags' "$out"
sed -e 's|directory: patterns|directory: badpatterns|' "$W/config.yaml" >"$W/bad.yaml"
run $CTL -c "$W/bad.yaml" lint
check "lint of a broken pattern file exits 1" test "$rc" = 1
check "lint names file, line and rule of the regex error" \
	grep -q 'badpatterns/en/broken.yaml:[0-9]*:[0-9]*: en.broken.paren: ' "$err"
printf 'limits:\n  mime_depth: 500\n' >"$W/range.yaml"
run $CTL -c "$W/range.yaml" lint
check "lint of an out-of-range config value fails" test "$rc" != 0
check "the config error names file:line:col" grep -q 'range.yaml:2:[0-9]*:' "$err"

# --- eval
run $C eval "$W/msgs"
check "eval exits 0 without thresholds" test "$rc" = 0
check "eval prints the flag table" grep -q '^chargeback-reship ' "$out"
check "eval exact match 3/3" grep -q 'exact match: 3/3' "$out"
cp "$W/msgs/labels.tsv" "$W/labels.good"
printf 'extra.eml\ten\treview-threat\tnew\twrong label on purpose\n' >>"$W/msgs/labels.tsv"
cp "$M/calm.eml" "$W/msgs/extra.eml"
run $C eval --min-precision 0.95 --min-recall 0.9 "$W/msgs"
check "eval below the thresholds exits 1" test "$rc" = 1
check "eval lists the miss" grep -q 'extra.eml \[en\] expected: review-threat  got: -' "$out"
check "eval marks the flag below its threshold" grep -q '^review-threat .*BELOW' "$out"
cp "$W/labels.good" "$W/msgs/labels.tsv"
printf 'extra.eml\ten\tno-such-flag\tnew\tbad label\n' >>"$W/msgs/labels.tsv"
run $C eval "$W/msgs"
check "eval with an unknown flag in labels.tsv exits 3" test "$rc" = 3
check "the unknown flag is named with file and line" \
	grep -q 'labels.tsv:5: unknown flag "no-such-flag"' "$err"

# --- stats
run $C stats --days 30
check "stats exits 0" test "$rc" = 0
run $C stats --days zero
check "stats with a bad --days exits 2" test "$rc" = 2

done_testing
