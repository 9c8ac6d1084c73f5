#!/bin/sh
# make bench: one large generated capture, read three ways on this
# machine: by tcpdump into /dev/null (the floor: reading the file and
# nothing more), by softflowd exporting NetFlow to an nfcapd (a flow
# exporter, what ncagentd is measured against) and replayed through a
# sensor to a collector that lists it (ncap as deployed).  For each, how
# long it took, packets a second and the peak memory of every process;
# then how ncagentd compares, once with each compression it has: zlib,
# its default, and zstd.  It prints figures and is no test, but it
# fails, saying why, when a tool is missing, a step fails or anything
# sent is not received.
#
#	PACKETS=N	frames in the generated capture (default 1000000)
#	SYNC=yes|no	the collector's sync (default: its own default)
#	NETFLOW=N	softflowd's NetFlow version (default 9: the one that
#			carries IPv6 flows, which ncagentd records too)
#	COMPRESSIONS=LIST  the sensor's compressions to run, in turn
#			(default "zlib zstd")
#	ROUNDS=N	softflowd then each compression, N times over
#			(default 1).  The host's speed drifts within
#			minutes here, so each ratio is to the softflowd
#			run just before it; with N > 1 a summary gives
#			every round's ratios and their median.
set -eu
root=$1
cd "$root"
. regress/benchlib.sh
PACKETS=${PACKETS:-1000000}
SYNC=${SYNC:-}
NETFLOW=${NETFLOW:-9}
COMPRESSIONS=${COMPRESSIONS:-zlib zstd}
ROUNDS=${ROUNDS:-1}
case $ROUNDS in
''|*[!0-9]*|0) echo "bench: ROUNDS must be a number from 1" >&2; exit 1 ;;
esac
need tcpdump softflowd nfcapd nfdump strip bc python3
[ -x ncagentd/ncagentd ] && [ -x nccollectd/nccollectd ] &&
    [ -x ncctl/ncctl ] || fail "the programs are not built: make"
bench_dir
bench_capture "$PACKETS"
PORT=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
NFPORT=$((PORT + 1))
ncap_conf "$B" "$PORT"

# nfcapd's files go to a directory of their own, gone at exit with every
# process started here, however the run ends
nf=$(mktemp -d /tmp/ncap-bench-nfcapd.XXXXXX)
pids=""
trap 'for p in $pids; do kill -KILL "$p" 2>/dev/null || :; done; rm -rf "$nf"' \
    EXIT
trap 'exit 1' INT TERM HUP
: >"$B/mem"

header "make bench, $PACKETS frames"

# -- tcpdump: the floor
start=$(date +%s.%N)
tcpdump -r "$cap" -w /dev/null 2>"$B/tcpdump.log" &
tpid=$!
pids="$pids $tpid"
sample "$B/mem" "$tpid" &
wpid=$!
pids="$pids $wpid"
wait "$tpid" || fail "tcpdump -r failed: $(cat "$B/tcpdump.log")"
end=$(date +%s.%N)
wait "$wpid"
secs=$(elapsed "$start" "$end")
printf 'tcpdump           %.2f s, %.0f packets/s (-r, -w /dev/null)\n' \
    "$secs" "$(echo "$frames / $secs" | bc -l)"
# a run shorter than a sample has none
[ ! -s "$B/mem" ] || memory "$B/mem"

# -- softflowd exporting to nfcapd on the loopback.  nfcapd's socket
# buffer holds what softflowd sends in a burst (-B, which root gets past
# rmem_max); -t makes one file unless the run crosses the hour.
# sf_run: one such run, from an empty directory; sets fpps and adds
# what nfcapd missed to nfmissing
nfmissing=0
sf_run() {
	rm -rf "$nf"/*
	: >"$B/mem-softflowd"
	nfcapd -w "$nf" -b 127.0.0.1 -p "$NFPORT" -B 8388608 -t 3600 -C none \
	    >"$B/nfcapd.log" 2>&1 &
	npid=$!
	pids="$pids $npid"
	i=0
	until grep -q "^Startup nfcapd" "$B/nfcapd.log"; do
		kill -0 "$npid" 2>/dev/null && [ $i -lt 50 ] ||
		    fail "nfcapd did not start: $(cat "$B/nfcapd.log")"
		sleep 0.1
		i=$((i + 1))
	done
	# -r reads the file and exits; neither -c nor -p: with -r, softflowd
	# 1.1.0 given a control socket waits on it for ever (its poll set is
	# only filled in live)
	start=$(date +%s.%N)
	softflowd -d -r "$cap" -n "127.0.0.1:$NFPORT" -v "$NETFLOW" \
	    >"$B/softflowd.log" 2>&1 &
	fpid=$!
	pids="$pids $fpid"
	sample "$B/mem-softflowd" "$fpid" "$npid" &
	wpid=$!
	pids="$pids $wpid"
	wait "$fpid" || fail "softflowd -r failed: $(cat "$B/softflowd.log")"
	end=$(date +%s.%N)
	# what softflowd sent is in nfcapd's socket by now: nfcapd writes it
	# out as it stops
	sleep 0.5
	kill -TERM "$npid" 2>/dev/null || :
	wait "$npid" || fail "nfcapd failed: $(cat "$B/nfcapd.log")"
	wait "$wpid"
	fsecs=$(elapsed "$start" "$end")
	# its summary: "Flows exported: 891828 (891828 records) in 31218 packets
	# (0 failures)"; records are what goes on the wire, as nfdump counts
	set -- $(sed -n 's/^Flows exported: //p' "$B/softflowd.log" | tr -d '()')
	[ $# -ge 7 ] || fail "softflowd said no flows exported:
$(cat "$B/softflowd.log")"
	exported=$2 fdgrams=$5 ffailed=$7
	nfdump -R "$nf" -I >"$B/nfdump.log" 2>&1 ||
	    fail "nfdump could not read nfcapd's files: $(cat "$B/nfdump.log")"
	nfflows=$(sed -n 's/^Flows: //p' "$B/nfdump.log")
	fpackets=$(( $(sed -n 's/^Packets processed: //p' "$B/softflowd.log") +
	    $(sed -n 's/^Ignored packets: \([0-9]*\).*/\1/p' "$B/softflowd.log") ))
	fpps=$(echo "$fpackets / $fsecs" | bc -l)
	printf 'softflowd         %.2f s, %.0f packets/s (-r, NetFlow v%s %s)\n' \
	    "$fsecs" "$fpps" "$NETFLOW" "to nfcapd"
	printf 'softflowd flows   %d exported in %d datagrams (%d failed), %d %s\n' \
	    "$exported" "$fdgrams" "$ffailed" "$nfflows" "read back by nfdump"
	memory "$B/mem-softflowd"
	cputime "$B/mem-softflowd"
	nfmissing=$((nfmissing + exported - nfflows))
}

# -- ncagentd -r to nccollectd, once per compression the sensor has
# ncap_run COMPRESSION: a replay through a sensor that compresses so,
# its figures, and how it compares with softflowd; run_fail says what
# went wrong, checked once every run is printed
run_fail=""
ncap_run() {
	_c=$1
	rm -rf "$B/spool"
	ncap_conf "$B" "$PORT" "compression $_c"
	: >"$B/mem-$_c"
	_slog=$B/sensor-$_c.log
	_clog=$B/collector-$_c.log
	./nccollectd/nccollectd -d -f "$B/nccollectd.conf" >"$_clog" 2>&1 &
	cpid=$!
	pids="$pids $cpid"
	sleep 0.5

	start=$(date +%s.%N)
	./ncagentd/ncagentd -d -f "$B/ncagentd.conf" -r "$cap" >"$_slog" 2>&1 &
	spid=$!
	pids="$pids $spid"
	sample "$B/mem-$_c" "$spid" "$cpid" &
	wpid=$!
	pids="$pids $wpid"
	wait "$spid" || fail "ncagentd -r failed: $(tail -5 "$_slog")"
	end=$(date +%s.%N)
	sleep 0.5
	kill -TERM "$cpid" 2>/dev/null || :
	wait "$cpid" || fail "nccollectd failed: $(tail -5 "$_clog")"
	wait "$wpid"

	secs=$(elapsed "$start" "$end")
	packets=$(totals "$_slog" packets)
	datagrams=$(totals "$_slog" datagrams)
	wire=$(totals "$_slog" wire-bytes)
	made=$(typesum "$_slog" records)
	sent=$(typesum "$_slog" sent)
	stored=$(totals "$_clog" records)
	recvd=$(totals "$_clog" datagrams)
	pps=$(echo "$packets / $secs" | bc -l)

	echo "-- ncagentd -r to nccollectd, compression $_c"
	printf 'capture           %s (%d frames)\n' "$cap" "$packets"
	printf 'elapsed           %.2f s (sensor start to exit)\n' "$secs"
	printf 'packets/s         %.0f\n' "$pps"
	printf 'records/s         %.0f\n' "$(echo "$made / $secs" | bc -l)"
	printf 'records made      %d\n' "$made"
	printf 'records sent      %d\n' "$sent"
	printf 'datagrams         %d sent, %d received\n' "$datagrams" "$recvd"
	printf 'batches stored    %d raw, %d zlib, %d zstd\n' \
	    "$(totals "$_clog" batches-raw)" "$(totals "$_clog" batches-zlib)" \
	    "$(totals "$_clog" batches-zstd)"
	printf 'bytes on the wire %d (%.1f per record)\n' "$wire" \
	    "$(echo "$wire / $sent" | bc -l)"
	printf 'records stored    %d\n' "$stored"
	printf 'records lost      %d\n' "$((sent - stored))"
	printf 'acks              %d (%d syncs)\n' "$(totals "$_clog" acks)" \
	    "$(totals "$_clog" syncs)"
	memory "$B/mem-$_c"
	cputime "$B/mem-$_c"

	echo "ncagentd ($_c) against softflowd:"
	printf '  packet rate     %.2f times softflowd\047s (%.0f / %.0f packets/s)\n' \
	    "$(echo "$pps / $fpps" | bc -l)" "$pps" "$fpps"
	printf '  lost            %d records (must be 0); softflowd %d flows\n' \
	    "$((sent - stored))" "$((exported - nfflows))"
	printf '  on the wire     %.1f bytes a record, %.1f a packet\n' \
	    "$(echo "$wire / $sent" | bc -l)" "$(echo "$wire / $packets" | bc -l)"
	[ "$sent" -eq "$stored" ] ||
	    run_fail="$run_fail ncagentd ($_c): $((sent - stored)) records lost;"
}
summary=""
round=1
while [ "$round" -le "$ROUNDS" ]; do
	[ "$ROUNDS" -eq 1 ] || echo "== round $round of $ROUNDS"
	sf_run
	line=$(printf '%5d %10.0f' "$round" "$fpps")
	for c in $COMPRESSIONS; do
		ncap_run "$c"
		line="$line $(printf '%10.0f %5.2f' "$pps" \
		    "$(echo "$pps / $fpps" | bc -l)")"
	done
	summary="$summary$line
"
	round=$((round + 1))
done
if [ "$ROUNDS" -gt 1 ]; then
	echo "-- $ROUNDS rounds, packets/s; each ratio to the softflowd run before it"
	printf 'round  softflowd'
	for c in $COMPRESSIONS; do
		printf ' %10s ratio' "$c"
	done
	printf '\n%s' "$summary"
	# the median of each compression's ratios (columns 4, 6, ...)
	i=4
	for c in $COMPRESSIONS; do
		printf '%s\n' "$summary" | awk -v col=$i 'NF { print $col }' |
		    sort -n | awk -v c="$c" '{ r[NR] = $1 } END {
			if (NR % 2) m = r[(NR + 1) / 2]
			else m = (r[NR / 2] + r[NR / 2 + 1]) / 2
			printf "median ratio %s  %.2f (of %d: %.2f to %.2f)\n",
			    c, m, NR, r[1], r[NR] }'
		i=$((i + 2))
	done
fi

# -- what ncagentd costs on disk
strip -o "$B/ncagentd.stripped" ncagentd/ncagentd
printf 'stripped size     %d bytes (obj/bench/ncagentd.stripped; %s %d)\n' \
    "$(wc -c <"$B/ncagentd.stripped")" "the build's:" \
    "$(wc -c <ncagentd/ncagentd)"
loadavg "at end"

[ -z "$run_fail" ] || fail "$run_fail"
[ "$nfmissing" -eq 0 ] ||
    fail "nfcapd has $nfmissing flows fewer than softflowd sent"
