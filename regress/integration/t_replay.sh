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

# No duplicates across collectors: two collectors, A and B, with the
# same key, publish into one stream whose duplicate window is 2 s; a
# sensor sends to A through a relay that records its datagrams
# (relay.py -w).  A collector whose bucket is not there, with
# `jetstream create no', refuses batches and says why.
#
#  1. once A stored and acknowledged everything and the duplicate
#     window passed, the recorded datagrams go to B: B stores nothing
#     (the stream's messages stay as many), counts each of its batches
#     as a replay dropped (none a duplicate of JetStream's: the window
#     is past, the sessions' marks in the bucket did it), and answers
#     them as stored;
#  2. the same within the window, right after A acknowledged them:
#     nothing stored, each batch a replay dropped or a duplicate;
#  3. a new session of the same sensor, sent to B: stored as usual;
#  4. the bucket holds the marks: a key per session, <sensor key
#     hex>.<session nonce hex>, whose value is the session's highest
#     number;
#  5. a batch A stored, sealed again in a new session for B after the
#     window, naming the datagram it first went out in (as a sensor
#     that fails over does): B stores nothing; named after another
#     datagram, it is stored, under that name.
. "$REGRESS/integration/lib.sh"

need_nats
JSREAD=$UNITDIR/jsread
t0=$(date +%s)

# msgs: the messages in stream NCAP
msgs() { "$JSREAD" "$URL" NCAP ncap | wc -l; }
# replay RECORD PORT: each datagram of RECORD (relay.py -w) sent to
# PORT, in order; prints how many
replay() {
	"$PYTHON" - "$1" "$2" <<'EOF'
import socket, struct, sys, time
data = open(sys.argv[1], "rb").read()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
off = n = 0
while off + 4 <= len(data):
    l = struct.unpack(">I", data[off:off + 4])[0]
    s.sendto(data[off + 4:off + 4 + l], ("127.0.0.1", int(sys.argv[2])))
    off += 4 + l
    n += 1
    if n % 100 == 0:
        time.sleep(0.01)
print(n)
EOF
}
# relay RECORD: a recording relay to A; RPORT its port, RLPID its pid
relay() {
	RPORT=$(free_port)
	"$PYTHON" "$REGRESS/integration/relay.py" -w "$1" "$RPORT" "$APORT" \
	    2>"$1.log" &
	RLPID=$!
	PIDS="$PIDS $RLPID"
	# the shell makes $1.log in the relay's process: not there yet, maybe
	until_ok 5 grep -qs listening "$1.log"
}
# jsconf URL [BUCKET]
jsconf() {
	printf 'output jetstream url "%s" stream NCAP\njetstream duplicate-window 2s\njetstream timeout 2\njetstream marks "%s"\n' \
	    "$1" "${2:-TMARKS}"
}

"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" 4000 5 >/dev/null
# the sensor of 1. and 3., one key
"$NCCTL" keygen "$T/sk" >/dev/null || { echo "Bail out! keygen"; exit 1; }
SK=$(cat "$T/sk/pub.key")

NP=$(free_tcp)
URL=nats://127.0.0.1:$NP
nats n0 "$NP"
start_collector "$T/a" "$(jsconf "$URL")" || exit 1
APID=$CPID APORT=$CPORT
is "$(settle 10 'cstat "$T/a" jetstream.stream' NCAP)" NCAP \
    "A makes stream NCAP and bucket TMARKS"
start_collector "$T/b" "$(jsconf "$URL")" || exit 1
BPID=$CPID BPORT=$CPORT
is "$(settle 10 'cstat "$T/b" jetstream.stream' NCAP)" NCAP \
    "B takes both as they are"
check "B logs the bucket, when it writes and reads marks again" grep -q \
    "marks in bucket TMARKS, written every 1000 ms, read again after 500 ms" \
    "$T/b/collector.log"

# a bucket that is not there, and may not be made
start_collector "$T/c" "$(jsconf "$URL" NOPE)
jetstream create no" || exit 1
W="marks bucket NOPE: not found"
is "$(settle 10 'cstat "$T/c" jetstream.last-error' "$W")" "$W" \
    "jetstream create no, a bucket that is not there: show stats says so"
is "$(cstat "$T/c" jetstream.stream)" - \
    "and the stream is not taken: batches are refused"
check "it logs it" grep -q "jetstream: $W: batches are refused" \
    "$T/c/collector.log"
stop_collector

# -- 1. after the duplicate window
relay "$T/one.rec"
CPORT=$RPORT
run_sensor "$T/a/s1" rp.one "$T/big.pcap" "acks yes
keyfile \"$T/sk/priv.key\""
is $? 0 "1: the sensor's replay to A through the relay is all acknowledged"
kill -TERM "$RLPID"
BA=$(cstat "$T/a" batches)
N1=$(msgs)
is "$N1" "$BA" "1: A stored $BA batches, a message each"
# A writes its marks once a second (a twelfth of the window, at least
# 1 s); the window is 2 s
sleep 3
D=$(replay "$T/one.rec" "$BPORT")
echo "# 1: $D datagrams recorded, sent to B"
BB=$(steady 'cstat "$T/b" batches')
is "$BB" "$BA" "1: B takes each of A's batches ($BB of $BA)"
is "$(msgs)" "$N1" "1: and stores none: the stream holds $N1 messages still"
is "$(cstat "$T/b" jetstream.replays-dropped)" "$BB" \
    "1: B counts each as a replay dropped"
is "$(cstat "$T/b" jetstream.duplicates)/$(cstat "$T/b" \
    jetstream.published)" 0/0 \
    "1: none went to JetStream: the window is past, the marks did it"
is "$(cstat "$T/b" jetstream.marks-errors)" 0 "1: no errors with the marks"
check "1: B logs it" grep -q "is stored already: not published again" \
    "$T/b/collector.log"
echo "# 1: $(($(date +%s) - t0)) s"

# -- 2. within the window
relay "$T/two.rec"
CPORT=$RPORT
run_sensor "$T/a/s2" rp.two "$CAPDIR/decode-ether.pcap" "acks yes"
is $? 0 "2: a second sensor through the relay to A, acknowledged"
kill -TERM "$RLPID"
N2=$(msgs)
B2A=$(($(cstat "$T/a" batches) - BA))
check "2: A stored its batches ($B2A)" [ "$B2A" -gt 0 ]
is "$N2" $((N1 + B2A)) "2: a message each"
R0=$(cstat "$T/b" jetstream.replays-dropped)
replay "$T/two.rec" "$BPORT" >/dev/null
B2B=$(($(steady 'cstat "$T/b" batches') - BB))
is "$B2B" "$B2A" "2: B takes them, right after ($B2B)"
is "$(msgs)" "$N2" "2: and stores none"
R2=$(($(cstat "$T/b" jetstream.replays-dropped) - R0))
DUP2=$(cstat "$T/b" jetstream.duplicates)
echo "# 2: $R2 dropped as replays, $DUP2 duplicates of JetStream's"
is $((R2 + DUP2)) "$B2A" "2: each a replay dropped or a duplicate"

# -- 3. a new session of the same sensor, to B
CPORT=$BPORT
P0=$(cstat "$T/b" jetstream.published)
R0=$(cstat "$T/b" jetstream.replays-dropped)
run_sensor "$T/a/s1" rp.one "$CAPDIR/decode-ether.pcap" "acks yes
keyfile \"$T/sk/priv.key\""
is $? 0 "3: the sensor again, a new session, to B: acknowledged"
B3=$(($(cstat "$T/b" batches) - BB - B2B))
check "3: B stored its batches ($B3)" [ "$B3" -gt 0 ]
is "$(cstat "$T/b" jetstream.published)" $((P0 + B3)) \
    "3: each published"
is "$(cstat "$T/b" jetstream.replays-dropped)" "$R0" "3: none a replay"
is "$(msgs)" $((N2 + B3)) "3: the stream holds them"

# -- 4. the bucket, read over NATS' own protocol: its stream KV_TMARKS,
# the last message of each subject $KV.TMARKS.<key>
sleep 1.5
"$PYTHON" - "127.0.0.1" "$NP" >"$T/marks" 2>"$T/marks.err" <<'EOF'
import base64, json, socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
f = s.makefile("rb")
f.readline()                            # INFO
s.sendall(b'CONNECT {"verbose":false,"headers":true}\r\nSUB _R.x 1\r\n')
def req(subj, body):
    b = json.dumps(body).encode()
    s.sendall(b"PUB %s _R.x %d\r\n%s\r\n" % (subj.encode(), len(b), b))
    while True:
        line = f.readline().split()
        if line[0] == b"PING":
            s.sendall(b"PONG\r\n")
        elif line[0] == b"MSG":
            data = f.read(int(line[-1]) + 2)[:-2]
            return json.loads(data)
info = req("$JS.API.STREAM.INFO.KV_TMARKS", {"subjects_filter": ">"})
for subj in sorted(info["state"].get("subjects", {})):
    m = req("$JS.API.STREAM.MSG.GET.KV_TMARKS", {"last_by_subj": subj})
    print(subj.split(".", 2)[2],
          base64.b64decode(m["message"]["data"]).decode())
EOF
"$JSREAD" "$URL" NCAP ncap | awk '{ split($4, p, "."); k = p[1] "." p[2]
	if (p[3] + 0 > m[k] + 0) m[k] = p[3]; c[k]++ }
	END { for (k in m) print k, m[k], c[k] }' | sort >"$T/sessions"
sed 's/^/# /' "$T/marks.err"
is "$(wc -l <"$T/marks")" 3 "4: the bucket holds three sessions' marks"
is "$(grep -c "^$SK\\." "$T/marks")" 2 \
    "4: two of them of the sensor of 1. and 3., named by its key"
is "$(awk '{ print $1, $2 }' "$T/sessions" | diff - "$T/marks" |
    grep -c '^[<>]')" 0 \
    "4: each the highest number of its session in the stream"
is "$(awk '$2 != $3' "$T/sessions" | wc -l)" 0 \
    "4: and every number up to it is there"
# -- 5. a batch A stored, sealed again beyond the window in a new session
# for B, naming the datagram it first went out in (its origin), as a
# sensor that fails over does: B stores nothing, the marks know it; one
# naming a datagram the stream never had is stored
"$NCCTL" keygen "$T/k5" >/dev/null || { echo "Bail out! keygen"; exit 1; }
# five [SEQ NONCE-HEX]: the plaintext, a raw batch of one UDP record of
# sensor rp.five, with the origin NONCE-HEX, SEQ when given
five() {
	"$PYTHON" - "$REGRESS/integration" "$@" <<'EOF'
import struct, sys
sys.path.insert(0, sys.argv[1])
from ncpb import FRAMED, batch
b = batch(b"rp.five", b"UDP", 1, FRAMED)
if len(sys.argv) > 2:
    o = bytes.fromhex(sys.argv[3]) + struct.pack(">Q", int(sys.argv[2]))
    b = bytes([0x40]) + o + b
else:
    b = bytes([0]) + b
sys.stdout.buffer.write(b)
EOF
}
forge5() {
	"$NCFORGE" -k "$T/keys/pub.key" -s "$(tr -d '\n' <"$T/k5/priv.key")" "$@"
}
# udp FILE PORT: the datagram of FILE sent to PORT
udp() {
	"$PYTHON" -c 'import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
    open(sys.argv[1], "rb").read(), ("127.0.0.1", int(sys.argv[2])))' "$@"
}
N5=$(msgs)
five | forge5 -T 1000 -o >"$T/five.1" || echo "# ncforge failed"
udp "$T/five.1" "$APORT"
is "$(settle 10 msgs $((N5 + 1)))" $((N5 + 1)) "5: A stores a forged batch"
NONCE=$(od -An -tx1 -j33 -N24 -v "$T/five.1" | tr -d ' \n')
sleep 3
P0=$(cstat "$T/b" jetstream.published)
R0=$(cstat "$T/b" jetstream.replays-dropped)
five 1 "$NONCE" | forge5 -T 2000 127.0.0.1 "$BPORT" ||
    echo "# ncforge failed"
is "$(settle 10 'cstat "$T/b" jetstream.replays-dropped' $((R0 + 1)))" \
    $((R0 + 1)) "5: B drops it sealed again, naming it, as a replay"
is "$(msgs)/$(cstat "$T/b" jetstream.published)" "$((N5 + 1))/$P0" \
    "5: and publishes nothing"
five 2 "$NONCE" | forge5 -T 3000 127.0.0.1 "$BPORT" ||
    echo "# ncforge failed"
is "$(settle 10 msgs $((N5 + 2)))" $((N5 + 2)) \
    "5: one naming a datagram the stream does not have is stored"
"$JSREAD" "$URL" NCAP ncap | grep " rp.five " >"$T/five.list"
is "$(awk '{ print $4 }' "$T/five.list" | sed 's/^[0-9a-f]*\.//' | sort |
    tr '\n' ' ')" "$NONCE.1 $NONCE.2 " \
    "5: under the names of its origin: $(wc -l <"$T/five.list") messages"

CPID=$BPID
stop_collector
is $? 0 "B exits 0"
CPID=$APID
stop_collector
is $? 0 "A exits 0"
check "no process died of SIGSYS" [ "$(cat "$T"/?/collector.log |
    grep -c SIGSYS)" = 0 ]
echo "# $(($(date +%s) - t0)) s"
finish
