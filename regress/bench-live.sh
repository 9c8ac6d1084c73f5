#!/bin/sh
# make bench-live: the mix of make bench, sent by tcpreplay into one end
# of a veth pair at a series of rates while softflowd, then ncagentd
# once with each compression it has, each in its own run, captures on
# the other end; for each rate, the rate tcpreplay reached, what the
# capture saw and what the kernel dropped, and the capture's peak memory;
# for ncagentd also its memory before any traffic (the ring and each
# process's libraries), which the rest of its peak adds to.
# All of it runs in a network namespace made for it, with no address on
# the veth and IPv6 off, so that the capture sees tcpreplay's frames and
# nothing else and none of them leaves; the namespace and every process
# in it go at exit, however it ends.
# Figures, not a test: it fails, saying why, when a tool is missing or a
# step fails.
#
#	PACKETS=N	frames in the capture replayed (default 300000)
#	RATES="R..."	packets a second asked of tcpreplay, topspeed for as
#			fast as it goes (default 50000 100000 200000 300000
#			topspeed)
#	NETFLOW=N	softflowd's NetFlow version (default 9)
#	COMPRESSIONS=LIST  the sensor's compressions to run, in turn
#			(default "zlib zstd")
set -eu
root=$1
cd "$root"
. regress/benchlib.sh
PACKETS=${PACKETS:-300000}
RATES=${RATES:-50000 100000 200000 300000 topspeed}
NETFLOW=${NETFLOW:-9}
COMPRESSIONS=${COMPRESSIONS:-zlib zstd}
SYNC=${SYNC:-}
need ip tcpreplay softflowd softflowctl nfcapd bc python3
[ "$(id -u)" -eq 0 ] || fail "network namespaces need root"
[ -x ncagentd/ncagentd ] && [ -x nccollectd/nccollectd ] &&
    [ -x ncctl/ncctl ] || fail "the programs are not built: make"
bench_dir
bench_capture "$PACKETS"
L=$B/live
rm -rf "$L"
mkdir -p "$L"
PORT=4200
NFPORT=9995

ns=ncap-bench$$
pids=""
cleanup() {
	# ip netns pids finds what ip netns exec started, and its children
	for p in $pids $(ip netns pids "$ns" 2>/dev/null); do
		kill -KILL "$p" 2>/dev/null || :
	done
	ip netns del "$ns" 2>/dev/null || :
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
ip netns add "$ns" || fail "cannot make a network namespace"
# a command in the namespace; what runs in the background is started
# with ip netns exec itself, which execs it, so that $! is its pid and
# not a subshell's
inns() { ip netns exec "$ns" "$@"; }
# no IPv6, so that the veth's ends send no router solicitation or
# neighbour discovery of their own; without an address they send no ARP
inns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 ||
    fail "cannot turn IPv6 off in $ns"
ip link add vb0 netns "$ns" type veth peer name vb1 netns "$ns" ||
    fail "cannot make a veth pair in $ns"
for i in lo vb0 vb1; do
	ip -n "$ns" link set "$i" up
done

# rx: the frames vb1 has received, whoever captures them
rx() {
	inns cat /sys/class/net/vb1/statistics/rx_packets
}

# started WHAT LOG CMD...: once CMD succeeds, within 5 s, or fail saying
# that WHAT did not start and the end of its LOG
started() {
	_what=$1
	_log=$2
	shift 2
	_n=50
	until "$@" >/dev/null 2>&1; do
		[ "$_n" -gt 0 ] || fail "$_what did not start: $(tail -5 "$_log")"
		sleep 0.1
		_n=$((_n - 1))
	done
}

# settle CMD...: until CMD, a count of packets a capture has dealt with,
# has not changed for a second (ncagentd pauses while its crypto child
# catches up): it has read what the kernel holds for it.  At most 30 s.
settle() {
	_last=-1
	_same=0
	_n=0
	while [ $_same -lt 2 ] && [ $_n -lt 60 ] && _now=$("$@"); do
		if [ "$_now" = "$_last" ]; then
			_same=$((_same + 1))
		else
			_same=0
		fi
		_last=$_now
		_n=$((_n + 1))
		sleep 0.5
	done
}

# replay RATE: tcpreplay sends the capture into vb0 at RATE packets a
# second or at topspeed, the file in memory first (--preload-pcap) so
# that reading it does not slow the fast rates; sets sent, the packets
# it sent, and reached, the rate it reached
replay() {
	case $1 in
	topspeed)	_r=--topspeed ;;
	*)		_r=--pps=$1 ;;
	esac
	inns tcpreplay -i vb0 --preload-pcap "$_r" "$cap" \
	    >"$L/tcpreplay.log" 2>&1 ||
	    fail "tcpreplay failed: $(cat "$L/tcpreplay.log")"
	# "Actual: 300000 packets (26243678 bytes) sent in 6.00 seconds"
	# "Rated: 4373451.4 Bps, 34.98 Mbps, 49994.34 pps"
	sent=$(awk '$1 == "Actual:" { print $2 }' "$L/tcpreplay.log")
	reached=$(awk '$1 == "Rated:" { print $6 }' "$L/tcpreplay.log")
	[ -n "$sent" ] && [ -n "$reached" ] ||
	    fail "tcpreplay did not say what it sent: $(cat "$L/tcpreplay.log")"
}

# row ASKED REACHED SENT RX SEEN DROPS KB PSS [LOST B/REC PAUSED]: a
# line of a table, with what vb1 received that the capture neither saw
# nor was told the kernel dropped (still in its ring as it stopped);
# thead [...]: its head, the sensor's three columns named
row() {
	printf '  %-9s %9.0f %8d %8d %8d %8d %8d %8d %8d %6s %6s %9s\n' \
	    "$1" "$2" "$3" "$4" "$5" "$6" "$(($4 - $5 - $6))" "$7" "$8" \
	    "${9:-}" "${10:-}" "${11:-}"
}
thead() {
	printf '  %-9s %9s %8s %8s %8s %8s %8s %8s %8s %6s %6s %9s\n' \
	    "asked" "reached" "sent" "on vb1" "seen" "dropped" "missed" \
	    "peak kB" "Pss kB" "${1:-}" "${2:-}" "${3:-}"
}

# sfstat WHAT: a number from softflowctl statistics, "WHAT: N ..."
sfstat() {
	softflowctl -c "$L/softflowd.ctl" statistics >"$L/sfstat" 2>&1 ||
	    return 1
	sed -n "s/^ *$1: *\([0-9]*\).*/\1/p" "$L/sfstat"
}
sfseen() {
	echo $(($(sfstat "Packets processed") + $(sfstat "Ignored packets")))
}

# softflowd RATE: softflowd -i vb1 exporting to an nfcapd on the
# namespace's loopback while tcpreplay sends at RATE; one row
softflowd_run() {
	rm -rf "$L/nfcapd" "$L/softflowd.ctl"
	mkdir -p "$L/nfcapd"
	ip netns exec "$ns" nfcapd -w "$L/nfcapd" -b 127.0.0.1 \
	    -p "$NFPORT" -B 8388608 -t 3600 -C none >"$L/nfcapd.log" 2>&1 &
	npid=$!
	pids="$pids $npid"
	started nfcapd "$L/nfcapd.log" grep -q "^Startup nfcapd" "$L/nfcapd.log"
	# -B: the 4 MB of ring ncagentd asks for, to compare like with like
	ip netns exec "$ns" softflowd -d -i vb1 -n "127.0.0.1:$NFPORT" \
	    -v "$NETFLOW" -B 4194304 -c "$L/softflowd.ctl" \
	    >"$L/softflowd.log" 2>&1 &
	fpid=$!
	pids="$pids $fpid"
	started softflowd "$L/softflowd.log" sfstat "Packets processed"
	: >"$L/mem"
	sample "$L/mem" "$fpid" &
	wpid=$!
	pids="$pids $wpid"
	rx0=$(rx)
	replay "$1"
	settle sfseen
	seen=$(sfseen)
	drops=$(($(sfstat "Packets dropped by libpcap") +
	    $(sfstat "Packets dropped by interface")))
	# a graceful stop: softflowd exports what it still holds
	softflowctl -c "$L/softflowd.ctl" shutdown >/dev/null 2>&1 ||
	    fail "softflowctl shutdown failed"
	# softflowd 1.1.0 exits 1 when stopped this way: its log says
	# whether it stopped as asked
	wait "$fpid" || :
	grep -q "Shutting down on user request" "$L/softflowd.log" ||
	    fail "softflowd failed: $(cat "$L/softflowd.log")"
	# what softflowd sent as it stopped is in nfcapd's socket by now
	sleep 0.5
	kill -TERM "$npid" 2>/dev/null || :
	wait "$npid" || fail "nfcapd failed ($?): $(cat "$L/nfcapd.log")"
	wait "$wpid"
	row "$1" "$reached" "$sent" "$(($(rx) - rx0))" "$seen" "$drops" \
	    "$(daemonkb softflowd "$L/mem")" "$(daemonpss softflowd "$L/mem")"
}

# ncseen: packets the sensor has read, from ncctl show stats
ncseen() {
	./ncctl/ncctl -s "$L/sensor.sock" show stats |
	    awk '$1 == "packets" { print $2; ok = 1 } END { exit !ok }'
}

# ncagentd RATE: ncagentd -i vb1 sending to nccollectd on the
# namespace's loopback while tcpreplay sends at RATE; one row
ncagentd_run() {
	rm -rf "$L/spool"
	ip netns exec "$ns" ./nccollectd/nccollectd -d -f "$L/nccollectd.conf" \
	    >"$L/collector.log" 2>&1 &
	cpid=$!
	pids="$pids $cpid"
	started nccollectd "$L/collector.log" \
	    ./ncctl/ncctl -s "$L/collector.sock" show stats
	ip netns exec "$ns" ./ncagentd/ncagentd -d -f "$L/ncagentd.conf" \
	    >"$L/sensor.log" 2>&1 &
	spid=$!
	pids="$pids $spid"
	started ncagentd "$L/sensor.log" ncseen
	# before any traffic: the ring, and each process's libraries
	sampletree "$spid" >"$L/mem0"
	[ -n "${idlekb:-}" ] || idlekb=$(daemonkb ncagentd "$L/mem0")
	: >"$L/mem"
	sample "$L/mem" "$spid" &
	wpid=$!
	pids="$pids $wpid"
	rx0=$(rx)
	replay "$1"
	settle ncseen
	kill -TERM "$spid" 2>/dev/null || :
	wait "$spid" || fail "ncagentd failed: $(tail -5 "$L/sensor.log")"
	kill -TERM "$cpid" 2>/dev/null || :
	wait "$cpid" || fail "nccollectd failed: $(tail -5 "$L/collector.log")"
	wait "$wpid"
	# as it exits the sensor logs what it read and the kernel's drops;
	# lost: records made that were not stored, what a queue too small
	# for the collector's pace drops (queue-dropped), if anything
	lost=$(($(typesum "$L/sensor.log" records) -
	    $(totals "$L/collector.log" records)))
	# B/rec: bytes on the wire a record; paused ms: how long the
	# capture process stopped reading, waiting for the crypto process
	brec=$(printf '%.1f' "$(echo "$(totals "$L/sensor.log" wire-bytes) / \
	    $(typesum "$L/sensor.log" sent)" | bc -l)")
	row "$1" "$reached" "$sent" "$(($(rx) - rx0))" \
	    "$(totals "$L/sensor.log" packets)" \
	    "$(totals "$L/sensor.log" pcap-drops)" \
	    "$(daemonkb ncagentd "$L/mem")" "$(daemonpss ncagentd "$L/mem")" \
	    "$lost" "$brec" "$(totals "$L/sensor.log" paused-ms)"
}

header "make bench-live, $PACKETS frames at $RATES"
echo "softflowd -i vb1, NetFlow v$NETFLOW to nfcapd (peak kB, Pss kB: softflowd):"
thead
for r in $RATES; do
	softflowd_run "$r"
done
for c in $COMPRESSIONS; do
	ncap_conf "$L" "$PORT" 'interface "vb1"' "compression $c"
	echo "ncagentd -i vb1 to nccollectd, compression $c (peak kB, Pss kB:" \
	    "all ncagentd processes):"
	thead lost B/rec "paused ms"
	idlekb=
	for r in $RATES; do
		ncagentd_run "$r"
	done
	echo "  peak kB before any traffic (the first run): $idlekb"
done
loadavg "at end"
