#!/bin/sh
# make lint as part of the suite: banned functions, module layering,
# cppcheck and the committed .clang-format.
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if sh "$TOP/scripts/lint.sh" >"$out" 2>&1; then
	echo "ok 1 - lint: banned functions, layering, cppcheck, clang-format"
else
	echo "not ok 1 - lint: banned functions, layering, cppcheck, clang-format"
	sed 's/^/# /' "$out" | head -40
fi
echo "1..1"
