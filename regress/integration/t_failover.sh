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

# A sensor with two collectors, A then B, each a real nccollectd with a
# spool and a key of its own, in a network namespace of the test's:
#
#  1. live, on a veth pair into which a genbig.py capture is sent at a
#     steady rate: A is killed (SIGKILL) midway, and the sensor moves
#     to B within failover-timeout and a little more; A is started
#     again on its spool, and a probe brings the sensor back to it
#     while traffic still comes (a probe is the next batch).
#     What A's and B's spools hold together is every record of a
#     replay of the same frames to one collector (time stamps aside),
#     with duplicates only as many as records were sent again (a
#     datagram A stored and did not get to acknowledge before it died
#     is sealed again for B), said in the comment line.  Neither
#     collector failed to authenticate a datagram: each got only what
#     was sealed for its own key.  ncctl show stats says which
#     collector is current and what each got, and the log says when
#     the sensor moved;
#  2. a replay whose first two collectors of three are not there at
#     all, with one collector-key shared by all: it fails over to the
#     second, then to the third, and exits 0, the third storing every
#     record of the reference.
#  3. failover-timeout reloads: a live sensor whose first collector is
#     not there stays on it with 1h, and moves on within seconds once
#     a reload says 1s.
. "$REGRESS/integration/lib.sh"

FRAMES=8000		# sent into the live sensor's interface,
RATE=1000		# that many a second: 8 s of traffic
FAILOVER=1		# failover-timeout, seconds
W=20			# a bound on each wait
if [ -n "${NCAP_SANITIZER:-}" ]; then
	FRAMES=4000
	RATE=500
fi

NS=ncfo$$
NETNS=""
failover_cleanup() {
	kill_pids
	for _ns in $NETNS; do
		ip netns pids "$_ns" 2>/dev/null | xargs -r kill -KILL
		ip netns del "$_ns"
	done
	[ -z "${KEEP:-}" ] || cp -r "$T" "$KEEP"; cleanup
}
trap failover_cleanup EXIT
trap 'exit 1' HUP INT TERM

# in_ns CMD...: CMD in the test's namespace
in_ns() { ip netns exec "$NS" "$@"; }
# ge_packets SOCK N: the sensor captured at least N frames
ge_packets() { _v=$(jstat "$1" 'j["packets"]') && [ "$_v" -ge "$2" ]; }
# current SOCK WANT: the sensor sends to the collector WANT ("HOST port P")
current() { [ "$(jstat "$1" 'j["collector"]')" = "$2" ]; }

# a collector: collect (lib.sh), in the namespace NS

# fosensor DIR NAME TIMEOUT IFACE KEYDIR PORT...: DIR/ncagentd.conf of
# sensor NAME, capturing on IFACE ("" for a replay), with collectors on
# 127.0.0.1 PORT, in that order, and failover-timeout TIMEOUT; KEYDIR
# holds the public key of them all, or is "" when each is PORT:KEYDIR
fosensor() {
	_d=$1 _name=$2 _to=$3 _if=$4 _key=$5
	shift 5
	mkdir -p "$_d"
	{
		echo "name \"$_name\""
		[ -z "$_if" ] || echo "interface \"$_if\""
		for _c; do
			if [ -n "$_key" ]; then
				echo "collector 127.0.0.1 port $_c"
			else
				echo "collector 127.0.0.1 port ${_c%%:*}" \
				    "key \"${_c#*:}/pub.key\""
			fi
		done
		[ -z "$_key" ] || echo "collector-key \"$_key/pub.key\""
		cat <<EOC
failover-timeout $_to
connection-table-size 0
user "nobody"
chroot "$T/empty"
flush-interval 200ms
socket "$_d/ctl.sock"
EOC
	} >"$_d/ncagentd.conf"
}
# live DIR: the sensor of DIR/ncagentd.conf in the namespace, once it
# captures: SPID
live() {
	ip netns exec "$NS" "$NCAGENTD" -d -v -f "$1/ncagentd.conf" \
	    >"$1/sensor.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	until_ok "$W" grep -qs "capture started" "$1/sensor.log"
}
# auth DIR: datagrams DIR's collectors failed to authenticate, from
# their totals lines
auth() {
	for _l in "$1"/collector.*.log; do
		grep -q "totals:" "$_l" && total "$_l" auth
	done | awk '{ s += $1 } END { print s + 0 }'
}

# records SPOOL... OUT: every record of every .ncap file under each
# SPOOL, time stamps left out (live and replayed times differ), in
# OUT/TYPE, sorted, by the type its header names
records() {
	_out=$(eval echo "\${$#}")
	rm -rf "$_out"
	mkdir -p "$_out"
	while [ $# -gt 1 ]; do
		for _f in $(find "$1" -name '*.ncap' -size +0 | sort); do
			"$NCCTL" dump -j "$_f" >"$_out/dump" || return 1
			_t=$(head -1 "$_out/dump" | sed -n \
			    's/.*"record_type":"\([A-Za-z0-9]*\)".*/\1/p')
			tail -n +2 "$_out/dump" |
			    sed 's/^{"timestamp":[0-9]*,/{/' >>"$_out/$_t.all"
		done
		shift
	done
	rm -f "$_out/dump"
	for _f in "$_out"/*.all; do
		[ -e "$_f" ] || continue
		LC_ALL=C sort -o "${_f%.all}" "$_f"
		rm "$_f"
	done
}
# failed_over LOG FROM TO: the sensor's log says it left FROM for TO
failed_over() {
	grep -q "collector $2: no ack in $((FAILOVER * 1000)) ms, failing over to $3," \
	    "$1"
}
# coll LOG NAME: a counter of the sensor's "collectors:" line
coll() { sed -n "s/.*collectors:.* $2 \([0-9][0-9]*\).*/\1/p" "$1"; }
# compare NAME REF RUN: multiset.py's total line, as "ref run
# duplicated lost foreign"
compare() {
	"$PYTHON" "$REGRESS/integration/multiset.py" "$2" "$3" >"$3.cmp"
	awk '$1 == "total" { print $3, $5, $7, $9, $11 }' "$3.cmp"
}

# the namespace: its loopback for the collectors, inj0 -> inj1 for the
# frames the sensor captures
ns_up() {
	ip netns add "$NS" 2>"$T/netns.err" || return 1
	NETNS=$NS
	in_ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 2>>"$T/netns.err" &&
	    ip link add inj0 netns "$NS" type veth peer name inj1 \
	    netns "$NS" 2>>"$T/netns.err" || return 1
	for _l in lo inj0 inj1; do
		ip -n "$NS" link set "$_l" up 2>>"$T/netns.err" || return 1
	done
}
if [ "$(id -u)" -ne 0 ]; then
	skip "failover: not root"
	finish
	exit
elif ! ns_up; then
	skip "failover: no network namespace: $(cat "$T/netns.err")"
	finish
	exit
fi

"$NCCTL" keygen "$T/ka" >/dev/null && "$NCCTL" keygen "$T/kb" >/dev/null ||
    { echo "Bail out! keygen"; exit 1; }
"$PYTHON" "$CAPDIR/genbig.py" "$T/live.pcap" "$FRAMES" 13 >/dev/null

# -- the reference: the same frames replayed to one collector
P=$(free_port)
collect "$T/ref" 127.0.0.1 "$P" "$T/ka" "$NS" || exit 1
RPID=$CPID
CPORT=$P
sensor_conf "$T/ref/s" ref "connection-table-size 0"
sed -i "s#^collector-key .*#collector-key \"$T/ka/pub.key\"#" \
    "$T/ref/s/ncagentd.conf"
in_ns "$NCAGENTD" -d -v -f "$T/ref/s/ncagentd.conf" -r "$T/live.pcap" \
    >"$T/ref/s/sensor.log" 2>&1
is $? 0 "reference: the replay exits 0"
kill -TERM "$RPID"
wait "$RPID"
records "$T/ref/spool" "$T/ref.recs"
REFREC=$(cat "$T/ref.recs"/* | wc -l)
check "reference: its records are those the sensor sent ($REFREC)" \
    [ "$REFREC" -eq "$(tsum "$T/ref/s/sensor.log" sent)" ]

# -- 1. live: A killed, B takes over, A back, the sensor back to A
t0=$(date +%s)
PA=$(free_port)
PB=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
A="127.0.0.1 port $PA"
B="127.0.0.1 port $PB"
collect "$T/a" 127.0.0.1 "$PA" "$T/ka" "$NS" || exit 1
APID=$CPID
collect "$T/b" 127.0.0.1 "$PB" "$T/kb" "$NS" || exit 1
BPID=$CPID
d=$T/s
fosensor "$d" fo "${FAILOVER}s" inj1 "" "$PA:$T/ka" "$PB:$T/kb"
in_ns "$NCAGENTD" -nn -f "$d/ncagentd.conf" >"$d/printed" 2>&1
is $? 0 "-n: the configuration of two collectors is valid"
is "$(grep -c '^collector ' "$d/printed")" 2 \
    "-n: both collectors printed, with their keys"
sed "s#$T/kb/pub.key#$T/kb/none.pub#" "$d/ncagentd.conf" >"$d/nokey.conf"
in_ns "$NCAGENTD" -n -f "$d/nokey.conf" >"$d/nokey.out" 2>&1
check "-n: refused when the second collector's key file is missing" \
    [ $? -ne 0 ]
check "-n: saying which" grep -q "collector key: $T/kb/none.pub: No such" \
    "$d/nokey.out"
live "$d"
L=$d/sensor.log
check "the sensor captures on inj1, sending to A" current "$d/ctl.sock" "$A"
ip netns exec "$NS" "$PYTHON" "$REGRESS/integration/inject.py" inj0 \
    "$T/live.pcap" "$RATE" >"$T/sent" &
GEN=$!
PIDS="$PIDS $GEN"

# a fifth of the frames, then A dies
until_ok "$W" ge_packets "$d/ctl.sock" $((FRAMES / 5))
kill_all "$APID"
tk=$(date +%s.%N)
until_ok "$W" current "$d/ctl.sock" "$B"
tf=$(date +%s.%N)
check "1: after A died, the sensor sends to B" current "$d/ctl.sock" "$B"
# no ack for failover-timeout from the first datagram unacknowledged,
# which may have gone out up to a resend timeout before the kill
secs=$(awk -v a="$tk" -v b="$tf" 'BEGIN { printf "%.1f", b - a }')
check "1: within failover-timeout ${FAILOVER}s and 2 s more ($secs s)" \
    awk -v s="$secs" -v f="$FAILOVER" 'BEGIN { exit !(s < f + 2) }'
check "1: the sensor logged the failover" failed_over "$L" "$A" "$B"

# A again on its spool; while frames still come, a probe (the next
# batch, every failover-timeout) brings the sensor back
collect "$T/a" 127.0.0.1 "$PA" "$T/ka" "$NS" || exit 1
APID=$CPID
until_ok "$W" current "$d/ctl.sock" "$A"
check "1: A back, the sensor sends to it again" current "$d/ctl.sock" "$A"
check "1: the sensor logged the failback" \
    grep -q "collector $A answers again: back to it from $B" "$L"
wait "$GEN"
is "$(cat "$T/sent")" "$FRAMES" "1: $FRAMES frames sent into inj0"
check "1: the sensor saw them all" until_ok "$W" ge_packets "$d/ctl.sock" \
    "$FRAMES"
jstat "$d/ctl.sock" 'j' >"$d/stats" 2>&1
is "$(jstat "$d/ctl.sock" '"%d %d" % (j["failovers"], j["failbacks"])')" \
    "1 1" "1: show stats: one failover, one failback"
is "$(jstat "$d/ctl.sock" 'j["collectors"]["'"$A"'"]["failovers"]')" 1 \
    "1: show stats: A was left once"
check "1: show stats: B acknowledged datagrams" [ "$(jstat "$d/ctl.sock" \
    'j["collectors"]["'"$B"'"]["acknowledged"]')" -gt 0 ]
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "1: SIGTERM: the sensor sends the rest, and exits 0"
kill -TERM "$APID" "$BPID"
wait "$APID"
wait "$BPID"
is "$(total "$L" unacknowledged)" 0 "1: nothing left unacknowledged"
is "$(auth "$T/a") $(auth "$T/b")" "0 0" \
    "1: neither collector failed to authenticate a datagram"
records "$T/a/spool" "$T/b/spool" "$T/u.recs"
records "$T/a/spool" "$T/a.recs"
records "$T/b/spool" "$T/b.recs"
set -- $(compare u "$T/ref.recs" "$T/u.recs")
ra=$(cat "$T/a.recs"/* 2>/dev/null | wc -l)
rb=$(cat "$T/b.recs"/* 2>/dev/null | wc -l)
rs=$(tsum "$L" resent)
echo "# 1: sent $(tsum "$L" sent) stored $2 (A $ra, B $rb) duplicated $3" \
    "lost $4 resent $rs resealed $(coll "$L" resealed) probes" \
    "$(coll "$L" probes), in $(($(date +%s) - t0)) s"
is "$4 $5" "0 0" "1: A and B hold every record of the reference, no other"
check "1: both stored records ($ra, $rb)" [ "$ra" -gt 0 -a "$rb" -gt 0 ]
is "$(tsum "$L" sent)" "$REFREC" \
    "1: the sensor counts each record sent once, sealed again or not"
check "1: duplicates ($3) at most the records sent again ($rs)" \
    [ "$3" -le "$rs" ]
[ "$fails" -eq 0 ] || grep -v '^total' "$T/u.recs.cmp" | sed 's/^/#   /'

# -- 2. a replay whose first two collectors are not there, one key
t0=$(date +%s)
PC=$(free_port)
PG=$(free_port)
PD=$(free_port)
while [ "$PG" = "$PC" ]; do PG=$(free_port); done
while [ "$PD" = "$PC" ] || [ "$PD" = "$PG" ]; do PD=$(free_port); done
collect "$T/d" 127.0.0.1 "$PD" "$T/ka" "$NS" || exit 1
DPID=$CPID
d=$T/s2
fosensor "$d" fo2 "${FAILOVER}s" "" "$T/ka" "$PC" "$PG" "$PD"
in_ns "$NCAGENTD" -d -v -f "$d/ncagentd.conf" -r "$T/live.pcap" -w "$W" \
    >"$d/sensor.log" 2>&1
is $? 0 "2: the replay exits 0"
kill -TERM "$DPID"
wait "$DPID"
L=$d/sensor.log
check "2: it failed over to the second" failed_over "$L" \
    "127.0.0.1 port $PC" "127.0.0.1 port $PG"
check "2: then to the third" failed_over "$L" "127.0.0.1 port $PG" \
    "127.0.0.1 port $PD"
is "$(coll "$L" failovers)" 2 "2: two failovers in all"
records "$T/d/spool" "$T/d.recs"
set -- $(compare d "$T/ref.recs" "$T/d.recs")
echo "# 2: sent $(tsum "$L" sent) stored $2 duplicated $3 lost $4 resent" \
    "$(tsum "$L" resent), in $(($(date +%s) - t0)) s"
is "$3 $4 $5" "0 0 0" "2: the third has every record, once, no other"
is "$(tsum "$L" sent)" "$REFREC" "2: and the sensor counts each sent once"
is "$(auth "$T/d")" 0 "2: it authenticated every datagram"

# -- 3. failover-timeout reloads: a live sensor whose first collector is
# not there stays on it for an hour, until a reload says 1 s
PE=$(free_port)
PF=$(free_port)
while [ "$PF" = "$PE" ]; do PF=$(free_port); done
collect "$T/f" 127.0.0.1 "$PF" "$T/ka" "$NS" || exit 1
FPID=$CPID
d=$T/s3
fosensor "$d" fo3 1h inj1 "$T/ka" "$PE" "$PF"
live "$d"
ip netns exec "$NS" "$PYTHON" "$REGRESS/integration/inject.py" inj0 \
    "$T/live.pcap" 500 >/dev/null &
GEN=$!
PIDS="$PIDS $GEN"
sleep 2
check "3: with failover-timeout 1h, 2 s without acks keep it on the first" \
    current "$d/ctl.sock" "127.0.0.1 port $PE"
sed -i 's/^failover-timeout .*/failover-timeout 1s/' "$d/ncagentd.conf"
"$NCCTL" -s "$d/ctl.sock" reload >/dev/null
is $? 0 "3: the sensor reloads with failover-timeout 1s"
check "3: and moves to the second within 3 s" until_ok 3 current \
    "$d/ctl.sock" "127.0.0.1 port $PF"
kill -KILL "$GEN" 2>/dev/null
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "3: SIGTERM: the sensor exits 0"
kill -TERM "$FPID"
wait "$FPID"

finish
