#!/bin/sh
# tests/bench/milterload.test.sh - the load generator is a correctness
# tool: for a handful of messages (two of tests/corpus/msgs and eight
# generated ones covering every language and MIME form, one with a forged
# X-Triage-Tier header), `milterload --dump` against a running
# triage-milter must report exactly the header additions that
# `triage-milter -t` prints for the same files, the forged header must be
# deleted, and no session may fail.  Needs TOP and BUILD (tests/run.sh);
# builds build/bench/milterload when it is missing.  Rules: patterns/ as
# committed (git HEAD).  The Hyperscan cache is BUILD/cache (shared with
# the shipped config): about 10 s warm; the first run after a pattern
# commit compiles the rules once (about a minute on a busy 2-vCPU box),
# which is why this is not a "quick" test.
set -u
: "${TOP:?TOP not set}" "${BUILD:?BUILD not set}"
. "$TOP/tests/lib/tap.sh"

LOAD=$BUILD/bench/milterload
MILTER=$BUILD/triage-milter
T=$(mktemp -d "${TMPDIR:-/tmp}/milterload-test.XXXXXX")
MPID=""
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ ! -x "$LOAD" ]; then
	make -s -C "$TOP/bench" BUILD="$BUILD" "$LOAD" >"$T/make.log" 2>&1
fi
ok_if "milterload is built" test -x "$LOAD"
ok_if "triage-milter is built" test -x "$MILTER"
[ -x "$LOAD" ] && [ -x "$MILTER" ] || { tap_done; exit 1; }

# Messages: generated (k-th of each language in the k-th MIME form) and
# two from the test corpus.
python3 "$TOP/bench/gen_messages.py" -n 50 -o "$T/msgs" \
	--customers 100000 --csv "$T/customers.csv" >/dev/null
FILES=""
for i in 0000 0008 0016 0024 0032 0040 0048 0049; do
	FILES="$FILES $T/msgs/g-$i.eml"
done
FILES="$FILES $TOP/tests/corpus/msgs/t-001.eml $TOP/tests/corpus/msgs/t-010.eml"
nfiles=$(echo $FILES | wc -w)

# The pattern files as committed, so that -t and the daemon see the same
# rules while someone edits patterns/ (the working tree when not in git).
PAT=$TOP/patterns
if git -C "$TOP" rev-parse --verify -q HEAD >/dev/null 2>&1 &&
   git -C "$TOP" archive HEAD patterns | tar -x -C "$T"; then
	chmod -R go-w "$T/patterns"
	PAT=$T/patterns
fi
mkdir -p "$BUILD/cache"
sed -e "s|^\(  database:\).*|\1 $T/ltv.db|" \
    -e "s|^\(  cache_dir:\).*|\1 $BUILD/cache|" \
    -e "s|^\(  directory:\).*|\1 $PAT|" \
    -e "s|^\(  hostname:\).*|\1 test.example|" \
    -e "s|^\(  record_history:\).*|\1 false|" \
    "$TOP/etc/triage-milter.yaml" >"$T/triage.yaml"
ok_if "customer database imported" \
	"$BUILD/triagectl" -c "$T/triage.yaml" import "$T/customers.csv"

# shellcheck disable=SC2086 # FILES is a list of paths without blanks
"$MILTER" -c "$T/triage.yaml" -t $FILES >"$T/want" 2>"$T/t.err"
ok_if "triage-milter -t prints headers for every message" \
	test "$(grep -c '^# ' "$T/want")" -eq "$nfiles"

port=$((10000 + $$ % 10000)) # below the ephemeral range
"$MILTER" -c "$T/triage.yaml" -p "inet:$port@127.0.0.1" -f 2>"$T/milter.log" &
MPID=$!
one=$(echo $FILES | cut -d' ' -f1)
i=0
until "$LOAD" -q -s "inet:$port@127.0.0.1" -n 1 "$one" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -ge 600 ] || ! kill -0 "$MPID" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
ok_if "triage-milter answers on port $port" kill -0 "$MPID"

# shellcheck disable=SC2086
"$LOAD" -s "inet:$port@127.0.0.1" -c 1 -n "$nfiles" --dump $FILES \
	>"$T/dump" 2>"$T/dump.err"
rc=$?
why="$(cat "$T/dump.err")"
ok_if "milterload --dump: every session completes (exit $rc)" test "$rc" -eq 0
is "milterload: no errors, every message accepted and modified" \
	"$(sed -n 's/^# msgs=.* errors=\([0-9]*\) accepted=\([0-9]*\) modified=\([0-9]*\)$/\1 \2 \3/p' "$T/dump")" \
	"0 $nfiles $nfiles"

# The dump's additions, in the -t format.
grep -v '^# msgs=' "$T/dump" | sed -n -e '/^# /p' -e 's/^addheader //p' \
	-e '/^	/p' >"$T/got"
for f in $FILES; do
	w=$(sed -n "\\|^# $f\$|,/^# /p" "$T/want" | sed '1d;/^# /d')
	g=$(sed -n "\\|^# $f\$|,/^# /p" "$T/got" | sed '1d;/^# /d')
	[ -n "$w" ] || w="(triage-milter -t printed nothing)"
	is "same headers added: $(basename "$f")" "$g" "$w"
done
is "forged X-Triage-Tier deleted before the additions" \
	"$(sed -n "\\|^# $T/msgs/g-0000.eml\$|,/^result/p" "$T/dump" | sed -n 2p)" \
	"delheader X-Triage-Tier[1]: "
is "no modification other than header additions and the deletion" \
	"$(grep -v -e '^# ' -e '^addheader ' -e '^	' -e '^result accept$' \
		-e '^delheader X-Triage-Tier\[1\]: $' "$T/dump")" ""
tap_done
