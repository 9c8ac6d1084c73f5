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

# output jetstream: nccollectd publishes to a NATS JetStream stream of
# nats-server instances on loopback (random ports, data in the scratch
# directory), and jsread (regress/tools) reads the stream back as
# nccollectd.conf(5) describes its messages.  The reference is the same
# capture sent to a collector that writes the spool: `ncctl dump -j`
# of its files, a multiset of lines per record type (multiset.py).
#
#  1. one server: the collector creates the stream (and its marks
#     bucket, whose keys expire after 7 days); a replay with acks
#     exits 0, and the stream holds each record of the reference
#     exactly once, one message per batch, each Nats-Msg-Id once, its
#     subject <prefix>.<sensor>.<Type> (a dot of the sensor's name
#     %2E), its Ncap-Records the records of its payload, and the
#     payloads, behind a spool file's header, are .ncap files ncctl
#     dump reads;
#  2. the datagrams of that replay, captured on their way and sent
#     again to a second collector publishing to the same stream, are
#     all dropped, by the sessions' marks the first collector wrote or
#     as duplicates by JetStream: the stream does not grow;
#  3. the server stops: a replay is not acknowledged (the sensor keeps
#     its records, the collector's show stats says it is disconnected
#     and counts errors), then the server comes back on its own data
#     and everything arrives, exactly once;
#  4. three servers in a cluster, the stream made with three replicas:
#     the server the collector is connected to is killed (SIGKILL) in
#     the middle of a replay and started again; every record arrives
#     exactly once;
#  5. a server that wants a user and password: with a wrong password
#     the collector runs, refuses batches and says why; with the right
#     one it publishes;
#  6. the publisher held up (SIGSTOP, as a server that stops answering
#     a call to the marks bucket holds it): six sensors replay, and
#     the receiver queues no more than jetstream queue-size for it
#     (its peak RSS grows by less than 2 MB, while the sensors hold
#     more than 4 MB of records unacknowledged), refusing the batches
#     past it as write drops and saying so; once it goes on, every
#     replay is acknowledged and the stream holds each sensor's
#     records exactly once;
#  7. TLS (certificates made with openssl): a collector that trusts the
#     server's CA publishes through its sandbox; one that trusts
#     another CA does not connect, and says why.
. "$REGRESS/integration/lib.sh"

need_nats
JSREAD=$UNITDIR/jsread
t0=$(date +%s)

# stream URL STREAM NAME: the stream read into $T/NAME.list (a line a
# message) and $T/NAME.ncap (files), its records in $T/NAME.recs
stream() {
	rm -rf "$T/$3.ncap" "$T/$3.recs"
	mkdir -p "$T/$3.ncap"
	"$JSREAD" "$1" "$2" ncap "$T/$3.ncap" >"$T/$3.list" ||
	    echo "# jsread $1 $2 failed"
	type_records "$T/$3.ncap" "$T/$3.recs"
}
# unique LIST: message ids that are there more than once
dupids() { awk '{ print $4 }' "$1" | sort | uniq -d | wc -l; }
# jsconf URL STREAM REPLICAS: output jetstream lines
jsconf() {
	printf 'output jetstream url "%s" stream "%s"\njetstream replicas %s\njetstream duplicate-window 10m\njetstream timeout 2\n' \
	    "$1" "$2" "$3"
}

"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" 20000 5 >/dev/null
"$PYTHON" "$CAPDIR/genbig.py" "$T/more.pcap" 60000 7 >/dev/null

# -- the reference: the spool
start_collector "$T/ref" || exit 1
run_sensor "$T/ref/s" ref "$T/big.pcap" "acks yes"
is $? 0 "reference: the replay to a spool collector exits 0"
stop_collector
type_records "$T/ref/spool" "$T/ref.recs"
REFREC=$(cat "$T/ref.recs"/* | wc -l)
check "reference: records stored ($REFREC)" [ "$REFREC" -gt 20000 ]
echo "# reference: $(($(date +%s) - t0)) s"

# -- 1. one server, a stream the collector creates
NP=$(free_tcp)
MP=$(free_tcp)
URL=nats://127.0.0.1:$NP
nats n0 "$NP" -m "$MP"
N0=$NPID
start_collector "$T/c1" "$(jsconf "$URL" NCAP 1)" || exit 1
C1PID=$CPID
C1PORT=$CPORT
is "$(settle 10 'cstat "$T/c1" jetstream.stream' NCAP)" NCAP \
    "1: the collector connects and makes stream NCAP"
# the datagrams on their way, for 2.
tcpdump -i lo --immediate-mode -U -B 8192 -w "$T/dgrams.pcap" \
    "udp dst port $C1PORT" 2>"$T/tcpdump.log" &
TPID=$!
PIDS="$PIDS $TPID"
until_ok 5 grep -qs "listening on" "$T/tcpdump.log"
sleep 0.3
run_sensor "$T/c1/s" js.one "$T/big.pcap" "acks yes"
is $? 0 "1: the replay to the jetstream collector exits 0, all acknowledged"
sleep 0.3
kill -INT "$TPID"
wait "$TPID" 2>/dev/null
stream "$URL" NCAP one
verdict 1 "$T/ref.recs" "$T/one.recs"
BATCHES=$(cstat "$T/c1" batches)
is "$(wc -l <"$T/one.list")" "$BATCHES" \
    "1: a message per batch the collector stored ($BATCHES)"
is "$(dupids "$T/one.list")" 0 "1: each message id once"
is "$(awk '$2 != "js.one" { n++ } END { print n + 0 }' "$T/one.list")" 0 \
    "1: every subject names sensor js.one (as js%2Eone)"
is "$(awk '{ s += $5 } END { print s }' "$T/one.list")" "$REFREC" \
    "1: their Ncap-Records add up to the records"
# the message id: sensor key, session nonce, sequence number
check "1: a message id is key.session.sequence" \
    grep -Eq "^1 js.one [A-Za-z0-9]+ $(cat "$T/keys/pub.key" | head -c 0)[0-9a-f]{64}\.[0-9a-f]{48}\.[0-9]+ " \
    "$T/one.list"
is "$(cstat "$T/c1" jetstream.published)" "$BATCHES" \
    "1: show stats: as many published"
is "$(cstat "$T/c1" jetstream.pending-acks)/$(cstat "$T/c1" \
    jetstream.errors)" 0/0 "1: none pending, no error"
# the server's own account of the marks bucket the collector made
maxage=$("$PYTHON" -c 'import json, sys, urllib.request
j = json.load(urllib.request.urlopen("http://127.0.0.1:%s/jsz?streams=true&config=true" % sys.argv[1]))
for a in j.get("account_details", []):
    for s in a.get("stream_detail", []):
        if s["name"] == "KV_NCAP-MARKS":
            print(s["config"].get("max_age"))' "$MP")
is "$maxage" $((7 * 86400 * 1000000000)) \
    "1: the marks bucket made keeps a key 7 days after its last write"
is "$(grep -c "pipe of" "$T/c1/collector.log")" 0 \
    "1: the publisher's pipe from libnats' threads has the room it asks"

echo "# 1: $(($(date +%s) - t0)) s"

# -- 2. the same datagrams to another collector of the same stream
start_collector "$T/c2" "$(jsconf "$URL" NCAP 1)" || exit 1
C2PID=$CPID
is "$(settle 10 'cstat "$T/c2" jetstream.stream' NCAP)" NCAP \
    "2: a second collector takes the stream as it is"
"$PYTHON" - "$T/dgrams.pcap" "$CPORT" <<'EOF'
import socket, struct, sys, time
data = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
off, n = 24, 0
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    # Ethernet, IPv4, UDP: the datagram
    if pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
        continue
    s.sendto(pkt[14 + (pkt[14] & 0x0f) * 4 + 8:], ("127.0.0.1", int(sys.argv[2])))
    n += 1
    if n % 200 == 0:
        time.sleep(0.02)
EOF
# what the capture caught of them (not always the first few)
B2=$(steady 'cstat "$T/c2" batches')
check "2: the second collector takes most of them ($B2 of $BATCHES)" \
    [ "$B2" -gt $((BATCHES / 2)) ]
# the first collector's marks drop them before JetStream's window does
# (t_replay tells the two apart)
is "$(settle 10 'echo $(($(cstat "$T/c2" jetstream.duplicates) + $(cstat \
    "$T/c2" jetstream.replays-dropped)))' "$B2")" "$B2" \
    "2: and each of its batches is dropped as stored already, or taken by JetStream as a duplicate"
stream "$URL" NCAP two
is "$(wc -l <"$T/two.list")" "$BATCHES" "2: the stream did not grow"
CPID=$C2PID
stop_collector
is $? 0 "2: the second collector exits 0"

echo "# 2: $(($(date +%s) - t0)) s"

# -- 3. the server stops, and comes back
CPID=$C1PID
CPORT=$C1PORT
kill -TERM "$N0"
wait "$N0" 2>/dev/null
is "$(settle 10 'cstat "$T/c1" jetstream.connected' no)" no \
    "3: show stats: not connected"
sensor_conf "$T/c1/s3" js.three "acks yes"
"$NCAGENTD" -d -v -f "$T/c1/s3/ncagentd.conf" -r "$T/big.pcap" -w 60 \
    >"$T/c1/s3/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
sleep 2
check "3: the sensor keeps what is not acknowledged" \
    [ "$(cstat "$T/c1/s3" queued)" -gt 0 ]
is "$(cstat "$T/c1/s3" acknowledged)" 0 "3: nothing is acknowledged"
check "3: show stats counts errors ($(cstat "$T/c1" jetstream.errors))" \
    [ "$(cstat "$T/c1" jetstream.errors)" -gt 0 ]
is "$(cstat "$T/c1" jetstream.last-error)" "no server connected" \
    "3: and says why"
check "3: the collector logs it" grep -q \
    "jetstream: disconnected from $URL: batches are refused" \
    "$T/c1/collector.log"
nats n0 "$NP"
N0=$NPID
wait "$SPID"
is $? 0 "3: once the server is back, the replay is acknowledged, exits 0"
echo "# 3, replayed: $(($(date +%s) - t0)) s"
is "$(cstat "$T/c1" jetstream.connected)" yes "3: show stats: connected"
stream "$URL" NCAP three
rm -rf "$T/three.recs.alpha"
# what came before and what came since, apart
mkdir -p "$T/three.split"
mv "$T/three.ncap/js.one" "$T/three.split/"
type_records "$T/three.ncap" "$T/three.recs3"
verdict 3 "$T/ref.recs" "$T/three.recs3"
type_records "$T/three.split" "$T/three.recs1"
verdict "3, the first replay's" "$T/ref.recs" "$T/three.recs1"
is "$(dupids "$T/three.list")" 0 "3: each message id once"
CPID=$C1PID
stop_collector
is $? 0 "3: the collector exits 0"
kill -TERM "$N0"
wait "$N0" 2>/dev/null
echo "# 3: $(($(date +%s) - t0)) s"

# -- 4. a cluster of three, a stream of three replicas
cluster ncapt
node 1
node 2
node 3
start_collector "$T/c4" "$(jsconf "$URLS" NCAP3 3)" || exit 1
is "$(settle 20 'cstat "$T/c4" jetstream.stream' NCAP3)" NCAP3 \
    "4: the collector makes stream NCAP3, three replicas"
sensor_conf "$T/c4/s" js.four "acks yes
queue-size 256K"
"$NCAGENTD" -d -v -f "$T/c4/s/ncagentd.conf" -r "$T/more.pcap" -w 60 \
    >"$T/c4/s/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
# in the middle of it, the server the collector is on.  A small queue
# keeps the replay near what is acknowledged, and the sensor is held
# (SIGSTOP) while the server is killed: a fast machine would otherwise
# finish the replay between two looks at the count.
settle 10 '[ "$(cstat "$T/c4" jetstream.published)" -gt 200 ] && echo y' y \
    >/dev/null
SKIDS="$SPID $(pgrep -P "$SPID" | tr '\n' ' ')"
# killed at exit too, stopped or not, should the test be stopped here
PIDS="$PIDS $SKIDS"
kill -STOP $SKIDS
on=$(cstat "$T/c4" jetstream.server)
case "$on" in
*:$P1) k=1 ;;
*:$P2) k=2 ;;
*:$P3) k=3 ;;
*) k=1 ;;
esac
eval "kill -KILL \$NPID$k; wait \$NPID$k" 2>/dev/null
atkill=$(cstat "$T/c4" jetstream.published)
echo "# 4: killed n$k ($on) after $atkill batches"
running() { kill -0 "$SPID" 2>/dev/null && echo y; }
check "4: the replay was still running" [ "$(running)" = y ]
kill -CONT $SKIDS
sleep 1
node "$k"
wait "$SPID"
is $? 0 "4: the replay is acknowledged, exits 0"
check "4: the collector saw the disconnect" \
    [ "$(cstat "$T/c4" jetstream.disconnects)" -ge 1 ]
all=$(cstat "$T/c4" jetstream.published)
check "4: the server was killed in the middle ($atkill of $all batches)" \
    [ "$atkill" -lt "$all" ]
eval "_p=\$P$k"
stream "nats://127.0.0.1:$_p" NCAP3 four
# the reference of more.pcap: the sensor's own count per type
for t in $(types "$T/c4/s/sensor.log"); do
	echo "$t $(sensor_stat "$T/c4/s/sensor.log" "$t" sent)"
done | awk '$2 > 0' | sort >"$T/four.sent"
awk '{ n[$3] += $5 } END { for (t in n) print t, n[t] }' "$T/four.list" |
    sort >"$T/four.got"
is "$(diff "$T/four.sent" "$T/four.got" | grep -c '^[<>]')" 0 \
    "4: per type, the stream holds the records the sensor sent"
is "$(cat "$T/four.recs"/* | wc -l)" "$(tsum "$T/c4/s/sensor.log" sent)" \
    "4: and its payloads hold as many records"
is "$(dupids "$T/four.list")" 0 "4: each message id once"
stop_collector
is $? 0 "4: the collector exits 0"
for k in 1 2 3; do
	eval "kill -TERM \$NPID$k; wait \$NPID$k" 2>/dev/null
done
echo "# 4: $(($(date +%s) - t0)) s"

# -- 5. a user and a password
NP=$(free_tcp)
URL=nats://127.0.0.1:$NP
nats n5 "$NP" --user ncap --pass right
start_collector "$T/c5" "$(jsconf "$URL" NCAP 1)
jetstream user \"ncap\" password \"wrong\"" || exit 1
is "$(settle 5 'cstat "$T/c5" jetstream.last-error' \
    "connect: Authorization Violation")" "connect: Authorization Violation" \
    "5: a wrong password: show stats says the server refused it"
is "$(cstat "$T/c5" jetstream.connected)" no "5: not connected"
check "5: the collector logs it" grep -q \
    "jetstream: connect: Authorization Violation: batches are refused" \
    "$T/c5/collector.log"
stop_collector
is $? 0 "5: the collector exits 0 all the same"
# by name: resolved before the chroot, to every address of it, one of
# which the server listens on
start_collector "$T/c6" "$(jsconf "nats://localhost:$NP" NCAP 1)
jetstream user \"ncap\" password \"right\"" || exit 1
is "$(settle 10 'cstat "$T/c6" jetstream.stream' NCAP)" NCAP \
    "5: the right password, the server by name: connected, stream NCAP made"
run_sensor "$T/c6/s" js.five "$CAPDIR/decode-ether.pcap" "acks yes"
is $? 0 "5: a replay is acknowledged"
b=$(cstat "$T/c6" batches)
check "5: it stored batches ($b)" [ "$b" -gt 0 ]
is "$(cstat "$T/c6" jetstream.published)" "$b" \
    "5: each of them published"
stop_collector
is $? 0 "5: the collector exits 0"
kill -TERM "$NPID"
wait "$NPID" 2>/dev/null
echo "# 5: $(($(date +%s) - t0)) s"

# -- 6. the publisher held up, six sensors sending
NP=$(free_tcp)
URL=nats://127.0.0.1:$NP
nats n7 "$NP"
start_collector "$T/c9" "$(jsconf "$URL" NCAP 1)
jetstream queue-size 256k" || exit 1
is "$(settle 10 'cstat "$T/c9" jetstream.stream' NCAP)" NCAP \
    "6: connected, stream NCAP made"
REC=$(child "$CPID" receiver)
PUB=$(child "$CPID" publisher)
is "$([ -n "$REC" ] && [ -n "$PUB" ] && echo y)" y \
    "6: its receiver ($REC) and publisher ($PUB)"
PIDS="$PIDS $PUB"
hwm0=$(status "$REC" VmHWM | awk '{ print $1 }')
kill -STOP "$PUB"
SENSORS="1 2 3 4 5 6"
SPIDS=""
for k in $SENSORS; do
	sensor_conf "$T/c9/s$k" "js.held$k" "acks yes"
	"$NCAGENTD" -d -v -f "$T/c9/s$k/ncagentd.conf" -r "$T/big.pcap" \
	    -w 60 >"$T/c9/s$k/sensor.log" 2>&1 &
	SPIDS="$SPIDS $!"
done
PIDS="$PIDS $SPIDS"
# the bytes of datagrams the sensors hold unacknowledged, once they
# stop sending
held() {
	_s=0
	for k in $SENSORS; do
		_s=$((_s + $(cstat "$T/c9/s$k" queued-bytes 2>/dev/null ||
		    echo 0)))
	done
	echo $_s
}
sleep 1
qb=$(steady held)
hwm1=$(status "$REC" VmHWM | awk '{ print $1 }')
# in records, as the reference's datagrams inflated to its spool files
refwire=$(total "$T/ref/collector.log" bytes)
refraw=$(cat "$T/ref/spool"/*/*.ncap | wc -c)
heldkb=$((qb / 1024 * refraw / refwire))
echo "# 6: the sensors hold $qb bytes of datagrams, about $heldkb kB of \
records; the receiver's peak RSS $hwm0 kB, then $hwm1 kB"
check "6: the sensors hold more than 4 MB of records ($heldkb kB)" \
    [ "$heldkb" -gt 4096 ]
if [ -z "${NCAP_SANITIZER:-}" ]; then
	# without the bound the receiver would hold them all, on their
	# way to the publisher
	check "6: the receiver's peak RSS grew by less than 2 MB \
($((hwm1 - hwm0)) kB)" [ $((hwm1 - hwm0)) -lt 2048 ]
else
	skip "6: the sanitizers' allocator keeps freed memory"
fi
check "6: the collector says why it refuses" grep -Eq \
    "jetstream: batch refused: [0-9]+ batches of [0-9]+ bytes are at the publisher already" \
    "$T/c9/collector.log"
kill -CONT "$PUB"
st=0
for p in $SPIDS; do
	wait "$p" || st=$?
done
is "$st" 0 "6: once it goes on, the six replays are acknowledged"
check "6: the refused batches were write drops ($(cstat "$T/c9" \
dropped.write))" [ "$(cstat "$T/c9" dropped.write)" -gt 0 ]
stream "$URL" NCAP held
for k in $SENSORS; do
	mkdir -p "$T/held.s$k"
	mv "$T/held.ncap/js.held$k" "$T/held.s$k/"
	type_records "$T/held.s$k" "$T/held.recs$k"
	verdict "6, sensor $k" "$T/ref.recs" "$T/held.recs$k"
done
is "$(dupids "$T/held.list")" 0 "6: each message id once"
stop_collector
is $? 0 "6: the collector exits 0"
kill -TERM "$NPID"
wait "$NPID" 2>/dev/null
echo "# 6: $(($(date +%s) - t0)) s"

# -- 7. TLS
if ! command -v openssl >/dev/null 2>&1; then
	skip "7: openssl is not installed, no certificates for TLS"
	finish
	exit
fi
mkdir -p "$T/tls"
(
	cd "$T/tls" || exit 1
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem \
	    -days 2 -subj "/CN=ncap test CA" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key \
	    -out other.pem -days 2 -subj "/CN=another CA" &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
	    -subj "/CN=127.0.0.1" &&
	echo "subjectAltName=IP:127.0.0.1" >ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out srv.pem -days 2 -extfile ext
) >"$T/tls/openssl.log" 2>&1
is $? 0 "7: a CA and a server certificate made"
NP=$(free_tcp)
URL=tls://127.0.0.1:$NP
nats n6 "$NP" --tls --tlscert "$T/tls/srv.pem" --tlskey "$T/tls/srv.key"
start_collector "$T/c7" "$(jsconf "$URL" NCAP 1)
jetstream ca \"$T/tls/other.pem\"" || exit 1
w=$(settle 5 'cstat "$T/c7" jetstream.last-error | grep -c certificate' 1)
is "$w" 1 "7: a server certificate of another CA: refused, and said \
($(cstat "$T/c7" jetstream.last-error))"
is "$(cstat "$T/c7" jetstream.connected)" no "7: not connected"
stop_collector
is $? 0 "7: the collector exits 0"
start_collector "$T/c8" "$(jsconf "$URL" NCAP 1)
jetstream ca \"$T/tls/ca.pem\"" || exit 1
is "$(settle 10 'cstat "$T/c8" jetstream.stream' NCAP)" NCAP \
    "7: its CA's: connected over TLS, stream NCAP made"
run_sensor "$T/c8/s" js.six "$CAPDIR/decode-ether.pcap" "acks yes"
is $? 0 "7: a replay is acknowledged"
b=$(cstat "$T/c8" batches)
is "$(cstat "$T/c8" jetstream.published)/$(cstat "$T/c8" \
    jetstream.server)" "$b/$URL" "7: each of its $b batches published, over TLS"
stop_collector
is $? 0 "7: the collector exits 0"
check "7: no process died of SIGSYS" [ "$(cat "$T"/c*/collector.log |
    grep -c SIGSYS)" = 0 ]
echo "# $(($(date +%s) - t0)) s"
finish
