#!/bin/sh
# tests/fuzz/run.sh - builds every tests/fuzz/fuzz_*.c as a libFuzzer
# target (clang -fsanitize=fuzzer,address,undefined) against all library
# sources, and runs each for FUZZ_SECONDS (default 30) on its corpus
# tests/fuzz/corpus/<name>/ (fuzz_message.c -> corpus/message/).  New
# inputs go to a scratch directory, not into the tree.  A crash, leak or
# sanitizer report fails the run; the input is left in build-fuzz/.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${FUZZ_BUILD:-$TOP/build-fuzz}
SECS=${FUZZ_SECONDS:-30}
CC=${FUZZ_CC:-clang}
PKGS="gmime-3.0 libxml-2.0 libpcre2-8 yaml-0.1 sqlite3 libutf8proc"
if pkg-config --exists libhs 2>/dev/null && [ "${NO_HYPERSCAN:-0}" != 1 ]; then
	PKGS="$PKGS libhs"
	SKIP='_nohs.c$'
	HS=1
else
	SKIP='_hs.c$'
	HS=0
fi
if ! command -v "$CC" >/dev/null 2>&1; then
	echo "not ok - $CC not found (libFuzzer needs clang)"
	exit 1
fi
CFLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 \
 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
 -fno-omit-frame-pointer -I$TOP/include -DTRIAGE_VERSION=\"fuzz\" \
 -DTRIAGE_HAVE_HYPERSCAN=$HS $(pkg-config --cflags $PKGS)"
LIBS="$(pkg-config --libs $PKGS) -lpthread -lm"
SRCS=$(ls "$TOP"/src/*.c | grep -v -e '/main\.c$' -e '/milter\.c$' \
	-e '/triagectl[^/]*\.c$' | grep -v -E "$SKIP")
mkdir -p "$OUT"
n=0
fail=0
for t in "$TOP"/tests/fuzz/fuzz_*.c; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .c)
	short=${name#fuzz_}
	n=$((n + 1))
	bin="$OUT/$name"
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -o "$bin" "$t" $SRCS $LIBS >"$OUT/$name.build.log" 2>&1; then
		echo "not ok $n - $name: build failed (see $OUT/$name.build.log)"
		tail -5 "$OUT/$name.build.log" | sed 's/^/# /'
		fail=1
		continue
	fi
	seeds="$TOP/tests/fuzz/corpus/$short"
	work="$OUT/corpus-$short"
	mkdir -p "$seeds" "$work"
	if (cd "$OUT" && ASAN_OPTIONS=detect_leaks=1 "$bin" \
	    -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=262144 -artifact_prefix="$OUT/$name-" \
	    "$work" "$seeds" >"$OUT/$name.log" 2>&1); then
		runs=$(grep -o 'Done [0-9]* runs' "$OUT/$name.log" | tail -1)
		echo "ok $n - $name ($runs in ${SECS}s)"
	else
		echo "not ok $n - $name: crash, see $OUT/$name.log"
		grep -E 'ERROR|SUMMARY|Test unit written' "$OUT/$name.log" |
		    head -5 | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
