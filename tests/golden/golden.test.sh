#!/bin/sh
# quick
# Golden files: for each msgs/X.eml, `triagectl test` must print exactly
# msgs/X.headers.  `make golden-update` rewrites them; review the diff.
set -u
. "$TOP/tests/golden/setup.sh"
n=0
fail=0
for m in "$TOP"/tests/golden/msgs/*.eml; do
	n=$((n + 1))
	want="${m%.eml}.headers"
	got=$($GCTL test "$m" 2>&1)
	if [ -f "$want" ] && [ "$got" = "$(cat "$want")" ]; then
		echo "ok $n - $(basename "$m")"
	else
		echo "not ok $n - $(basename "$m")"
		printf '%s\n' "$got" | diff "$want" - | sed 's/^/# /' | head -20
		fail=1
	fi
done
echo "1..$n"
exit $fail
