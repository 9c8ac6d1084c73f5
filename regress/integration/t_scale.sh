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

# Issue 12, end to end: a cluster of three nats-server on loopback
# (random ports, data in the scratch directory), a stream of three
# replicas the collectors make, two collectors A and B publishing into
# it, and ten sensors replaying captures of genbig.py (a seed each) with
# acks and a small queue, so that a sensor whose collector does not
# answer stops reading its file and keeps what it sent:
#
#	both	s0..s4: collectors A then B, failover-timeout 1s
#	a	s5..s7: A only
#	b	s8, s9: B only
#
# In the middle of the replays the NATS node that leads the stream is
# killed (SIGKILL), then collector A; both are started again, A on the
# same port and spool.  While A is away, the sensors of A alone keep
# their datagrams (queued, not acknowledged) and those of both move to
# B; once A is back they come back to it.  Every sensor exits 0, all
# acknowledged.  Then, per sensor: the records of the stream
# (ncctl dump -j -S sensor -u) are, as a multiset per record type, those
# a clean run of the same capture and configuration stored in the spool
# of one collector; per type, the stream's Ncap-Records add up to the
# reference's count; and no Nats-Msg-Id is in the stream twice.  The
# counts (sent, stored, duplicates, lost) per class are TAP comments.
# Last, a collector with input jetstream reads the whole stream into a
# spool of its own, whose files must hold the same, sensor by sensor.
#
# The sensors of both are the hard case: while the leader moves,
# publishes fail and the sensors fail over and back, and a batch the
# stream took without its collector acknowledging it is sealed again
# for the other collector in a new session.  It names the datagram it
# first went out in (its origin, wire.h), and the collectors publish it
# under that name: JetStream's duplicate window or the marks drop it.
# KEEP=DIR keeps the files.
. "$REGRESS/integration/lib.sh"

need_nats
JSREAD=$UNITDIR/jsread
t0=$(date +%s)
FRAMES=4000		# frames of each sensor's capture,
CHUNKS=8		# replayed in that many files,
PAUSE=0.8		# with a pause between them: about 8 s
FAILOVER=1		# failover-timeout, seconds
W=20			# -w: a sensor gives up after that long without acks
if [ -n "${NCAP_SANITIZER:-}" ]; then
	FRAMES=2400
fi
SENSORS="0 1 2 3 4 5 6 7 8 9"

scale_cleanup() {
	kill_pids
	[ -z "${KEEP:-}" ] || cp -r "$T" "$KEEP"
	cleanup
}
trap scale_cleanup EXIT
trap 'exit 1' HUP INT TERM

# class I: both, a or b
class() {
	case $1 in
	[0-4]) echo both ;;
	[5-7]) echo a ;;
	*) echo b ;;
	esac
}
# sconf DIR NAME COLLECTOR-LINES: a sensor's configuration
sconf() {
	mkdir -p "$1"
	cat >"$1/ncagentd.conf" <<EOC
name "$2"
$3
collector-key "$T/keys/pub.key"
user "nobody"
chroot "$T/empty"
flush-interval 200ms
queue-size 64K
acks yes
socket "$1/ctl.sock"
EOC
}
# replay DIR I PAUSE: the sensor of DIR replays capI.0.pcap, capI.1.pcap
# ... one after the other, PAUSE seconds between them, in the
# background, its pid in SPID; DIR/sensor.J.log the logs, DIR/failed
# the chunks whose replay did not exit 0
replay() {
	(
		: >"$1/failed"
		_j=0
		while [ $_j -lt "$CHUNKS" ]; do
			[ $_j -gt 0 ] && sleep "$3"
			"$NCAGENTD" -d -v -f "$1/ncagentd.conf" \
			    -r "$T/cap$2.$_j.pcap" -w "$W" \
			    >"$1/sensor.$_j.log" 2>&1 || echo "$_j" >>"$1/failed"
			_j=$((_j + 1))
		done
		[ ! -s "$1/failed" ]
	) &
	SPID=$!
	PIDS="$PIDS $SPID"
}
# sstat DIR KEY: a counter of the running sensor of DIR, 0 if none runs
sstat() { cstat "$1" "$2" 2>/dev/null || echo 0; }
# colls LOG NAME: a counter of a sensor's "collectors:" line
colls() { sed -n "s/.*collectors:.* $2 \([0-9][0-9]*\).*/\1/p" "$1"; }
# ssum DIR FIELD: tsum of every log of the sensor of DIR
ssum() {
	_n=0
	for _l in "$1"/sensor.*.log; do
		_n=$((_n + $(tsum "$_l" "$2")))
	done
	echo $_n
}
# records DUMP OUT: the records of `ncctl dump -j` output DUMP, a sorted
# file per record type (from the headers) in OUT
records() {
	rm -rf "$2"
	mkdir -p "$2"
	"$PYTHON" - "$1" "$2" <<'EOF' || echo "# $1: cannot split"
import json, os, sys
out, t, files = sys.argv[2], None, {}
for line in open(sys.argv[1]):
    j = json.loads(line)
    if "record_type" in j and "magic" in j:
        t = j["record_type"]
        continue
    if t not in files:
        files[t] = open(os.path.join(out, t + ".all"), "a")
    files[t].write(line)
EOF
	sort_types "$2"
}
# counts RECS: "TYPE N" per type of a directory of records
counts() {
	for _f in "$1"/*; do
		[ -e "$_f" ] || continue
		echo "$(basename "$_f") $(wc -l <"$_f")"
	done
}

# the consuming collector (nccollectd input jetstream): it reads the
# whole stream, from all three nodes, into a spool of its own, and each
# sensor's files there hold the records of the reference, once each
consumer_check() {
	CC=$T/cons
	mkdir -p "$CC"
	cat >"$CC/nccollectd.conf" <<EOC
spool "$CC/spool"
user "nobody"
chroot "$T/empty"
socket "$CC/ctl.sock"
input jetstream url "$URLS" stream "NCAPS" durable "files"
jetstream timeout 2
EOC
	"$NCCOLLECTD" -d -v -f "$CC/nccollectd.conf" >"$CC/collector.log" 2>&1 &
	CCPID=$!
	PIDS="$PIDS $CCPID"
	wait_ctl "$CC"
	_m=$(wc -l <"$T/stream.list")
	is "$(settle 60 'cstat "$CC" jetstream.stored' "$_m")" "$_m" \
	    "the consuming collector stores the stream's $_m messages"
	kill -TERM "$CCPID"
	wait "$CCPID" || echo "# the consuming collector exited $?"
	_bad=""
	for i in $SENSORS; do
		type_records "$CC/spool/s$i" "$T/cons.s$i"
		"$PYTHON" "$REGRESS/integration/multiset.py" "$T/ref.s$i" \
		    "$T/cons.s$i" >"$T/cons.s$i.cmp"
		set -- $(awk '$1 == "total" { print $5, $7, $9, $11 }' \
		    "$T/cons.s$i.cmp")
		echo "# consumer s$i: $1 records, duplicated $2, lost $3, foreign $4"
		[ "$2/$3/$4" = 0/0/0 ] || _bad="$_bad s$i($2/$3/$4)"
	done
	is "$_bad" "" "per sensor, the consumer's files hold each record of the reference once, and no other"
}

for i in $SENSORS; do
	"$PYTHON" "$CAPDIR/genbig.py" "$T/cap$i.pcap" "$FRAMES" $((100 + i)) \
	    >/dev/null
done
# each cut in CHUNKS files capI.J.pcap, replayed one after the other
"$PYTHON" - "$T" "$CHUNKS" $SENSORS <<'EOF'
import struct, sys
d, k = sys.argv[1], int(sys.argv[2])
for i in sys.argv[3:]:
    data = open("%s/cap%s.pcap" % (d, i), "rb").read()
    hdr, off, recs = data[:24], 24, []
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        recs.append(data[off:off + 16 + incl])
        off += 16 + incl
    per = (len(recs) + k - 1) // k
    for j in range(k):
        with open("%s/cap%s.%d.pcap" % (d, i, j), "wb") as f:
            f.write(hdr + b"".join(recs[j * per:(j + 1) * per]))
EOF

# -- the reference: the same captures and sensors, one spool collector
P=$(free_port)
collect "$T/ref" 127.0.0.1 "$P" "$T/keys" || exit 1
RPID=$CPID
RSP=""
for i in $SENSORS; do
	sconf "$T/ref/s$i" "s$i" "collector 127.0.0.1 port $P"
	replay "$T/ref/s$i" "$i" 0
	RSP="$RSP $SPID"
done
bad=0
for p in $RSP; do
	wait "$p" || bad=$((bad + 1))
done
is "$bad" 0 "reference: the ten replays to one spool collector exit 0"
kill -TERM "$RPID"
wait "$RPID"
for i in $SENSORS; do
	type_records "$T/ref/spool/s$i" "$T/ref.s$i"
	nr=$(cat "$T/ref.s$i"/* | wc -l)
	sent=$(ssum "$T/ref/s$i" sent)
	[ "$nr" -gt 0 ] && [ "$nr" -eq "$sent" ] || bad=$((bad + 1))
	echo "# reference s$i: $nr records ($sent sent)"
done
is "$bad" 0 "reference: each sensor's spool holds the records it sent"
echo "# reference: $(($(date +%s) - t0)) s"

# -- the cluster
cluster ncaps
node 1
node 2
node 3
JS="output jetstream url \"$URLS\" stream \"NCAPS\"
jetstream replicas 3
jetstream duplicate-window 10m
jetstream timeout 2"

PA=$(free_port)
PB=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
collect "$T/a" 127.0.0.1 "$PA" "$T/keys" "" "$JS" || exit 1
APID=$CPID
collect "$T/b" 127.0.0.1 "$PB" "$T/keys" "" "$JS" || exit 1
BPID=$CPID
is "$(settle 20 'cstat "$T/a" jetstream.stream' NCAPS)/$(settle 20 \
    'cstat "$T/b" jetstream.stream' NCAPS)" NCAPS/NCAPS \
    "the collectors connect, stream NCAPS of three replicas is there"
echo "# cluster up: $(($(date +%s) - t0)) s"

SP=""
for i in $SENSORS; do
	case $(class "$i") in
	both) c="collector 127.0.0.1 port $PA
collector 127.0.0.1 port $PB
failover-timeout ${FAILOVER}s" ;;
	a) c="collector 127.0.0.1 port $PA" ;;
	b) c="collector 127.0.0.1 port $PB" ;;
	esac
	sconf "$T/s$i" "s$i" "$c"
	replay "$T/s$i" "$i" "$PAUSE"
	SP="$SP $SPID"
	eval "SPID$i=$SPID"
done

# in the middle: the stream's leader, then A itself
settle 20 '[ "$(cstat "$T/a" jetstream.published)" -gt 50 ] && echo y' y \
    >/dev/null
# the node that leads stream NCAPS, as a node's monitoring port says
leader() {
	"$PYTHON" - "$1" <<'EOF'
import json, sys, urllib.request
u = "http://127.0.0.1:%s/jsz?streams=true" % sys.argv[1]
j = json.load(urllib.request.urlopen(u, timeout=5))
for a in j.get("account_details", []):
    for st in a.get("stream_detail", []):
        if st["name"] == "NCAPS":
            print(st["cluster"]["leader"])
EOF
}
on=$(leader "$M1" 2>/dev/null)
case "$on" in
n[123]) k=${on#n} ;;
*) echo "# no leader of NCAPS found ($on): n1"; k=1 ;;
esac
eval "kill -KILL \$NPID$k; wait \$NPID$k" 2>/dev/null
echo "# killed node n$k, the stream's leader, after $(cstat "$T/a" jetstream.published) batches of A"
sleep 0.5
kill_all "$APID"
echo "# killed collector A at $(($(date +%s) - t0)) s"
running=0
for p in $SP; do
	kill -0 "$p" 2>/dev/null && running=$((running + 1))
done
is "$running" 10 "the ten replays were still running"
sleep 0.5
node "$k"
# away for more than failover-timeout: the sensors of both move to B
sleep $((FAILOVER * 2))
q=0 ack0=""
for i in 5 6 7; do
	q=$((q + $(sstat "$T/s$i" queued)))
	ack0="$ack0 $(sstat "$T/s$i" acknowledged)"
done
check "A away: the sensors of A alone keep their datagrams ($q queued)" \
    [ "$q" -gt 0 ]
sleep 0.5
ack1=""
for i in 5 6 7; do
	ack1="$ack1 $(sstat "$T/s$i" acknowledged)"
done
is "$ack1" "$ack0" "A away: and nothing of theirs is acknowledged"
collect "$T/a" 127.0.0.1 "$PA" "$T/keys" "" "$JS" || exit 1
APID=$CPID
echo "# collector A back at $(($(date +%s) - t0)) s"

bad=""
for i in $SENSORS; do
	eval "p=\$SPID$i"
	wait "$p" || bad="$bad s$i"
done
is "$bad" "" "every replay exits 0, everything acknowledged"
echo "# replays done: $(($(date +%s) - t0)) s"
bad=""
for i in $SENSORS; do
	[ "$(ssum "$T/s$i" unacknowledged)" = 0 ] ||
	    bad="$bad s$i"
done
is "$bad" "" "no sensor logs a record not acknowledged"
fo=0 fb=0 moved="" back=""
for i in 0 1 2 3 4; do
	for l in "$T/s$i"/sensor.*.log; do
		fo=$((fo + $(colls "$l" failovers)))
		fb=$((fb + $(colls "$l" failbacks)))
	done
	grep -q "failing over to 127.0.0.1 port $PB," "$T/s$i"/sensor.*.log &&
	    moved="$moved s$i"
	# the last file's replay, after A came back: to A, and A answered
	l=$T/s$i/sensor.$((CHUNKS - 1)).log
	grep -q "collectors:.*last sent to 127.0.0.1 port $PA\$" "$l" &&
	    [ "$(sed -n "s/.*collector 127.0.0.1 port $PA: sent [0-9]* acknowledged \([0-9]*\).*/\1/p" "$l")" -gt 0 ] &&
	    back="$back s$i"
done
echo "# the sensors of both: $fo failovers, $fb failbacks (a file's replay starts on A)"
is "$moved" " s0 s1 s2 s3 s4" "the sensors of both failed over to B"
is "$back" " s0 s1 s2 s3 s4" "and came back to A: their last replay went to A, acknowledged"

# -- the stream against the reference
eval "_p=\$P$k"
URL=nats://127.0.0.1:$_p
"$JSREAD" "$URL" NCAPS ncap >"$T/stream.list" || echo "# jsread failed"
is "$(awk '{ print $4 }' "$T/stream.list" | sort | uniq -d | wc -l)" 0 \
    "no Nats-Msg-Id is twice in the stream ($(wc -l <"$T/stream.list") messages)"
for c in both a b; do
	eval "S_$c=0 R_$c=0 D_$c=0 L_$c=0 F_$c=0"
done
bad=""
cbad=""
for i in $SENSORS; do
	"$NCCTL" dump -j -S "s$i" -u "$URL" NCAPS >"$T/run.s$i.dump" ||
	    echo "# dump of s$i from the stream failed"
	records "$T/run.s$i.dump" "$T/run.s$i"
	"$PYTHON" "$REGRESS/integration/multiset.py" "$T/ref.s$i" \
	    "$T/run.s$i" >"$T/s$i.cmp"
	set -- $(awk '$1 == "total" { print $3, $5, $7, $9, $11 }' \
	    "$T/s$i.cmp")
	c=$(class "$i")
	eval "S_$c=\$((S_$c + $(ssum "$T/s$i" sent)))"
	eval "R_$c=\$((R_$c + $2)) D_$c=\$((D_$c + $3))"
	eval "L_$c=\$((L_$c + $4)) F_$c=\$((F_$c + $5))"
	[ "$3/$4/$5" = 0/0/0 ] || bad="$bad s$i($3/$4/$5)"
	# per type: the Ncap-Records of its messages, the reference's count
	awk -v s="s$i" '$2 == s { n[$3] += $5 } END { for (t in n) print t, n[t] }' \
	    "$T/stream.list" | sort >"$T/s$i.got"
	counts "$T/ref.s$i" | sort >"$T/s$i.want"
	cmp -s "$T/s$i.got" "$T/s$i.want" || cbad="$cbad s$i"
done
for c in both a b; do
	eval "echo \"# \$c: sent \$S_$c stored \$R_$c duplicates \$D_$c lost \$L_$c foreign \$F_$c\""
done
is "$bad" "" "per sensor, the stream holds each record of the reference once, and no other"
is "$cbad" "" "per sensor and type, the messages' Ncap-Records are the reference's count"
consumer_check
# what the stream was given again and did not store: JetStream's
# duplicates within the window, the marks' replays (A's since restart)
for c in a b; do
	echo "# collector $c: $(cstat "$T/$c" jetstream.published) published," \
	    "$(cstat "$T/$c" jetstream.duplicates) duplicates," \
	    "$(cstat "$T/$c" jetstream.replays-dropped) replays dropped"
done

for p in $APID $BPID; do
	kill -TERM "$p"
	wait "$p" || echo "# collector $p exited $?"
done
check "no process died of SIGSYS" [ "$(cat "$T"/a/collector.*.log \
    "$T"/b/collector.*.log "$T/cons/collector.log" | grep -c SIGSYS)" = 0 ]
for k in 1 2 3; do
	eval "kill -TERM \$NPID$k; wait \$NPID$k" 2>/dev/null
done
echo "# $(($(date +%s) - t0)) s"
finish
