#!/bin/sh
# tests/golden/update.sh BUILD - rewrites every msgs/X.headers from
# `triagectl test` (the headers the milter adds) with the golden config.
# Review the diff before committing.
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
. "$TOP/tests/golden/setup.sh"
for m in "$TOP"/tests/golden/msgs/*.eml; do
	$GCTL test "$m" >"${m%.eml}.headers"
done
echo "golden: rewrote $(ls "$TOP"/tests/golden/msgs/*.headers | wc -l) files"
