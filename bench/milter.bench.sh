#!/bin/sh
# milter.bench.sh - triage-milter against the protocol floor, over the
# milter protocol on loopback (run by `make bench` through bench/run.sh;
# alone: `sh bench/milter.bench.sh [BUILD]` after `make bench`).
#
# Builds a 100,000-customer database and a bench config (the shipped
# settings and patterns; database and Hyperscan cache under BUILD/bench),
# starts nullfilter (answers every step), nullfilter -r (no reply
# negotiated for every step) and triage-milter -f on loopback ports, and
# for two message sets (tests/corpus/msgs and the generated BUILD/bench/msgs)
# measures, the three filters alternating within each of ROUNDS rounds:
# messages per second and latency at concurrency 1 and 8 (one connection
# per message, as Postfix), the filter's CPU time per message (utime +
# stime from /proc/PID/stat), and its memory with 100 sessions open
# (milterload --hold 100: Pss from /proc/PID/smaps_rollup; VmHWM, the
# peak RSS of the whole run, from /proc/PID/status).  Prints a table with
# the ratios triage/null and triage/null-noreply.
#
# Figures are for reading: the script never fails on a time.  It exits
# non-zero only when it cannot set something up.
# Environment: ROUNDS (3), N1 (messages per run at c=1, 300),
# N8 (at c=8, 800), BENCH_KEEP=1 keeps the filters' logs.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${1:-${BUILD:-$TOP/build}}
BUILD=$(cd "$BUILD" && pwd) || exit 1
B=$BUILD/bench
ROUNDS=${ROUNDS:-3}
N1=${N1:-300}
N8=${N8:-800}
LOAD=$B/milterload
CFG=$B/bench.yaml
HZ=$(getconf CLK_TCK)
PIDS=""

die() { echo "milter.bench: $*" >&2; exit 1; }
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "${U:-}" ] && rm -rf "$U"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

for f in "$LOAD" "$B/nullfilter" "$BUILD/triage-milter" "$BUILD/triagectl"; do
	[ -x "$f" ] || die "$f missing (run make && make bench)"
done
command -v python3 >/dev/null || die "python3 missing"

# --- data: messages, customers, database, config, warm cache ---
python3 "$TOP/bench/gen_messages.py" -n 400 -o "$B/msgs" \
	--customers 100000 --csv "$B/customers.csv" || die "gen_messages failed"
# The patterns as committed (HEAD), so that rule files being edited in
# the checkout do not change or break the figures; $TOP/patterns when
# this is not a git checkout.
PAT=$TOP/patterns
if git -C "$TOP" rev-parse --verify -q HEAD >/dev/null 2>&1; then
	rm -rf "$B/patterns"
	git -C "$TOP" archive HEAD patterns | tar -x -C "$B" &&
		chmod -R go-w "$B/patterns" && PAT=$B/patterns
fi
sed -e "s|^\(  database:\).*|\1 $B/ltv.db|" \
    -e "s|^\(  cache_dir:\).*|\1 $B/cache|" \
    -e "s|^\(  directory:\).*|\1 $PAT|" \
    "$TOP/etc/triage-milter.yaml" >"$CFG" || die "cannot write $CFG"
mkdir -p "$B/cache"
rm -f "$B/ltv.db" "$B/ltv.db-wal" "$B/ltv.db-shm"
"$BUILD/triagectl" -c "$CFG" import "$B/customers.csv" \
	"$TOP/tests/corpus/customers.csv" >/dev/null ||
	die "import failed"
# Warm the Hyperscan cache (compiles only when these rules are new).
t0=$(date +%s)
"$BUILD/triagectl" -c "$CFG" lint >"$B/lint.out" 2>&1 ||
	echo "(triagectl lint reported problems; benchmarking anyway)"
echo "patterns: $PAT; $(tail -n 1 "$B/lint.out"); lint took $(( $(date +%s) - t0 )) s"

# --- filters ---
# Each filter runs twice: on a loopback TCP port (as in the README's
# Postfix lines) and on a unix socket (no Nagle's algorithm there).
# Ports below the ephemeral range (32768-), none of base..base+9 listening.
base=$((20000 + $$ % 1200 * 10))
while ss -ltn 2>/dev/null | awk '{ print $4 }' |
	grep -qE ":($base|$((base + 1))|$((base + 2))|$((base + 9)))\$"; do
	base=$((base + 10))
	[ $base -lt 32700 ] || base=20000
done
U=$B/sock.$$
mkdir -p "$U"
start() { # NAME SOCKET COMMAND...: appends NAME:PID:SOCKET to FILTERS
	n=$1 s=$2
	shift 2
	"$@" -p "$s" 2>"$B/$n.log" &
	PIDS="$PIDS $!"
	FILTERS="$FILTERS $n:$!:$s"
}
FILTERS=""
start null "inet:$base@127.0.0.1" "$B/nullfilter"
start noreply "inet:$((base + 1))@127.0.0.1" "$B/nullfilter" -r
start triage "inet:$((base + 2))@127.0.0.1" "$BUILD/triage-milter" -c "$CFG" -f
start null-u "unix:$U/null" "$B/nullfilter"
start noreply-u "unix:$U/noreply" "$B/nullfilter" -r
start triage-u "unix:$U/triage" "$BUILD/triage-milter" -c "$CFG" -f
one=$(ls "$TOP"/tests/corpus/msgs/*.eml | head -n 1)
for f in $FILTERS; do
	s=${f#*:}
	s=${s#*:}
	i=0
	until "$LOAD" -q -s "$s" -n 1 "$one" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 600 ] || die "no filter answering on $s"
		sleep 0.1
	done
done

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }

RES=$B/milter.results
: >"$RES"
# run SET FILTER PID SOCKET CONC COUNT DIR: one measurement, one line in RES
run() {
	t0=$(cpu_ticks "$3")
	out=$("$LOAD" -q -s "$4" -c "$5" -n "$6" "$7" 2>&1 | tail -n 1)
	t1=$(cpu_ticks "$3")
	echo "$1 $2 c$5 rate=$(field "$out" rate) p50=$(field "$out" p50)" \
	     "p99=$(field "$out" p99) errors=$(field "$out" errors)" \
	     "msgs=$(field "$out" msgs) ticks=$((t1 - t0))" >>"$RES"
}

SETS="corpus:$TOP/tests/corpus/msgs gen:$B/msgs"
echo "rounds=$ROUNDS, $N1 messages per run at c=1, $N8 at c=8"
for r in $(seq 1 "$ROUNDS"); do
	for set in $SETS; do
		name=${set%%:*} dir=${set#*:}
		for f in $FILTERS; do
			fn=${f%%:*} rest=${f#*:}
			pid=${rest%%:*} sock=${rest#*:}
			run "$name" "$fn" "$pid" "$sock" 1 "$N1" "$dir"
			run "$name" "$fn" "$pid" "$sock" 8 "$N8" "$dir"
		done
	done
	echo "round $r done"
done

# Memory with 100 sessions open (gen set; each session is at the end of
# its headers), then the peak RSS of the whole run.
MEM=$B/milter.mem
: >"$MEM"
for f in $FILTERS; do
	fn=${f%%:*} rest=${f#*:}
	case $fn in *-u) continue ;; esac
	pid=${rest%%:*} sock=${rest#*:}
	fifo=$B/hold.$$
	"$LOAD" -s "$sock" --hold 100 "$B/msgs" >"$fifo" 2>&1 & HP=$!
	i=0
	until grep -q '^holding' "$fifo" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 300 ] || break
		sleep 0.1
	done
	held=$(sed -n 's/^holding \([0-9]*\).*/\1/p' "$fifo")
	pss=$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup")
	thr=$(awk '/^Threads:/ { print $2 }' "/proc/$pid/status")
	kill -TERM "$HP" 2>/dev/null
	wait "$HP" 2>/dev/null
	hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status")
	echo "$fn held=${held:-0} pss_kib=${pss:-0} hwm_kib=${hwm:-0} threads=${thr:-0}" >>"$MEM"
	rm -f "$fifo"
done

# --- table ---
# agg SET FILTER CONC KEY: median over the rounds
agg() {
	grep "^$1 $2 c$3 " "$RES" | tr ' ' '\n' | sed -n "s/^$4=//p" | median
}
# cpu SET FILTER: microseconds of filter CPU per message, all runs
cpu() {
	grep "^$1 $2 " "$RES" | awk -v hz="$HZ" '{
		for (i = 1; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "ticks") t += kv[2]
			if (kv[1] == "msgs") m += kv[2]
		}
	} END { if (m) printf "%.0f", t / hz / m * 1e6; else print "-" }'
}
errs() { grep "^$1 $2 " "$RES" | tr ' ' '\n' | sed -n 's/^errors=//p' | awk '{ s += $1 } END { print s + 0 }'; }
mem() { sed -n "s/^$1 .*$2=\([0-9]*\).*/\1/p" "$MEM"; }

echo
echo "machine: $(nproc) CPUs, $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)," \
     "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
printf '%-7s %-8s %9s %8s %8s %9s %8s %8s %8s %6s\n' set filter \
	"c1 msg/s" "c1 p50" "c1 p99" "c8 msg/s" "c8 p50" "c8 p99" "cpu us" errors
for set in $SETS; do
	name=${set%%:*}
	for fn in null noreply triage null-u noreply-u triage-u; do
		printf '%-7s %-8s %9.0f %8.3f %8.3f %9.0f %8.3f %8.3f %8s %6s\n' \
			"$name" "$fn" \
			"$(agg "$name" $fn 1 rate)" "$(agg "$name" $fn 1 p50)" \
			"$(agg "$name" $fn 1 p99)" "$(agg "$name" $fn 8 rate)" \
			"$(agg "$name" $fn 8 p50)" "$(agg "$name" $fn 8 p99)" \
			"$(cpu "$name" $fn)" "$(errs "$name" $fn)"
	done
	for x in "" -u; do
		for c in 1 8; do
			t=$(agg "$name" "triage$x" $c rate)
			n=$(agg "$name" "null$x" $c rate)
			nr=$(agg "$name" "noreply$x" $c rate)
			awk -v s="$name" -v c="$c" -v t="$t" -v n="$n" -v r="$nr" \
			    -v x="$x" 'BEGIN {
				printf "%-7s c=%s throughput triage%s/null%s = %.2f  triage%s/noreply%s = %.2f\n",
					s, c, x, x, (n > 0 ? t / n : 0), x, x, (r > 0 ? t / r : 0) }'
		done
	done
done
echo "(latency in ms, median of $ROUNDS rounds; cpu us = filter utime+stime per message;"
echo " -u = the same filter on a unix socket; null = answers every step, noreply = no reply negotiated)"
printf '%-8s %8s %10s %10s %8s\n' filter sessions "PSS MiB" "VmHWM MiB" threads
for fn in null noreply triage; do
	awk -v f="$fn" -v h="$(mem $fn held)" -v p="$(mem $fn pss_kib)" \
	    -v w="$(mem $fn hwm_kib)" -v t="$(mem $fn threads)" 'BEGIN {
		printf "%-8s %8s %10.1f %10.1f %8s\n", f, h, p / 1024, w / 1024, t }'
done

# Nagle probe: a null filter that adds 9 headers at end of message (like
# triage-milter) on TCP, with and without TCP_NODELAY on its listening
# socket (-N; libmilter leaves Nagle's algorithm on).
echo
echo "nagle probe (nullfilter -r -a 9 on TCP, c=1, 60 messages of the generated set):"
for o in "" -N; do
	p=$((base + 9))
	"$B/nullfilter" -p "inet:$p@127.0.0.1" -r -a 9 $o 2>/dev/null &
	NP=$!
	i=0
	until "$LOAD" -q -s "inet:$p@127.0.0.1" -n 1 "$one" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 100 ] || break
		sleep 0.1
	done
	echo "  nullfilter -r -a 9 ${o:-  }: $("$LOAD" -q -s "inet:$p@127.0.0.1" -n 60 "$B/msgs" | cut -d' ' -f3-6)"
	kill "$NP"
	wait "$NP" 2>/dev/null
done

# In-process stage costs, with the filters stopped.
cleanup
PIDS=""
if [ -x "$B/bench_stages" ]; then
	echo
	echo "== stages (in-process, one thread)"
	"$B/bench_stages" "$CFG" "$TOP/tests/corpus/msgs" "$B/msgs" ||
		echo "(bench_stages exited with $?)"
fi
if [ "${BENCH_KEEP:-0}" != 1 ]; then
	for f in $FILTERS; do rm -f "$B/${f%%:*}.log"; done
fi
exit 0
