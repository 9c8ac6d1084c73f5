#!/bin/sh
# make bench-collector: how much one collector takes on this machine.
# A sensor replays the bench capture once, without acks, to a recorder;
# what it sent is then sent again to a collector at a series of rates,
# faster than one sensor here makes it, each to a collector started
# afresh.  For each rate: the rate reached, the datagrams and records
# stored, the kernel's drops at the collector's socket and its
# processes' CPU time; then the highest rate it stored whole, its
# ceiling, for doc/scaling.md.  Figures, no test; it fails, saying why,
# when a tool is missing or a step fails.
#
#	PACKETS=N	frames in the generated capture (default 300000)
#	RATES=LIST	datagrams a second to try, in turn
#			(default "10000 20000 30000 40000 60000")
set -eu
root=$1
cd "$root"
. regress/benchlib.sh
PACKETS=${PACKETS:-300000}
RATES=${RATES:-10000 20000 30000 40000 60000}
need python3 bc
[ -x ncagentd/ncagentd ] && [ -x nccollectd/nccollectd ] ||
    fail "the programs are not built: make"
bench_dir
bench_capture "$PACKETS"
PORT=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
ncap_conf "$B" "$PORT" "acks no"
pids=""
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null || :; done' EXIT
trap 'exit 1' INT TERM HUP

header "make bench-collector, $PACKETS frames"

# -- what a sensor sends for the capture
rec=$B/collector-bench.dgrams
python3 regress/udpreplay.py record "$PORT" "$rec" >"$B/recorder.log" 2>&1 &
rpid=$!
pids="$pids $rpid"
i=0
until grep -q listening "$B/recorder.log"; do
	[ $i -lt 50 ] || fail "the recorder did not start"
	sleep 0.1
	i=$((i + 1))
done
./ncagentd/ncagentd -d -f "$B/ncagentd.conf" -r "$cap" \
    >"$B/sensor-rec.log" 2>&1 || fail "ncagentd -r failed"
wait "$rpid" || fail "the recorder failed: $(cat "$B/recorder.log")"
ndg=$(sed -n 's/^recorded //p' "$B/recorder.log")
nrec=$(typesum "$B/sensor-rec.log" sent)
printf 'recorded          %d datagrams, %d records (%s)\n' "$ndg" "$nrec" \
    "one sensor, compression zlib"

best=0
for rate in $RATES; do
	rm -rf "$B/spool"
	: >"$B/mem-coll"
	clog=$B/collector-rate.log
	./nccollectd/nccollectd -d -f "$B/nccollectd.conf" >"$clog" 2>&1 &
	cpid=$!
	pids="$pids $cpid"
	sleep 0.5
	sample "$B/mem-coll" "$cpid" &
	wpid=$!
	pids="$pids $wpid"
	out=$(python3 regress/udpreplay.py replay "$rec" "$PORT" "$rate")
	# then until what is in its socket's buffer is taken in: the count
	# of datagrams stops growing
	last=-1
	while :; do
		sleep 0.3
		now=$(./ncctl/ncctl -j -s "$B/collector.sock" show stats |
		    python3 -c 'import json, sys
print(json.load(sys.stdin)["datagrams"])') || fail "show stats failed"
		[ "$now" != "$last" ] || break
		last=$now
	done
	kill -TERM "$cpid"
	wait "$cpid" || fail "nccollectd failed: $(tail -5 "$clog")"
	wait "$wpid"
	secs=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s/\1/p')
	got=$(totals "$clog" datagrams)
	stored=$(totals "$clog" records)
	drops=$(totals "$clog" kernel-drops)
	cpu=$(awk '{ if ($4 > c[$1]) c[$1] = $4 } END { for (p in c) s += c[p];
	    print s }' "$B/mem-coll")
	printf 'rate %6d/s      reached %.0f/s; stored %d datagrams, %d %s' \
	    "$rate" "$(echo "$ndg / $secs" | bc -l)" "$got" "$stored" records
	printf '; kernel drops %d; CPU %.2f s\n' "$drops" \
	    "$(echo "$cpu / $(getconf CLK_TCK)" | bc -l)"
	if [ "$got" -eq "$ndg" ] && [ "$stored" -eq "$nrec" ]; then
		best=$(echo "$ndg / $secs" | bc -l)
	else
		break
	fi
done
printf 'ceiling           %.0f datagrams/s, %.0f records/s %s\n' "$best" \
    "$(echo "$best * $nrec / $ndg" | bc -l)" \
    "(the highest rate above stored whole)"
loadavg "at end"
