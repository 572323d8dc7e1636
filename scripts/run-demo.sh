#!/bin/sh
# scripts/run-demo.sh BUILD - what `make run` does after building: imports
# the example shop export into data/ltv.db, prints the Postfix lines to
# add, then runs the milter in the foreground on 127.0.0.1:8890.
set -eu
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
CONF=etc/triage-milter.yaml
SOCKET="inet:8890@127.0.0.1"

mkdir -p data
"$BUILD/triagectl" -c "$CONF" import examples/customers.csv examples/orders.csv

cat <<POSTFIX

Add to Postfix's main.cf, then run "postfix reload":

    smtpd_milters = inet:127.0.0.1:8890
    milter_default_action = accept
    milter_protocol = 6

Try it without Postfix:  $BUILD/triagectl -c $CONF test examples/msgs/*.eml
                         $BUILD/triagectl -c $CONF explain examples/msgs/01-dispute-reship.eml
Stop with Ctrl-C.

POSTFIX
exec "$BUILD/triage-milter" -f -c "$CONF" -p "$SOCKET"
