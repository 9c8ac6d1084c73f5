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

# input jetstream: a collector that consumes a NATS JetStream stream with
# a durable pull consumer and writes its spool.  The reference is the
# same capture sent by a sensor of the same name to a collector that
# writes the spool itself: `ncctl dump -j` of its files, a multiset of
# lines per record type (multiset.py).
#
#  1. a collector with output jetstream makes the stream on a nats-server
#     on loopback; a consuming collector (rotate size 64k) stores what a
#     sensor replays to it, meanwhile;
#  2. in the middle of it, the consumer's publisher is stopped (SIGSTOP)
#     so that what the receiver stored and journaled is not acked, and
#     every process of the consumer is killed (SIGKILL); started again
#     on its spool, it takes what JetStream sends again, stores none of
#     it twice (its window says so: counted as repeats), and every
#     record of the reference is in its files exactly once, files that
#     rotate closed and every one of which ncctl dump reads;
#  3. started once more, the durable consumer resumes where it stopped:
#     nothing is fetched again, nothing stored;
#  4. messages published by hand that are no batch (a payload that is
#     no framed records, a record that is not its type, a count that
#     Ncap-Records does not say, a sensor name the spool refuses, a type
#     that does not exist) are counted as bad, logged, stored nowhere,
#     and not sent again;
#  5. a consumer of a durable of its own stopped (SIGTERM) while its
#     receiver has a backlog of messages: every one it stored was acked
#     before it exited, none comes again after a restart, and each
#     message is stored once across the two runs;
#  6. the stream deleted and made again under its name, numbering from
#     1 again, while the consumer is stopped and while it runs: each
#     time the consumer forgets the window of the old stream (and makes
#     its consumer again) and stores every message of the new one.
. "$REGRESS/integration/lib.sh"

need_nats
t0=$(date +%s)

# consumer DIR: a collector of DIR/nccollectd.conf, input jetstream
# from $URL (durable $DURABLE, spool-1 unless set; ack wait $ACKWAIT
# s, 2 unless set), started (again) on its spool; CCPID is its pid once
# it answers ncctl (at once with NOWAIT set)
consumer() {
	mkdir -p "$1"
	cat >"$1/nccollectd.conf" <<EOC
spool "$1/spool"
user "nobody"
chroot "$T/empty"
socket "$1/ctl.sock"
input jetstream url "$URL" stream "NCAP" durable "${DURABLE:-spool-1}"
jetstream timeout ${ACKWAIT:-2}
rotate size 64k
EOC
	"$NCCOLLECTD" -d -v -f "$1/nccollectd.conf" >>"$1/collector.log" 2>&1 &
	CCPID=$!
	PIDS="$PIDS $CCPID"
	[ -n "${NOWAIT:-}" ] || wait_ctl "$1"
}
# the consumer's counters: stored, repeats, bad
counts() {
	echo "$(cstat "$CC" jetstream.stored)/$(cstat "$CC" \
	    jetstream.repeats)/$(cstat "$CC" jetstream.bad)"
}
# everything of the stream delivered and acked
drained() {
	echo "$(cstat "$CC" jetstream.pending)/$(cstat "$CC" \
	    jetstream.ack-pending)/$(cstat "$CC" jetstream.unanswered)"
}
# hpub SUBJECT RECORDS PAYLOAD-HEX: a message published by hand, in the
# NATS protocol, with Ncap-Records (none if RECORDS is -)
hpub() {
	"$PYTHON" - "$NP" "$@" <<'EOF'
import socket, sys
port, subj, nrec, payload = sys.argv[1], sys.argv[2], sys.argv[3], \
    bytes.fromhex(sys.argv[4])
s = socket.create_connection(("127.0.0.1", int(port)))
f = s.makefile("rb")
f.readline()                                    # INFO
hdr = b"NATS/1.0\r\n"
if nrec != "-":
    hdr += b"Ncap-Records: " + nrec.encode() + b"\r\n"
hdr += b"\r\n"
s.sendall(b'CONNECT {"verbose":false,"headers":true}\r\n' +
    b"HPUB %s %d %d\r\n" % (subj.encode(), len(hdr), len(hdr) + len(payload)) +
    hdr + payload + b"\r\nPING\r\n")
line = f.readline()
sys.exit(0 if line.startswith(b"PONG") else 1)
EOF
}
# jsapi SUBJECT [JSON]: a JetStream API request, by hand; its answer
jsapi() {
	"$PYTHON" - "$NP" "$@" <<'EOF'
import socket, sys
port, subj = sys.argv[1], sys.argv[2].encode()
body = sys.argv[3].encode() if len(sys.argv) > 3 else b""
s = socket.create_connection(("127.0.0.1", int(port)))
f = s.makefile("rb")
f.readline()                                    # INFO
s.sendall(b'CONNECT {"verbose":false}\r\nSUB _INBOX.t 1\r\n' +
    b"PUB %s _INBOX.t %d\r\n" % (subj, len(body)) + body + b"\r\n")
while True:
    line = f.readline()
    if not line:
        sys.exit(1)
    if line.startswith(b"PING"):
        s.sendall(b"PONG\r\n")
    elif line.startswith(b"MSG"):
        print(f.read(int(line.split()[-1]) + 2)[:-2].decode())
        break
EOF
}
# remake: stream NCAP deleted and made again, empty, under its name
remake() {
	jsapi '$JS.API.STREAM.DELETE.NCAP' | grep -q '"success":true' &&
	    jsapi '$JS.API.STREAM.CREATE.NCAP' \
	    '{"name":"NCAP","subjects":["ncap.>"],"storage":"file"}' |
	    grep -q '"created"'
}
# valid K: K messages of one TCP record each, by hand
valid() {
	_k=0
	while [ $_k -lt "$1" ]; do
		hpub ncap.s%2Eone.TCP 1 "$REC" || return 1
		_k=$((_k + 1))
	done
}

# -n: a consuming collector takes neither listen on nor sensor
mkdir -p "$T/bad"
printf 'spool "%s"\nuser "nobody"\nchroot "%s"\nsocket "%s"\ninput jetstream\n' \
    "$T/bad/spool" "$T/empty" "$T/bad/ctl.sock" >"$T/bad/base.conf"
"$NCCOLLECTD" -n -f "$T/bad/base.conf" >/dev/null 2>&1
is $? 0 "-n: input jetstream without listen on, sensor or keyfile"
{ cat "$T/bad/base.conf"; echo "listen on 127.0.0.1 port 4300"; } \
    >"$T/bad/listen.conf"
"$NCCOLLECTD" -n -f "$T/bad/listen.conf" >/dev/null 2>"$T/bad/err"
is "$?/$(grep -c 'listen on: a collector with input jetstream takes no datagrams' \
    "$T/bad/err")" 1/1 "-n: input jetstream with listen on is refused, saying why"
{ cat "$T/bad/base.conf"; echo "sensor a key $(cat "$T/keys/pub.key")"; } \
    >"$T/bad/sensor.conf"
"$NCCOLLECTD" -n -f "$T/bad/sensor.conf" >/dev/null 2>"$T/bad/err"
is "$?/$(grep -c 'sensor: a collector with input jetstream' "$T/bad/err")" \
    1/1 "-n: input jetstream with a sensor is refused, saying why"

nframes=40000
[ -n "${NCAP_SANITIZER:-}" ] && nframes=20000
"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" $nframes 5 >/dev/null

# -- the reference: the spool, a sensor of the same name
start_collector "$T/ref" || exit 1
run_sensor "$T/ref/s" s.one "$T/big.pcap" "acks yes"
is $? 0 "reference: the replay to a spool collector exits 0"
stop_collector
type_records "$T/ref/spool" "$T/ref.recs"
REFREC=$(cat "$T/ref.recs"/* | wc -l)
check "reference: records stored ($REFREC)" [ "$REFREC" -gt 5000 ]

# -- 1. a server, a publishing collector, a consuming one
NP=$(free_tcp)
URL=nats://127.0.0.1:$NP
nats n0 "$NP"
start_collector "$T/pub" "output jetstream url \"$URL\" stream \"NCAP\"
jetstream timeout 2" || exit 1
PUB=$CPID
is "$(settle 10 'cstat "$T/pub" jetstream.stream' NCAP)" NCAP \
    "1: the publishing collector makes stream NCAP"
CC=$T/cc
consumer "$CC"
is "$(settle 10 'cstat "$CC" jetstream.consumer' spool-1)" spool-1 \
    "1: the consuming collector makes its durable consumer spool-1"
check "1: it takes no datagrams: no UDP socket" \
    [ -z "$(ss -Hulnp | grep "pid=$CCPID,")" ]
# The replay starts while the publishing collector's publisher is
# stopped: nothing is acked, so the sensor sends the 64 datagrams a
# session may before its first ack and no more, and is then stopped
# too.  The stream gets those, and the rest of the replay only after
# the consumer's restart, however fast this machine is.
PP=$(child "$PUB" publisher)
kill -STOP "$PP"
sensor_conf "$T/pub/s" s.one "acks yes"
"$NCAGENTD" -d -v -f "$T/pub/s/ncagentd.conf" -r "$T/big.pcap" -w 60 \
    >"$T/pub/s/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
is "$(settle 20 'cstat "$T/pub/s" datagrams' 64)" 64 \
    "2: the sensor sends 64 datagrams before an ack"
SKIDS="$SPID $(pgrep -P "$SPID" | tr '\n' ' ')"
kill -STOP $SKIDS

# -- 2. in the middle of it: what was stored not acked, then every
# process killed.  The consumer's receiver is stopped while its
# publisher fetches what the stream has, then the publisher while the
# receiver stores it: stored, never acked.
R=$(child "$CCPID" receiver)
P=$(child "$CCPID" publisher)
kill -STOP "$R"
kill -CONT "$PP"
settle 10 '[ "$(cstat "$T/pub" jetstream.published)" -gt 0 ] && echo y' y \
    >/dev/null
echo "# 2: the sensor held, $(cstat "$T/pub" jetstream.published) messages published"
sleep 1
kill -STOP "$P"
kill -CONT "$R"
sleep 1
before=$(ls "$CC/spool/s.one" | wc -l)
kill_all "$CCPID"
kill -CONT "$P" 2>/dev/null
check "2: killed once it had stored into files ($before)" [ "$before" -gt 0 ]
consumer "$CC"
kill -CONT $SKIDS
wait "$SPID"
is $? 0 "2: the replay to the publishing collector exits 0"
is "$(settle 20 drained 0/0/0)" 0/0/0 \
    "2: the restarted consumer gets the whole stream, and acks it"
c=$(counts)
total=$(cstat "$T/pub" jetstream.published)
echo "# 2: after the restart: stored/repeats/bad $c of $total messages"
check "2: killed mid-way: the restarted one stored more (${c%%/*})" \
    [ "${c%%/*}" -gt 0 ]
check "2: what was stored before the kill and not acked comes again, and is \
not stored again (repeats ${c#*/})" [ "$(cstat "$CC" jetstream.repeats)" -gt 0 ]
is "$(cstat "$CC" jetstream.bad)" 0 "2: no message is bad"
check "2: show stats: the server it is connected to" \
    [ "$(cstat "$CC" jetstream.server)" = "$URL" ]
kill -TERM "$CCPID"
wait "$CCPID"
is $? 0 "2: the consumer exits 0"
closed=$(find "$CC/spool" -name '*-*-*.ncap' | wc -l)
check "2: rotate closed files ($closed)" [ "$closed" -gt 4 ]
is "$(find "$CC/spool" -name '*.ncap.open' | wc -l)" 0 \
    "2: none is left open"
type_records "$CC/spool" "$T/cc.recs" >"$T/cc.dump"
is "$(grep -c 'does not read' "$T/cc.dump")" 0 "2: ncctl dump reads every file"
verdict 2 "$T/ref.recs" "$T/cc.recs"
is "$(ls "$CC/spool")" s.one "2: one sensor, s.one, its name from the subject"
echo "# 2: $(($(date +%s) - t0)) s"

# -- 3. once more: the consumer resumes where it stopped
consumer "$CC"
is "$(settle 10 'cstat "$CC" jetstream.consumer' spool-1)" spool-1 \
    "3: started again, it takes its consumer as it is"
sleep 3
is "$(cstat "$CC" jetstream.fetched)/$(counts)" 0/0/0/0 \
    "3: nothing is fetched again, nothing stored"

# -- 4. bad messages, published by hand
# a TCP record of the reference, framed, for payloads that are nearly right
REC=$("$PYTHON" - "$(find "$T/ref/spool/s.one" -name 'TCP*.ncap' |
    head -n 1)" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
# the header, a framed Header; then the first record
def varint(b, o):
    v = s = 0
    while True:
        c = b[o]; o += 1; v |= (c & 0x7f) << s; s += 7
        if c < 0x80:
            return v, o
o = 0
n, o = varint(d, o)
o += n
n, p = varint(d, o)
print(d[o:p + n].hex())
EOF
)
check "4: a record to build messages from" [ -n "$REC" ]
hpub ncap.s%2Eone.TCP 1 ffffffff0f00 &&
hpub ncap.s%2Eone.TCP 1 "${REC%??}" &&
hpub ncap.s%2Eone.TCP 2 "$REC" &&
hpub ncap.s%2Eone.TCP - "$REC" &&
hpub ncap.%2Ehidden.TCP 1 "$REC" &&
hpub ncap.s%2Fx.TCP 1 "$REC" &&
hpub ncap.s%2Eone.NoSuchType 1 "$REC" &&
hpub ncap.s%2Eone.TCP 1 020f00
is $? 0 "4: eight messages published by hand"
is "$(settle 10 counts 0/0/8)" 0/0/8 "4: each of them counted as bad"
check "4: and logged, each with why" grep -q \
    "jetstream: message .* on ncap.s%2Eone.TCP: record framing or count wrong: skipped" \
    "$CC/collector.log"
check "4: a count Ncap-Records does not say" grep -q \
    "on ncap.s%2Eone.TCP: Ncap-Records says 2, the payload holds 1: skipped" \
    "$CC/collector.log"
sleep 2.5
is "$(counts)/$(drained)" 0/0/8/0/0/0 \
    "4: none is sent again once its ack wait is over"
check "4: no directory for a name the spool refuses" \
    [ "$(ls "$CC/spool")" = s.one ]
kill -TERM "$CCPID"
wait "$CCPID"
is $? 0 "4: the consumer exits 0"
rm -rf "$T/cc.recs"
type_records "$CC/spool" "$T/cc.recs" >/dev/null
verdict "4, the spool" "$T/ref.recs" "$T/cc.recs"

# -- 5. stopped (SIGTERM) while messages flow: the receiver, held
# (SIGSTOP) while the publisher fetches, has a backlog of messages from
# it, and the parent's order to stop behind them.  Every message it
# stores is journaled and acked before it exits: started again, it
# stores the rest, and none of the first run's comes again (an ack wait
# of 10 s, so that only an ack lost at the stop could bring one back)
DURABLE=spool-2 ACKWAIT=10
CC=$T/c2
NOWAIT=1 consumer "$CC"
# held as soon as it made its first file: the stream is far from done
_i=0
until R=$(child "$CCPID" receiver) && [ -n "$R" ] || [ $_i -ge 1000 ]; do
	sleep 0.01
	_i=$((_i + 1))
done
until [ -d "$CC/spool/s.one" ] || [ $_i -ge 2000 ]; do
	sleep 0.01
	_i=$((_i + 1))
done
kill -STOP "$R"
sleep 1
kill -TERM "$CCPID"
sleep 0.3
kill -CONT "$R"
wait "$CCPID"
is $? 0 "5: stopped while messages flow, the consumer exits 0"
b1=$(sed -n 's/.*totals:.* batches \([0-9]*\) .*/\1/p' "$CC/collector.log")
echo "# 5: stored before the stop: $b1"
consumer "$CC"
is "$(settle 30 drained 0/0/0)" 0/0/0 \
    "5: restarted, it gets the rest of the stream, and acks it"
c=$(counts)
echo "# 5: after the restart: stored/repeats/bad $c of $total messages"
check "5: stopped mid-way: the restarted one stored more (${c%%/*})" \
    [ "${c%%/*}" -gt 0 ]
is "$(cstat "$CC" jetstream.repeats)" 0 \
    "5: nothing stored before the stop comes again: each was acked"
is "$((b1 + ${c%%/*}))" "$total" \
    "5: each message of the stream stored once, in one run or the other"
kill -TERM "$CCPID"
wait "$CCPID"
type_records "$CC/spool" "$T/c2.recs" >/dev/null
verdict 5 "$T/ref.recs" "$T/c2.recs"
unset DURABLE ACKWAIT

# -- 6. the stream deleted and made again under its name: its sequence
# numbers start from 1 again, and the window of the old one would take
# its messages for repeats (acked, never stored).  A consumer stores 5
# messages of a new NCAP and stops; NCAP is made again with 7: started
# again, it forgets its window (the stream's creation time is another)
# and stores all 7; made again once more while it runs, with 4: it
# finds its consumer gone, makes it again, forgets, stores all 4
DURABLE=spool-3
CC=$T/c3
remake
is $? 0 "6: stream NCAP deleted and made again"
valid 5
consumer "$CC"
is "$(settle 10 counts 5/0/0)" 5/0/0 "6: a consumer stores its 5 messages"
kill -TERM "$CCPID"
wait "$CCPID"
remake && valid 7
is $? 0 "6: NCAP made again, 7 messages in it"
consumer "$CC"
is "$(settle 10 counts 7/0/0)/$(cstat "$CC" jetstream.resets)" 7/0/0/1 \
    "6: started again, it takes all 7 as new, none as a repeat"
check "6: and says why it forgot its window" grep -q \
    "stream NCAP: made .*, it is not the stream the window is of, made .*: the window of the sequence numbers stored, up to 5, is forgotten" \
    "$CC/collector.log"
remake && valid 4
is $? 0 "6: NCAP made again while it runs, 4 messages in it"
is "$(settle 15 counts 11/0/0)/$(cstat "$CC" jetstream.resets)" 11/0/0/2 \
    "6: it finds its consumer gone, makes it again, and stores all 4"
check "6: saying so" grep -q \
    "consumer spool-3 of stream NCAP: not found: it is set up again" \
    "$CC/collector.log"
kill -TERM "$CCPID"
wait "$CCPID"
is $? 0 "6: the consumer exits 0"
type_records "$CC/spool" "$T/c3.recs" >/dev/null
is "$(ls "$T/c3.recs")/$(wc -l <"$T/c3.recs/TCP")" TCP/16 \
    "6: its spool holds the 16 records, each once"
unset DURABLE

CPID=$PUB
stop_collector
is $? 0 "the publishing collector exits 0"
check "the consuming publisher ran sandboxed, with its fetch thread's pipe" \
    grep -q "publisher\]: sandbox publisher entered, 15 descriptors" \
    "$CC/collector.log"
check "no process died of SIGSYS" [ "$(cat "$T"/*/collector.log |
    grep -c SIGSYS)" = 0 ]
echo "# $(($(date +%s) - t0)) s"
finish
