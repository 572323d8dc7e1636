#!/bin/sh
# Installs the Debian packages triage-milter needs to build, run and test,
# when any is missing.  Quick when everything is there (one dpkg-query).
# As root it runs apt-get; otherwise it prints the exact command and fails.
set -eu

PKGS="build-essential pkg-config libmilter-dev libpcre2-dev libyaml-dev
libsqlite3-dev sqlite3 libgmime-3.0-dev libxml2-dev libutf8proc-dev
libcmocka-dev miltertest postfix swaks cppcheck clang clang-format
libclang-rt-14-dev valgrind python3 procps"

# Hyperscan exists for x86_64 only; Vectorscan replaces it on arm64.
case "$(dpkg --print-architecture 2>/dev/null || echo unknown)" in
amd64) PKGS="$PKGS libhyperscan-dev" ;;
arm64) PKGS="$PKGS libvectorscan-dev" ;;
esac

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = "installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "triage-milter: missing Debian packages:$missing" >&2
	echo "run: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# postfix asks how it is used; a local-only answer keeps it off the net.
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
