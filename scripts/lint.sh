#!/bin/sh
# scripts/lint.sh - `make lint`: the checks STYLE.md asks for.
#
#   1. banned functions (strcpy strcat sprintf vsprintf gets strtok atoi
#      atol) in src/ tests/ bench/, comments and string literals ignored;
#   2. layering: a module includes only triage/ headers of its own layer or
#      a lower one, and only its own *_int.h;
#   3. cppcheck over src/;
#   4. clang-format --dry-run --Werror over src/*.c include/triage/*.h.
#
# Every check runs; each prints its findings as FILE:LINE: what.  Exits 1
# when any check found something (or a tool is missing), else 0.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
failed=""

# Layers, lowest first (STYLE.md section 2).  A file src/X.c, src/X_*.c,
# src/X_int.h or include/triage/X.h belongs to module X.
layer_of() {
	case "$1" in
	buf | log | err | limits) echo 0 ;;
	config | message | regions | normalize | rules | classify | ltv | policy) echo 1 ;;
	snapshot | pipeline) echo 2 ;;
	milter | main | triagectl) echo 3 ;;
	*) echo "" ;;
	esac
}

# The module a file belongs to: its base name, or the part before the
# first "_" when that part is a module (message_charset.c -> message).
module_of() {
	base=$(basename "$1")
	base=${base%.c}
	base=${base%.h}
	base=${base%_int}
	if [ -n "$(layer_of "$base")" ]; then
		echo "$base"
		return
	fi
	echo "${base%%_*}"
}

# C source with comments and string/char literals blanked, newlines kept,
# so that line numbers still match.
strip_c() {
	perl -0777 -pe '
		s{("(?:\\.|[^"\\\n])*")|(\x27(?:\\.|[^\x27\\\n])*\x27)|(/\*.*?\*/)|(//[^\n]*)}{
			defined $1 ? "\"\"" : defined $2 ? "\x27\x27" :
			do { my $c = $&; $c =~ s/[^\n]//g; $c }
		}gse' "$1"
}

check_banned() {
	n=0
	files=$(find src tests bench -name '*.[ch]' 2>/dev/null | sort)
	for f in $files; do
		hits=$(strip_c "$f" | grep -nE \
		    '(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)[[:space:]]*\(')
		[ -z "$hits" ] && continue
		echo "$hits" | while IFS= read -r line; do
			fn=$(echo "$line" | grep -oE \
			    '(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol)[[:space:]]*\(' |
			    head -1 | tr -dc 'a-z')
			echo "$f:${line%%:*}: banned function $fn (STYLE.md 7)"
		done
		n=$((n + $(echo "$hits" | wc -l)))
	done
	return $((n > 0))
}

check_layers() {
	n=0
	for f in src/*.c src/*.h include/triage/*.h; do
		[ -f "$f" ] || continue
		mod=$(module_of "$f")
		lvl=$(layer_of "$mod")
		if [ -z "$lvl" ]; then
			echo "$f:1: module \"$mod\" is not in the layer table of scripts/lint.sh"
			n=$((n + 1))
			continue
		fi
		incs=$(strip_c_keep_includes "$f")
		for inc in $incs; do
			ln=${inc%%:*}
			hdr=${inc#*:}
			case "$hdr" in
			triage/*.h)
				dep=${hdr#triage/}
				dep=${dep%.h}
				dl=$(layer_of "$dep")
				if [ -z "$dl" ]; then
					echo "$f:$ln: includes $hdr, not in the layer table"
					n=$((n + 1))
				elif [ "$dl" -gt "$lvl" ]; then
					echo "$f:$ln: $mod (layer $lvl) includes $hdr (layer $dl)"
					n=$((n + 1))
				fi
				;;
			*_int.h)
				owner=$(module_of "$hdr")
				if [ "$owner" != "$mod" ]; then
					echo "$f:$ln: $mod includes $hdr, private to $owner"
					n=$((n + 1))
				fi
				;;
			esac
		done
	done
	return $((n > 0))
}

# LINE:HEADER for every #include "..." of a file.
strip_c_keep_includes() {
	grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$1" |
	    sed -E 's/^([0-9]+):[^"]*"([^"]+)".*/\1:\2/'
}

check_cppcheck() {
	if ! command -v cppcheck >/dev/null 2>&1; then
		echo "cppcheck not installed (make deps)"
		return 1
	fi
	cppcheck --quiet --error-exitcode=1 --std=c11 --language=c \
	    --enable=warning,portability --inline-suppr \
	    --suppress=missingIncludeSystem \
	    -I include -D_POSIX_C_SOURCE=200809L -DTRIAGE_VERSION='"lint"' \
	    --template='{file}:{line}: {severity}: {message} [{id}]' \
	    src/*.c
}

check_format() {
	if ! command -v clang-format >/dev/null 2>&1; then
		echo "clang-format not installed (make deps)"
		return 1
	fi
	bad=0
	for f in src/*.c include/triage/*.h; do
		[ -f "$f" ] || continue
		out=$(clang-format --dry-run --Werror "$f" 2>&1) && continue
		echo "$out" | grep -E '^[^ ].*: error:' | head -3
		count=$(echo "$out" | grep -c ': error:')
		echo "$f: $count place(s) differ from .clang-format" \
		    "(see: clang-format $f | diff $f -)"
		bad=1
	done
	return $bad
}

for step in banned layers cppcheck format; do
	echo "== $step"
	if "check_$step"; then
		echo "ok"
	else
		failed="$failed $step"
	fi
done

if [ -n "$failed" ]; then
	echo "lint: failed:$failed"
	exit 1
fi
echo "lint: all checks passed"
