#!/bin/sh
# quick
# The shipped pattern library measured on the project's labeled corpus:
# every flag must reach precision 0.95 and recall 0.90, every tier must be
# right.  The shared dev corpus, when present, is measured and printed.
set -u
MIN_P=0.95
MIN_R=0.90
CTL="$BUILD/triagectl -c $TOP/etc/triage-milter.yaml"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

$CTL eval "$TOP/tests/corpus" >"$out" 2>&1
rc=$?
sed 's/^/# /' "$out" | sed -n '1,40p'
n=0
if [ "$rc" -gt 1 ]; then
	echo "not ok 1 - triagectl eval ran (exit $rc)"
	exit 1
fi
# One TAP line per flag row of the table.
awk -v minp=$MIN_P -v minr=$MIN_R '
	/^flag / { intable = 1; next }
	intable && /^all \(micro\)/ { intable = 0 }
	intable && NF == 7 {
		n++
		ok = ($5 + 0 >= minp && $6 + 0 >= minr)
		printf "%s %d - %s precision %s >= %s, recall %s >= %s\n",
		    ok ? "ok" : "not ok", n, $1, $5, minp, $6, minr
	}
	END { if (n == 0) print "not ok 1 - no flag rows in the eval output" }
' "$out"
n=$(awk '/^flag /{t=1;next} t&&/^all/{t=0} t&&NF==7{c++} END{print c+0}' "$out")
tier=$(sed -n 's/^tier accuracy: \([0-9]*\)\/\([0-9]*\).*/\1 \2/p' "$out")
set -- $tier
if [ "${1:-x}" = "${2:-y}" ]; then
	echo "ok $((n + 1)) - tier accuracy $1/$2"
else
	echo "not ok $((n + 1)) - tier accuracy ${1:-?}/${2:-?}"
fi
# The Hyperscan prefilter must not change anything: every message of the
# corpus and of the holdout set fires the same rules with PCRE2 alone
# (-P).
a=$(mktemp)
b=$(mktemp)
for set in corpus holdout; do
	n=$((n + 1))
	$CTL eval -v "$TOP/tests/$set" >"$a" 2>&1
	$BUILD/triagectl -c "$TOP/etc/triage-milter.yaml" -P eval -v \
		"$TOP/tests/$set" >"$b" 2>&1
	if grep -q '^  *rules: ' "$a" && cmp -s "$a" "$b"; then
		echo "ok $((n + 1)) - tests/$set: same rules on every message with and without the prefilter"
	else
		echo "not ok $((n + 1)) - tests/$set: the prefilter changes the rules that fire"
		diff "$a" "$b" | head -20 | sed 's/^/# /'
	fi
done
rm -f "$a" "$b"
# The blind check set (never used for tuning), printed for the record.
$CTL eval "$TOP/tests/holdout" 2>&1 | sed -n '1,24s/^/# holdout: /p'
if [ -n "${SHARED:-}" ] && [ -d "$SHARED/corpus/dev/msgs" ]; then
	$CTL eval "$SHARED/corpus/dev" 2>&1 | sed -n '1,24s/^/# dev: /p'
fi
