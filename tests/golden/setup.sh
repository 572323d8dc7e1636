# tests/golden/setup.sh - sourced: a private copy of the cli fixture config
# (a small, stable rule set) with its database, in $GDIR; $GCTL runs
# triagectl on it.
GDIR=$(mktemp -d /tmp/golden.XXXXXX)
trap 'rm -rf "$GDIR"' EXIT
cp -R "$TOP/tests/cli/fixtures/." "$GDIR/"
chmod -R go-w "$GDIR"
GCTL="$BUILD/triagectl -c $GDIR/config.yaml"
$GCTL import "$GDIR/customers.csv" >/dev/null
