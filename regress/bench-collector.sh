#!/bin/sh
# make bench-collector: how much one collector takes on this machine.
# A sensor replays the bench capture once, without acks, to a recorder;
# what it sent is then sent again to a collector at a series of rates,
# faster than one sensor here makes it, each to a collector started
# afresh.  For each rate: the rate reached, the datagrams and records
# stored, the kernel's drops at the collector's socket and its
# processes' CPU time; then the highest rate it stored whole, its
# ceiling, for doc/scaling.md.  Once for each output: the spool, and
# NATS JetStream, on one server here and on a cluster of three here
# with a stream of three replicas.  Figures, no test; it fails, saying
# why, when a tool is missing or a step fails.
#
#	PACKETS=N	frames in the generated capture (default 300000)
#	RATES=LIST	datagrams a second to try, in turn
#			(default "2500 5000 10000 20000 30000 40000 60000")
#	OUTPUTS=LIST	of spool, jetstream (one server) and jetstream3
#			(three, three replicas); default all three
set -eu
root=$1
cd "$root"
. regress/benchlib.sh
PACKETS=${PACKETS:-300000}
RATES=${RATES:-2500 5000 10000 20000 30000 40000 60000}
OUTPUTS=${OUTPUTS:-spool jetstream jetstream3}
need python3 bc
case "$OUTPUTS" in
*jetstream*)	need nats-server ;;
esac
[ -x ncagentd/ncagentd ] && [ -x nccollectd/nccollectd ] ||
    fail "the programs are not built: make"
bench_dir
bench_capture "$PACKETS"
PORT=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
ncap_conf "$B" "$PORT" "acks no"
pids=""
nd=$(mktemp -d /tmp/ncap-bench-nats.XXXXXX)
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null || :; done; rm -rf "$nd"' \
    EXIT
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

# a TCP port nobody here listens on
free_tcp() {
	while :; do
		_p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 20000 ))
		ss -Htln "sport = :$_p" | grep -q . || { echo "$_p"; return; }
	done
}
# nats_up N: N nats-servers with JetStream, in a cluster when N > 1, their
# data in nd; URLS the client URLs
nats_up() {
	_n=$1 _ps= _rs= _routes= URLS=
	for _i in $(seq "$_n"); do
		_p=$(free_tcp) _r=$(free_tcp)
		_ps="$_ps $_p" _rs="$_rs $_r"
		_routes=$_routes${_routes:+,}nats://127.0.0.1:$_r
		URLS=$URLS${URLS:+,}nats://127.0.0.1:$_p
	done
	set -- $_rs
	for _p in $_ps; do
		if [ "$_n" -gt 1 ]; then
			_cl="--cluster_name bench --cluster nats://127.0.0.1:$1 \
			    --routes $_routes"
		else
			_cl=
		fi
		shift
		nats-server -js -a 127.0.0.1 -p "$_p" -sd "$nd/$_p" \
		    --server_name "n$_p" $_cl >>"$nd/$_p.log" 2>&1 &
		pids="$pids $!"
		NATS_PIDS="$NATS_PIDS $!"
	done
	for _p in $_ps; do
		_i=0
		until ss -Htln "sport = :$_p" | grep -q .; do
			[ $_i -lt 100 ] || fail "nats-server did not start"
			sleep 0.05
			_i=$((_i + 1))
		done
	done
}

# jstat KEY: the collector's publisher's KEY, of show stats
jstat() {
	./ncctl/ncctl -j -s "$B/collector.sock" show stats 2>/dev/null |
	    python3 -c 'import json, sys
print(json.load(sys.stdin)["jetstream"][sys.argv[1]])' "$1" 2>/dev/null
}

# rates OUTPUT: the datagrams at each rate to a collector with OUTPUT
rates() {
	best=0
	for rate in $RATES; do
		rm -rf "$B/spool"
		: >"$B/mem-coll"
		clog=$B/collector-rate.log
		./nccollectd/nccollectd -d -f "$B/nccollectd.conf" >"$clog" 2>&1 &
		cpid=$!
		pids="$pids $cpid"
		sleep 0.5
		case "$1" in
		jetstream*)
			# until the publisher has its stream
			_i=0
			until [ "$(jstat stream)" = "$stream" ]; do
				[ $_i -lt 200 ] || fail "the collector did not \
get its stream: $(tail -3 "$clog")"
				sleep 0.1
				_i=$((_i + 1))
			done
			;;
		esac
		sample "$B/mem-coll" "$cpid" &
		wpid=$!
		pids="$pids $wpid"
		out=$(python3 regress/udpreplay.py replay "$rec" "$PORT" "$rate")
		# then until what is in its socket's buffer is taken in: the
		# count of datagrams stops growing
		last=-1
		while :; do
			sleep 0.3
			now=$(./ncctl/ncctl -j -s "$B/collector.sock" show stats |
			    python3 -c 'import json, sys
print(json.load(sys.stdin)["datagrams"])') || fail "show stats failed"
			[ "$now" != "$last" ] || break
			last=$now
		done
		# and JetStream acknowledged what was published
		case "$1" in
		jetstream*)
			_i=0
			until [ "$(jstat pending-acks)" = 0 ]; do
				[ $_i -lt 100 ] || break
				sleep 0.1
				_i=$((_i + 1))
			done
			;;
		esac
		kill -TERM "$cpid"
		wait "$cpid" || fail "nccollectd failed: $(tail -5 "$clog")"
		wait "$wpid"
		secs=$(echo "$out" | sed -n 's/.* in \([0-9.]*\) s/\1/p')
		got=$(totals "$clog" datagrams)
		stored=$(totals "$clog" records)
		drops=$(totals "$clog" kernel-drops)
		cpu=$(awk '{ if ($4 > c[$1]) c[$1] = $4 }
		    END { for (p in c) s += c[p]; print s }' "$B/mem-coll")
		printf 'rate %6d/s      reached %.0f/s; stored %d datagrams, %d %s' \
		    "$rate" "$(echo "$ndg / $secs" | bc -l)" "$got" "$stored" \
		    records
		printf '; kernel drops %d; CPU %.2f s\n' "$drops" \
		    "$(echo "$cpu / $(getconf CLK_TCK)" | bc -l)"
		if [ "$got" -eq "$ndg" ] && [ "$stored" -eq "$nrec" ]; then
			best=$(echo "$ndg / $secs" | bc -l)
		else
			break
		fi
	done
	printf 'ceiling           %.0f datagrams/s, %.0f records/s %s\n' \
	    "$best" "$(echo "$best * $nrec / $ndg" | bc -l)" \
	    "(the highest rate above stored whole)"
}

cp "$B/nccollectd.conf" "$B/nccollectd.conf.spool"
for output in $OUTPUTS; do
	cp "$B/nccollectd.conf.spool" "$B/nccollectd.conf"
	NATS_PIDS=
	case "$output" in
	spool)
		echo "-- output spool" ;;
	jetstream)
		nats_up 1
		stream=BENCH
		echo "output jetstream url \"$URLS\" stream \"BENCH\"" \
		    >>"$B/nccollectd.conf"
		echo "-- output jetstream, one nats-server" ;;
	jetstream3)
		nats_up 3
		stream=BENCH3
		echo "output jetstream url \"$URLS\" stream \"BENCH3\"" \
		    "replicas 3" >>"$B/nccollectd.conf"
		echo "-- output jetstream, three nats-servers, three replicas" ;;
	*)
		fail "unknown output $output" ;;
	esac
	rates "$output"
	for p in $NATS_PIDS; do
		kill -TERM "$p"
		wait "$p" 2>/dev/null || :
	done
	rm -rf "${nd:?}"/*
done
loadavg "at end"
