#!/bin/sh
#
# Copyright (c) 2026 The ncap developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#

# Every record stored exactly once through faults, end to end: a real
# ncagentd replaying (-r) a genbig.py capture to a real nccollectd,
# while
#
#  1. sigterm: the collector is stopped twice with SIGTERM in the
#     middle of the replay, and started again on the same spool and
#     port a little later;
#  2. sigkill: every collector process is killed twice;
#  3. loss: 5 % of the datagrams and 5 % of the acks are dropped
#     (nftables, numgen) on a veth pair between two network
#     namespaces, for a replay, and for live capture (live-loss) of
#     frames sent into a second veth pair;
#  4. relay: a relay duplicates 5 % and holds back 5 % each way;
#  5. fulldisk: the spool, a small tmpfs, fills up, and is grown once
#     the collector has failed to write.
#
# The reference is a fault-free run of the same capture: `ncctl dump
# -j` of every spool file, a multiset of lines per record type
# (multiset.py).  Each fault run must have the same, per type and in
# all.  Each scenario says, in one comment line, what was sent,
# stored, duplicated, lost and resent, and the counters that show
# what happened.  -w makes a sensor that stops progressing exit 1.
. "$REGRESS/integration/lib.sh"

FRAMES=300000		# of the replays
LIVE=10000		# frames sent into the live sensor's interface,
RATE=5000		# that many a second
W=20			# -w, and a bound on each wait here
if [ -n "${NCAP_SANITIZER:-}" ]; then
	FRAMES=150000
	LIVE=4000
	RATE=1500
	W=60
fi

NSS=ncfS$$		# the sensor's network namespace
NSC=ncfC$$		# the collector's
NETNS=""
TMPFS=""
faults_cleanup() {
	# children first, by their parent's pid, while it still has them
	kill_pids
	for _ns in $NETNS; do
		ip netns pids "$_ns" 2>/dev/null | xargs -r kill -KILL
		ip netns del "$_ns"
	done
	[ -z "$TMPFS" ] || tmpfs_release
	cleanup
}
trap faults_cleanup EXIT
trap 'exit 1' HUP INT TERM


# ge SOCK EXPR N: the collector's value is at least N
ge() { _v=$(jstat "$1" "$2") && [ "$_v" -ge "$3" ]; }

# a collector starts with collect and stops with stop_collector
# (lib.sh); ckill DIR: SIGKILL to the collector and its children at once, and
# its counters just before beside its log, since it writes no totals
ckill() {
	_s=$(jstat "$1/ctl.sock" '"totals: gaps %d journal-cut %d repeat %d " \
	    "old %d write %d" % (j["gaps"], j["journal-cut"], \
	    j["dropped"]["repeat"], j["dropped"]["old"], j["dropped"]["write"])')
	kill_all "$CPID"
	echo "$_s" >"$CLOG.snap"
}
# csum DIR NAME: a counter over every collector of DIR, from its totals
# or, killed, from what it said just before
csum() {
	for _l in "$1"/collector.*.log; do
		if grep -q "totals:" "$_l"; then
			total "$_l" "$2"
		elif [ -f "$_l.snap" ]; then
			total "$_l.snap" "$2"
		fi
	done | awk '{ s += $1 } END { print s + 0 }'
}
# jcut DIR|LOG: the bytes the journal cut off at start, over all
jcut() {
	if [ -d "$1" ]; then cat "$1"/collector.*.log; else cat "$1"; fi |
	    sed -n 's/.*journal: cut \([0-9]*\) bytes off.*/\1/p' |
	    awk '{ s += $1 } END { print s + 0 }'
}

# sconf DIR NAME ADDR PORT [lines]: a sensor of the collector there
sconf() {
	_keep=$CPORT
	CPORT=$4
	sensor_conf "$1" "$2" "${5:-}"
	CPORT=$_keep
	sed -i "s/^collector 127\.0\.0\.1 /collector $3 /" "$1/ncagentd.conf"
}
# replay DIR PCAP [NETNS]: ncagentd -r PCAP -w W in the background: SPID
replay() {
	${3:+ip netns exec "$3"} "$NCAGENTD" -d -v -f "$1/ncagentd.conf" \
	    -r "$2" -w "$W" >"$1/sensor.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
}

# records SPOOL OUT [notime]: every record of every .ncap file under
# SPOOL, the header line left out, in OUT/TYPE sorted, by the type its
# header names; notime: without the time stamp, for live captures
records() {
	rm -rf "$2"
	mkdir -p "$2"
	# two dumps at a time, a file of JSON lines each
	find "$1" -name '*.ncap' -size +0 | sort | xargs -r -n 1 -P 2 sh -c '
	    o=$1/$(echo "$3" | tr / _)
	    "$2" dump -j "$3" >"$o.json" 2>"$o.err" ||
		echo "# $3 does not read: $(cat "$o.err")"' sh "$2" "$NCCTL" \
	    >"$2/errors"
	if [ -s "$2/errors" ]; then
		cat "$2/errors"
		return 1
	fi
	for _f in "$2"/*.json; do
		[ -e "$_f" ] || continue
		_t=$(head -1 "$_f" |
		    sed -n 's/.*"record_type":"\([A-Za-z0-9]*\)".*/\1/p')
		if [ "${3:-}" = notime ]; then
			tail -n +2 "$_f" | sed 's/^{"timestamp":[0-9]*,/{/'
		else
			tail -n +2 "$_f"
		fi >>"$2/$_t.all"
		rm "$_f"
	done
	rm -f "$2"/*.err "$2/errors"
	for _f in "$2"/*.all; do
		[ -e "$_f" ] || continue
		LC_ALL=C sort -o "${_f%.all}" "$_f"
		rm "$_f"
	done
}

# verdict NAME REF RUN SENSORLOG COUNTERS...: RUN's records against
# REF's, the comment line, and what every scenario checks
verdict() {
	_v=$1
	_run=$3
	_log=$4
	"$PYTHON" "$REGRESS/integration/multiset.py" "$2" "$_run" >"$_run.cmp"
	shift 4
	_ctr=$*
	# ref run duplicated lost foreign
	set -- $(awk '$1 == "total" { print $3, $5, $7, $9, $11 }' "$_run.cmp")
	_sent=$(tsum "$_log" sent)
	echo "# $_v: sent $_sent stored $2 duplicated $3 lost $4 resent" \
	    "$(total "$_log" resent) $_ctr"
	is "$3" 0 "$_v: no record is stored twice"
	is "$4" 0 "$_v: no record of the reference is missing"
	is "$5" 0 "$_v: no record the reference does not have"
	is "$(awk '$1 != "total" && $7 + $9 + $11 > 0 { printf "%s ", $1 }' \
	    "$_run.cmp")" "" "$_v: per type, the records are the reference's"
	is "$_sent" "$1" \
	    "$_v: the sensor sent each record of the reference once"
	[ "$fails" -eq 0 ] || grep -v '^total' "$_run.cmp" | sed 's/^/#   /'
	echo "# $_v: $(($(date +%s) - t0)) s since the start"
}

# -- the capture, and the reference: a run without faults
"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" "$FRAMES" 5 >/dev/null
t0=$(date +%s)
P=$(free_port)
collect "$T/ref" 127.0.0.1 "$P" "$T/keys" || exit 1
sconf "$T/ref/s" ref 127.0.0.1 "$P"
replay "$T/ref/s" "$T/big.pcap"
wait "$SPID"
is $? 0 "reference: the replay exits 0"
stop_collector
records "$T/ref/spool" "$T/ref.recs"
REFDG=$(total "$T/ref/s/sensor.log" datagrams)
REFREC=$(cat "$T/ref.recs"/* | wc -l)
rs=$(total "$T/ref/s/sensor.log" resent)
rep=$(csum "$T/ref" repeat)
echo "# reference: $FRAMES frames, $REFDG datagrams, $REFREC records," \
    "resent $rs repeat $rep gaps $(csum "$T/ref" gaps), in $(($(date +%s) - \
    t0)) s"
# a slow or busy run (the sanitizers) may resend: once stored, a repeat
check "reference: no more repeats than resends ($rep <= $rs)" \
    [ "$rep" -le "$rs" ]
check "reference: its records are those the sensor sent" \
    [ "$REFREC" -eq "$(tsum "$T/ref/s/sensor.log" sent)" ]

# midway SOCK N: the collector stored N datagrams, or the replay ended
midway() { gone "$SPID" || ge "$1" 'j["batches"]' "$2"; }

# restarts NAME HOW: the replay, and twice, once the collector has
# stored a fifth of the reference's datagrams, HOW (stop_collector or
# ckill) and a new collector on the same spool and port a little later
restarts() {
	_rd=$T/$1
	P=$(free_port)
	collect "$_rd" 127.0.0.1 "$P" "$T/keys" || return 1
	sconf "$_rd/s" "$1" 127.0.0.1 "$P"
	replay "$_rd/s" "$T/big.pcap"
	for _rr in 1 2; do
		if ! until_ok "$W" midway "$_rd/ctl.sock" $((REFDG / 5)); then
			notok "$1 $_rr: the collector stores a fifth of" \
			    "the datagrams"
			return 1
		fi
		check "$1 $_rr: the replay runs" eval '! gone "$SPID"'
		$2 "$_rd"
		_rc=$?
		[ "$2" = stop_collector ] &&
		    is $_rc 0 "$1 $_rr: the collector exits 0"
		sleep 0.$((4 + _rr * 2))
		collect "$_rd" 127.0.0.1 "$P" "$T/keys" || return 1
		check "$1 $_rr: the new collector restores the session" \
		    grep -q "journal: [1-9][0-9]* sessions of 1 sensor keys" \
		    "$CLOG"
	done
	wait "$SPID"
	is $? 0 "$1: the replay exits 0"
	stop_collector
	is $? 0 "$1: the last collector exits 0"
	records "$_rd/spool" "$_rd/recs"
}

# -- 1. SIGTERM
d=$T/sigterm
L=$d/s/sensor.log
if restarts sigterm stop_collector; then
	rs=$(total "$L" resent)
	rep=$(csum "$d" repeat)
	verdict sigterm "$T/ref.recs" "$d/recs" "$L" "repeat $rep old" \
	    "$(csum "$d" old) gaps $(csum "$d" gaps) journal-cut $(jcut "$d")" \
	    "send-errors $(total "$L" send-errors) collectors $(ls "$d" |
	    grep -c '^collector\.[0-9]*\.log$')"
	check "sigterm: the sensor sent again what was missed ($rs)" \
	    [ "$rs" -gt 0 ]
	check "sigterm: repeats are at most the resends ($rep <= $rs)" \
	    [ "$rep" -le "$rs" ]
	is "$(jcut "$d")" 0 \
	    "sigterm: a collector that stopped left nothing to cut"
fi

# -- 2. SIGKILL of every collector process
d=$T/sigkill
L=$d/s/sensor.log
if restarts sigkill ckill; then
	rs=$(total "$L" resent)
	rep=$(csum "$d" repeat)
	jc=$(jcut "$d")
	verdict sigkill "$T/ref.recs" "$d/recs" "$L" "repeat $rep old" \
	    "$(csum "$d" old) gaps $(csum "$d" gaps) journal-cut $jc" \
	    "send-errors $(total "$L" send-errors) collectors $(ls "$d" |
	    grep -c '^collector\.[0-9]*\.log$')"
	check "sigkill: the sensor sent again what was missed ($rs)" \
	    [ "$rs" -gt 0 ]
	# what a kill leaves to cut or to repeat depends on where it falls:
	# between a journal entry and the next write, nothing.  That the
	# kills happened mid-stream is checked above (the replay runs); that
	# nothing was lost or stored twice, by the verdict.
	if [ $((jc + rep)) -gt 0 ]; then
		ok "sigkill: the kills show: journal-cut $jc, repeat $rep"
	else
		skip "sigkill: both kills fell between writes (journal-cut 0," \
		    "repeat 0)"
	fi
	check "sigkill: repeats are at most the resends ($rep <= $rs)" \
	    [ "$rep" -le "$rs" ]
	is "$(total "$d/collector.3.log" journal-cut)" \
	    "$(jcut "$d/collector.3.log")" \
	    "sigkill: the last collector counts the bytes it cut at start"
fi

# -- 3. 5 % loss each way on a veth pair between two network namespaces
# netns_up: the sensor's namespace NSS, 192.0.2.1 on vS, and inj0 and
# inj1, a veth pair whose frames nothing else sends (no address, no
# IPv6); the collector's NSC, 192.0.2.2 on vC; in each, nftables drops
# 5 % of what comes in to or from the collector's port LP
LP=4300
netns_up() {
	ip netns add "$NSS" 2>"$T/netns.err" || return 1
	NETNS=$NSS
	ip netns add "$NSC" 2>"$T/netns.err" || return 1
	NETNS="$NSS $NSC"
	for _ns in $NETNS; do
		ip netns exec "$_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		    net.ipv6.conf.default.disable_ipv6=1 || return 1
	done
	ip link add vS netns "$NSS" type veth peer name vC netns "$NSC" &&
	    ip link add inj0 netns "$NSS" type veth peer name inj1 \
	    netns "$NSS" &&
	    ip -n "$NSS" addr add 192.0.2.1/24 dev vS &&
	    ip -n "$NSC" addr add 192.0.2.2/24 dev vC || return 1
	for _l in lo vS inj0 inj1; do
		ip -n "$NSS" link set "$_l" up || return 1
	done
	for _l in lo vC; do
		ip -n "$NSC" link set "$_l" up || return 1
	done
	lossy "$NSC" dport && lossy "$NSS" sport
}
# lossy NETNS dport|sport: 5 % of the UDP datagrams to or from LP
# dropped as they come in
lossy() {
	ip netns exec "$1" nft -f - <<EON 2>"$T/netns.err"
table inet ncloss {
	chain in {
		type filter hook input priority 0; policy accept;
		udp $2 $LP numgen random mod 100 < 5 counter drop
	}
}
EON
}
# dropped NETNS: what its rule dropped so far
dropped() {
	ip netns exec "$1" nft list table inet ncloss |
	    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}

if [ "$(id -u)" -ne 0 ]; then
	why="not root"
elif ! command -v nft >/dev/null 2>&1; then
	why="no nft (etc/setup.sh installs nftables)"
elif ! netns_up; then
	why="namespaces or nftables unavailable: $(cat "$T/netns.err")"
else
	why=""
fi
if [ -n "$why" ]; then
	skip "loss: $why"
	skip "live-loss: $why"
else
	# a replay from one namespace to the other
	d=$T/loss
	collect "$d" 192.0.2.2 "$LP" "$T/keys" "$NSC" || exit 1
	sconf "$d/s" loss 192.0.2.2 "$LP"
	replay "$d/s" "$T/big.pcap" "$NSS"
	wait "$SPID"
	is $? 0 "loss: the replay exits 0"
	stop_collector
	is $? 0 "loss: the collector exits 0"
	dd=$(dropped "$NSC")
	da=$(dropped "$NSS")
	L=$d/s/sensor.log
	rs=$(total "$L" resent)
	rep=$(csum "$d" repeat)
	records "$d/spool" "$d/recs"
	verdict loss "$T/ref.recs" "$d/recs" "$L" "datagrams-dropped $dd" \
	    "acks-dropped $da repeat $rep old $(csum "$d" old) gaps $(csum \
	    "$d" gaps)"
	check "loss: datagrams were lost on the way ($dd)" [ "$dd" -gt 0 ]
	check "loss: each datagram lost was sent again ($rs >= $dd)" \
	    [ "$rs" -ge "$dd" ]
	check "loss: repeats are at most the resends ($rep <= $rs)" \
	    [ "$rep" -le "$rs" ]

	# live: the sensor captures on inj1 what is sent into inj0, and
	# sends it across the lossy pair; its reference is a replay of the
	# same frames, time stamps aside, without Connection records,
	# whose times are those of the capture
	"$PYTHON" "$CAPDIR/genbig.py" "$T/live.pcap" "$LIVE" 9 >/dev/null
	P=$(free_port)
	collect "$T/lref" 127.0.0.1 "$P" "$T/keys" || exit 1
	sconf "$T/lref/s" lref 127.0.0.1 "$P" "connection-table-size 0"
	replay "$T/lref/s" "$T/live.pcap"
	wait "$SPID"
	is $? 0 "live-loss: the reference replay exits 0"
	stop_collector
	records "$T/lref/spool" "$T/lref.recs" notime
	d=$T/live
	collect "$d" 192.0.2.2 "$LP" "$T/keys" "$NSC" || exit 1
	sconf "$d/s" live 192.0.2.2 "$LP" 'interface "inj1"
connection-table-size 0'
	dd0=$(dropped "$NSC")
	da0=$(dropped "$NSS")
	ip netns exec "$NSS" "$NCAGENTD" -d -v -f "$d/s/ncagentd.conf" \
	    >"$d/s/sensor.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	L=$d/s/sensor.log
	until_ok "$W" grep -qs "capture started" "$L"
	check "live-loss: the sensor captures on inj1" \
	    grep -q "capture started" "$L"
	sent=$(ip netns exec "$NSS" "$PYTHON" "$REGRESS/integration/inject.py" \
	    inj0 "$T/live.pcap" "$RATE")
	is "$sent" "$LIVE" "live-loss: $LIVE frames sent into inj0"
	check "live-loss: the sensor saw them all" until_ok "$W" \
	    ge "$d/s/ctl.sock" 'j["packets"]' "$LIVE"
	kill -TERM "$SPID"
	wait "$SPID"
	is $? 0 "live-loss: SIGTERM: the sensor sends the rest, and exits 0"
	stop_collector
	dd=$(($(dropped "$NSC") - dd0))
	da=$(($(dropped "$NSS") - da0))
	rs=$(total "$L" resent)
	rep=$(csum "$d" repeat)
	records "$d/spool" "$d/recs" notime
	verdict live-loss "$T/lref.recs" "$d/recs" "$L" "datagrams-dropped" \
	    "$dd acks-dropped $da repeat $rep gaps $(csum "$d" gaps)" \
	    "packets $(total "$L" packets) pcap-drops $(total "$L" pcap-drops)"
	is "$(total "$L" packets) $(total "$L" pcap-drops)" "$LIVE 0" \
	    "live-loss: the sensor captured every frame, none dropped"
	check "live-loss: datagrams were lost on the way ($dd)" [ "$dd" -gt 0 ]
	check "live-loss: each datagram lost was sent again ($rs >= $dd)" \
	    [ "$rs" -ge "$dd" ]
	check "live-loss: repeats are at most the resends ($rep <= $rs)" \
	    [ "$rep" -le "$rs" ]
fi

# -- 4. a relay that duplicates and reorders, both ways
d=$T/relay
P=$(free_port)
RP=$(free_port)
collect "$d" 127.0.0.1 "$P" "$T/keys" || exit 1
"$PYTHON" "$REGRESS/integration/relay.py" -d 0.05 -r 0.05 -s 7 \
    -o "$d/relay.json" "$RP" "$P" 2>"$d/relay.err" &
RPID=$!
PIDS="$PIDS $RPID"
until_ok "$W" grep -qs listening "$d/relay.err"
sconf "$d/s" relay 127.0.0.1 "$RP"
replay "$d/s" "$T/big.pcap"
wait "$SPID"
is $? 0 "relay: the replay exits 0"
kill -TERM "$RPID"
wait "$RPID"
is $? 0 "relay: the relay ends"
# what the relay sent is in the collector's socket: it reads it all
stop_collector
is $? 0 "relay: the collector exits 0"
rl() { "$PYTHON" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(j[sys.argv[2]][sys.argv[3]])' "$d/relay.json" "$1" "$2"; }
L=$d/s/sensor.log
rs=$(total "$L" resent)
nd=$(total "$L" datagrams)
rep=$(csum "$d" repeat)
old=$(csum "$d" old)
dup=$(rl data duplicated)
out=$(rl data out)
records "$d/spool" "$d/recs"
verdict relay "$T/ref.recs" "$d/recs" "$L" "repeat $rep old $old gaps \
$(csum "$d" gaps) relay-in $(rl data in) relay-out $out relay-duplicated \
$dup relay-held $(rl data held) acks-in $(rl acks in) acks-duplicated \
$(rl acks duplicated) acks-held $(rl acks held) acks-refused $(total "$L" \
acks-refused)"
check "relay: the relay duplicated some ($dup) and held some back ($(rl \
    data held))" [ "$dup" -gt 0 -a "$(rl data held)" -gt 0 ]
is "$(rl data in)" $((nd + rs)) \
    "relay: it had every datagram the sensor sent, and every resend"
is "$(csum "$d" kernel-drops)" 0 "relay: the collector's socket dropped none"
check "relay: the collector dropped repeats ($rep)" [ "$rep" -gt 0 ]
is $((rep + old)) $((out - nd)) \
    "relay: each copy past the first of a datagram is a repeat or old"
check "relay: at most its copies and the resends ($((rep + old)) <= $dup + $rs)" \
    [ $((rep + old)) -le $((dup + rs)) ]
is "$(total "$L" acks-refused)" 0 \
    "relay: acks duplicated or late are not refused"

# -- 5. a spool that fills up, and is grown
d=$T/fulldisk
mkdir -p "$d/spool"
refkb=$(du -sk "$T/ref/spool" | cut -f1)
if ! mount -t tmpfs -o "size=$((refkb / 3))k,mode=0750,uid=$(id -u \
    nobody),gid=$(id -g nobody)" tmpfs "$d/spool" 2>"$T/mount.err"; then
	skip "fulldisk: cannot mount a tmpfs: $(cat "$T/mount.err")"
else
	TMPFS=$d/spool
	P=$(free_port)
	collect "$d" 127.0.0.1 "$P" "$T/keys" || exit 1
	sconf "$d/s" fulldisk 127.0.0.1 "$P"
	replay "$d/s" "$T/big.pcap"
	check "fulldisk: the collector fails to write once the tmpfs is full" \
	    until_ok "$W" ge "$d/ctl.sock" 'j["dropped"]["write"]' 1
	check "fulldisk: the replay runs, waiting" eval '! gone "$SPID"'
	check "fulldisk: the collector says why: No space left on device" \
	    grep -q "write .*: No space left on device" "$CLOG"
	grep "No space left on device" "$CLOG" | sed -n '1,2s/^/# /p'
	mount -o "remount,size=$((refkb * 2))k" "$TMPFS"
	is $? 0 "fulldisk: the tmpfs grown to $((refkb * 2)) kB"
	wait "$SPID"
	is $? 0 "fulldisk: the replay exits 0"
	stop_collector
	is $? 0 "fulldisk: the collector exits 0"
	L=$d/s/sensor.log
	wr=$(csum "$d" write)
	rs=$(total "$L" resent)
	records "$d/spool" "$d/recs"
	verdict fulldisk "$T/ref.recs" "$d/recs" "$L" "write $wr repeat \
$(csum "$d" repeat) gaps $(csum "$d" gaps) tmpfs $((refkb / 3))k-$((refkb \
* 2))k"
	check "fulldisk: write drops counted ($wr)" [ "$wr" -gt 0 ]
	check "fulldisk: what was not written was sent again ($rs >= $wr)" \
	    [ "$rs" -ge "$wr" ]
fi
echo "# $(($(date +%s) - t0)) s"
finish
