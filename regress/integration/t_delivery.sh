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

# Delivery with acks, against ackcoll.py, a collector written with
# PyNaCl from wire.h that acknowledges, and drops, stays silent or
# forges on command:
#
#  1. it acknowledges everything: a replay exits 0, every datagram is
#     acknowledged and freed, none is sent twice, and the records are
#     those of the capture, as its generator counted them;
#  2. it drops 5 % of what arrives: the replay exits 0 all the same,
#     resends are counted, and the records it took are each record of
#     the first run exactly once (at least once as they arrived);
#  3. it never answers, live: the queue stays within queue-size (its
#     counter, and the capture process's memory against a sensor
#     without acks), drops the oldest and counts them; SIGTERM waits
#     10 s, then logs what was not acknowledged;
#  4. it never answers a replay: the replay stops reading and, with
#     -w, gives up, exits 1 and says how many records were not
#     acknowledged;
#  5. forged acks from the collector's address (random bytes, an
#     unknown session, a wrong key, another session's ack, a stale one,
#     one that claims what was never sent) free nothing and are counted
#     as refused; the real ones then free everything;
#  6. rekey 200ms while the collector stops acknowledging for a while,
#     then is unreachable for a while: rekeys wait, and meanwhile the
#     crypto process holds the newest session key and its ack key, no
#     older session key, and no ack key of a session older than the
#     previous; no session older than the previous one sends after a
#     newer one began, and every record arrives.
. "$REGRESS/integration/lib.sh"

# start_ack NAME [ackcoll.py options]: APORT, APID; its summary NAME.json,
# its records NAME.recs, its fifo NAME.cmd (ACMD)
start_ack() {
	APORT=$(free_port)
	rm -f "$T/$1.cmd"
	mkfifo "$T/$1.cmd"
	shift_name=$1
	shift
	# ahead of other work on a busy machine: run 1 counts on acks
	# coming within the sensor's shortest resend timeout, 200 ms
	nice -n -10 "$PYTHON" "$REGRESS/integration/ackcoll.py" -o "$T/$shift_name.json" \
	    -r "$T/$shift_name.recs" -f "$T/$shift_name.cmd" "$@" "$APORT" "$T/keys/priv.key" \
	    2>"$T/$shift_name.err" &
	APID=$!
	PIDS="$PIDS $APID"
	ACMD=$T/$shift_name.cmd
	_i=0
	while ! grep -qs listening "$T/$shift_name.err" && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}
stop_ack() {
	kill -TERM "$APID"
	wait "$APID"
}
# ack_conf DIR NAME [lines]: a sensor of the fake collector, with acks
ack_conf() {
	_keep=$CPORT
	CPORT=$APORT
	sensor_conf "$1" "$2" "${3:-}"
	CPORT=$_keep
	sed -i 's/^acks no$/acks yes/' "$1/ncagentd.conf"
}
# a summary's field
summ() {
	"$PYTHON" -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[k] if not isinstance(v, list) else v[int(k)]
print(v)' "$1" "$2"
}
# stat SOCKET FIELD: a counter of show stats
stat() {
	"$NCCTL" -s "$1" -j show stats | "$PYTHON" -c 'import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# udp PORT N: N datagrams to PORT on lo, about 20000 a second
udp() {
	"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"delivery %d" % i, ("127.0.0.1", int(sys.argv[1])))
    if i % 200 == 0:
        time.sleep(0.01)' "$1" "$2"
}

"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" 20000 7 >"$T/big.expect"

# -- 1. everything acknowledged
start_ack all
ack_conf "$T/s1" all
"$NCAGENTD" -d -v -f "$T/s1/ncagentd.conf" -r "$T/big.pcap" \
    >"$T/s1/sensor.log" 2>&1
is $? 0 "1: the replay exits 0"
stop_ack
L=$T/s1/sensor.log
nd=$(total "$L" datagrams)
check "1: it sent datagrams ($nd)" [ "$nd" -gt 1000 ]
is "$(total "$L" acknowledged) $(total "$L" unacknowledged)" "$nd 0" \
    "1: every one of them acknowledged, none left"
is "$(total "$L" resent) $(tsum "$L" resent)" "0 0" "1: none sent twice"
is "$(total "$L" acks-refused) $(total "$L" queue-dropped)" "0 0" \
    "1: no ack refused, nothing dropped"
check "1: fewer acks than datagrams ($(total "$L" acks-received))" \
    [ "$(total "$L" acks-received)" -lt "$nd" ]
check "1: a round-trip time measured ($(total "$L" rtt-us) us)" \
    [ "$(total "$L" rtt-us)" -gt 0 ]
is "$(tsum "$L" acknowledged)" "$(tsum "$L" records)" \
    "1: per type, every record made acknowledged"
is "$(summ "$T/all.json" unique) $(summ "$T/all.json" duplicates)" "$nd 0" \
    "1: the collector took each datagram once"
bad=""
while read -r t want; do
	[ "$(summ "$T/all.json" "types.$t")" = "$want" ] || bad="$bad $t"
done <"$T/big.expect"
is "$bad" "" "1: its records per type are what the generator made"
sort "$T/all.recs" >"$T/ref.recs"
is "$(wc -l <"$T/ref.recs")" "$(tsum "$L" records)" \
    "1: and as many as the sensor made"

# -- 2. 5 % lost on the way
start_ack lossy -d 0.05 -s 11
ack_conf "$T/s2" lossy
"$NCAGENTD" -d -v -f "$T/s2/ncagentd.conf" -r "$T/big.pcap" \
    >"$T/s2/sensor.log" 2>&1
is $? 0 "2: the replay exits 0"
stop_ack
L=$T/s2/sensor.log
nd=$(total "$L" datagrams)
dropped=$(summ "$T/lossy.json" dropped)
check "2: the collector dropped some unseen ($dropped)" [ "$dropped" -gt 10 ]
check "2: the sensor sent them again ($(total "$L" resent))" \
    [ "$(total "$L" resent)" -ge "$dropped" ]
is "$(summ "$T/lossy.json" datagrams)" \
    "$((nd + $(total "$L" resent)))" \
    "2: what arrived is every datagram and every resend"
is "$(total "$L" acknowledged) $(total "$L" unacknowledged)" "$nd 0" \
    "2: every datagram acknowledged in the end"
check "2: resent records counted per type ($(tsum "$L" resent))" \
    [ "$(tsum "$L" resent)" -gt 0 ]
sort "$T/lossy.recs" >"$T/lossy.sorted"
check "2: the records taken are those of run 1, each once" \
    cmp -s "$T/ref.recs" "$T/lossy.sorted"

# -- 3. a collector that never answers, live
GPORT=$(free_port)
start_ack deaf -S
ack_conf "$T/s3" deaf "interface \"lo\"
filter \"udp dst port $GPORT\"
connection-table-size 0
queue-size 256K"
start_live "$T/s3"
S3=$LIVE
cap=$(child "$S3" capture)
bad=0
udp "$GPORT" 50000 &
GEN=$!
while kill -0 "$GEN" 2>/dev/null; do
	q=$(stat "$T/s3/ctl.sock" queued-bytes)
	[ "$q" -le 262144 ] || bad=$((bad + 1))
	sleep 0.2
done
wait "$GEN"
sleep 0.5
q=$(stat "$T/s3/ctl.sock" queued-bytes)
is "$bad" 0 "3: while it captures, the queue never holds more than 256K"
check "3: nor after (${q})" [ "$q" -le 262144 ]
qd=$(stat "$T/s3/ctl.sock" queue-dropped)
check "3: the oldest were dropped ($qd datagrams)" [ "$qd" -gt 0 ]
hwm_acks=$(status "$cap" VmHWM | awk '{print $1}')
# SIGTERM: the sensor waits 10 s for acks; meanwhile, its exit watched
# for, the same traffic goes to a sensor without acks on a port of its own
t0=$(date +%s)
kill -TERM "$S3"
(while ! gone "$S3"; do sleep 0.1; done; date +%s >"$T/s3.end") &
WATCH=$!
# the same traffic, without acks: the memory the queue costs on top
GPORT=$(free_port)
CPORT=$APORT
sensor_conf "$T/s3n" noacks "interface \"lo\"
filter \"udp dst port $GPORT\"
connection-table-size 0
acks no"
start_live "$T/s3n"
S3N=$LIVE
cap=$(child "$S3N" capture)
udp "$GPORT" 50000
sleep 0.5
hwm_none=$(status "$cap" VmHWM | awk '{print $1}')
kill -TERM "$S3N"
wait "$S3N"
wait "$S3"
is $? 0 "3: SIGTERM: the sensor exits 0"
wait "$WATCH"
secs=$(($(cat "$T/s3.end") - t0))
check "3: after waiting 10 s for acks ($secs s)" between "$secs" 9 14
L=$T/s3/sensor.log
check "3: it logs how many records were not acknowledged" grep -q \
    "records in $(total "$L" unacknowledged) datagrams were not acknowledged" "$L"
is "$(total "$L" queue-dropped)" "$(tsum "$L" queue-dropped-datagrams)" \
    "3: queue-dropped datagrams, per type and in total"
check "3: with their records ($(tsum "$L" queue-dropped))" \
    [ "$(tsum "$L" queue-dropped)" -gt "$(total "$L" queue-dropped)" ]
is "$(tsum "$L" records)" "$(($(tsum "$L" queue-dropped) + \
    $(tsum "$L" unacknowledged) + $(tsum "$L" oversize)))" \
    "3: every record made is dropped or unacknowledged"
stop_ack
if [ -z "${NCAP_SANITIZER:-}" ]; then
	check "3: the queue costs the capture process at most 256K and 1M of slack ($hwm_acks kB, $hwm_none without acks)" \
	    [ "$hwm_acks" -le $((hwm_none + 256 + 1024)) ]
else
	skip "memory sizes under the sanitizers"
fi

# -- 4. a replay nobody answers: it stops reading, and -w gives up
start_ack deaf4 -S
ack_conf "$T/s4" deaf4 "queue-size 64K"
t0=$(date +%s)
"$NCAGENTD" -d -v -f "$T/s4/ncagentd.conf" -r "$T/big.pcap" -w 2 \
    >"$T/s4/sensor.log" 2>&1
is $? 1 "4: -w 2: the replay gives up and exits 1"
secs=$(($(date +%s) - t0))
check "4: within seconds ($secs)" [ "$secs" -le 6 ]
stop_ack
L=$T/s4/sensor.log
packets=$(total "$L" packets)
check "4: it stopped reading the file ($packets of 20000 frames)" \
    [ "$packets" -lt 20000 ]
check "4: saying so" grep -q "no ack in 2 seconds: the rest of" "$L"
un=$(tsum "$L" unacknowledged)
check "4: some records were not acknowledged ($un)" [ "$un" -gt 0 ]
check "4: it says how many" grep -q \
    "$un records in $(total "$L" unacknowledged) datagrams were not acknowledged" "$L"
is "$(total "$L" queue-dropped)" 0 "4: a replay drops nothing"

# -- 4b. the same with the default queue, 4M, room for all of big.pcap:
# a replay reads no further ahead than 256 datagrams waiting for credit
# (64 without an ack): it holds those, the batches at the crypto process
# (256) and what a turn of reading (256 frames) and the types' open
# batches add, not all the file
start_ack deaf4b -S
ack_conf "$T/s4b" deaf4b
"$NCAGENTD" -d -v -f "$T/s4b/ncagentd.conf" -r "$T/big.pcap" -w 2 \
    >"$T/s4b/sensor.log" 2>&1
is $? 1 "4b: the replay gives up and exits 1"
stop_ack
L=$T/s4b/sensor.log
held=$(total "$L" unacknowledged)
check "4b: it held what may go, waits for credit and comes from crypto ($held datagrams)" \
    [ "$held" -gt 64 -a "$held" -le $((64 + 256 + 256 + 256)) ]
packets=$(total "$L" packets)
check "4b: so it stopped reading the file ($packets of 20000 frames)" \
    [ "$packets" -lt 20000 ]

# -- 5. forged acks, from the collector's own address
GPORT=$(free_port)
start_ack forge
ack_conf "$T/s5" forge "interface \"lo\"
filter \"udp dst port $GPORT\"
rekey 1"
start_live "$T/s5"
S5=$LIVE
S5S=$T/s5/ctl.sock
# a first session acknowledged, then a second one held
udp "$GPORT" 300
acked() { [ "$(stat "$S5S" acknowledged)" -gt 0 ] && echo y; }
is "$(settle 5 acked y)" y "5: the first session's datagrams are acknowledged"
is "$(settle 5 'stat "$S5S" queued' 0)" 0 "5: all of them"
sessions() { grep -c "session .* started" "$T/s5/sensor.log"; }
s0=$(sessions)
is "$(settle 5 sessions $((s0 + 1)))" $((s0 + 1)) "5: a new session begins"
echo hold >"$ACMD"
udp "$GPORT" 300
held() { [ "$(stat "$S5S" queued)" -gt 0 ] && echo y; }
is "$(settle 5 held y)" y "5: the collector takes its datagrams, holds its acks"
# one more rekey may come: the next waits for these acks, and says so
deferrals() { grep -c "rekey deferred" "$T/s5/sensor.log"; }
d0=$(deferrals)
waits() { [ "$(deferrals)" -gt "$d0" ] && echo y; }
settle 5 waits y >/dev/null
s1=$(sessions)
q0=$(stat "$S5S" queued)
a0=$(stat "$S5S" acknowledged)
r0=$(stat "$S5S" acks-refused)
n0=$(stat "$S5S" acks-received)
for f in "random 20" unknown wrongkey other stale claim; do
	echo "forge $f" >"$ACMD"
done
forged() { stat "$S5S" acks-refused; }
is "$(settle 5 forged $((r0 + 25)))" $((r0 + 25)) \
    "5: 20 random, unknown session, wrong key, another session's, stale, false: 25 refused"
is "$(stat "$S5S" queued) $(stat "$S5S" acknowledged)" "$q0 $a0" \
    "5: nothing was freed"
is "$(stat "$S5S" acks-received)" "$n0" "5: and none counted as received"
is "$(sessions)" "$s1" "5: no rekey while the previous session's acks are held"
check "5: the crypto process says it waits" grep -q "rekey deferred" \
    "$T/s5/sensor.log"
lines=$(grep -c "refused" "$T/s5/sensor.log")
check "5: the refusals are logged, a few lines at most ($lines)" \
    between "$lines" 1 12
echo ack >"$ACMD"
empty() { stat "$S5S" queued; }
is "$(settle 10 empty 0)" 0 "5: the real acks free everything"
is "$(stat "$S5S" acknowledged)" "$(stat "$S5S" datagrams)" \
    "5: every datagram sent is acknowledged"
kill -TERM "$S5"
wait "$S5"
is $? 0 "5: the sensor exits 0"
stop_ack

# -- 6. rekey 200ms, and a collector silent for a while
GPORT=$(free_port)
start_ack rekey
ack_conf "$T/s6" rekey "interface \"lo\"
filter \"udp dst port $GPORT\"
rekey 200ms"
sed -i 's/^flush-interval .*/flush-interval 100ms/' "$T/s6/ncagentd.conf"
start_live "$T/s6"
S6=$LIVE
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(4000):
    s.sendto(b"rekey %d" % i, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.002)' "$GPORT" &
GEN=$!
sleep 1.5
echo hold >"$ACMD"
sleep 1
scr=$(child "$S6" crypto)
# the session keys the collector saw, by their start time
skeys() {
	echo dump >"$ACMD"
	sleep 0.2
	"$PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))["sessions"]
print(" ".join(x["k"] for x in sorted(s, key=lambda x: x["t"])))' \
	    "$T/rekey.json"
}
if [ -z "${NCAP_SANITIZER:-}" ] && [ -n "$scr" ]; then
	# K of each session the collector saw, and A made from it; a
	# rekey between the two looks means looking again
	found=no
	i=0
	while [ $found = no ] && [ $i -lt 20 ]; do
		set -- $(skeys)
		aks=$("$PYTHON" -c 'import hashlib, sys
print(" ".join(hashlib.blake2b(b"ncap v2 ack", key=bytes.fromhex(k),
    digest_size=32).hexdigest() for k in sys.argv[1:]))' "$@")
		kc=$("$PYTHON" "$REGRESS/integration/memscan.py" "$scr" "$@")
		ac=$("$PYTHON" "$REGRESS/integration/memscan.py" "$scr" $aks)
		last=$(echo "$kc" | awk '{print $NF}')
		lasta=$(echo "$ac" | awk '{print $NF}')
		oldk=$(echo "$kc" | awk '{s = 0; for (i = 1; i < NF; i++) s += $i; print s}')
		olda=$(echo "$ac" | awk '{s = 0; for (i = 1; i < NF - 1; i++) s += $i; print s}')
		[ "$last" -ge 1 ] && [ "$lasta" -ge 1 ] && found=yes
		i=$((i + 1))
		[ $found = yes ] || sleep 0.2
	done
	is $found yes "6: the crypto process holds the newest session key and its ack key"
	is "$oldk" 0 "6: no session key of the $(($# - 1)) before it"
	is "$olda" 0 "6: nor the ack key of a session older than the previous"
else
	skip "memory search under the sanitizers"
	skip "memory search under the sanitizers"
	skip "memory search under the sanitizers"
fi
echo ack >"$ACMD"
sleep 1
echo silent >"$ACMD"
sleep 1.5
echo ack >"$ACMD"
wait "$GEN"
# what the kernel still holds for the capture is read before SIGTERM
sleep 1
deferred=$(grep -c "rekey deferred" "$T/s6/sensor.log")
check "6: rekeys waited for the previous session ($deferred times)" \
    [ "$deferred" -ge 1 ]
kill -TERM "$S6"
wait "$S6"
is $? 0 "6: the sensor exits 0"
stop_ack
L=$T/s6/sensor.log
ns=$(summ "$T/rekey.json" nsessions)
check "6: it went through several sessions ($ns)" [ "$ns" -ge 4 ]
is "$(summ "$T/rekey.json" late)" 0 \
    "6: no session older than the previous one sent after a newer began"
is "$(total "$L" unacknowledged) $(total "$L" acknowledged)" \
    "0 $(total "$L" datagrams)" "6: every datagram acknowledged"
is "$(summ "$T/rekey.json" types.UDP)" "$(sensor_stat "$L" UDP records)" \
    "6: the UDP records the sensor made arrived, each once"
is "$(sensor_stat "$L" UDP records)" $((4000 - $(total "$L" pcap-drops))) \
    "6: one for each UDP datagram sent that the kernel did not drop"
finish
