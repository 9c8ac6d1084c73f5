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

# Every keyword, changed in turn on a running daemon: the reload either
# reaches every process, which then runs with exactly the new file (as
# -nn reads it), or is refused naming the keyword while every process
# keeps the old one.  Which of the two happens must be what the
# manual's RELOADING section says, and the test knows a new value for
# every keyword the daemon has, one that -nn does not read as the old
# value, or fails.  Then what the processes do with what they were
# given: a live sensor follows a new name, flush interval, idle
# timeout, rekey interval, padding and active timeout at once, and
# compresses what it sends next as a zstd frame when told to.
. "$REGRESS/integration/lib.sh"

# the keywords RELOADING in the daemon's .conf.5 says a reload changes
reloads() {
	awk '/^\.Sh / { on = ($2 == "RELOADING"); next }
	    on && /^\.Ic / { print $2 }' "$REGRESS/../man/$1.conf.5"
}

# show config, checked against what -nn reads from a file:
# same DAEMON SOCKET FILE -> "ok" or what differs
same() {
	"$NCCTL" -s "$2" -j show config >"$T/shown.json" || return 1
	"$1" -nn -f "$3" >"$T/want.conf" 2>/dev/null || return 1
	"$PYTHON" - "$T/shown.json" "$T/want.conf" <<'EOF'
import json, sys
shown = json.load(open(sys.argv[1]))
lines = [l.rstrip("\n") for l in open(sys.argv[2])]
bad = []
for proc, kws in shown.items():
    for kw, v in kws.items():
        # a keyword's lines, without the keyword; "-" when only a
        # comment stands for it
        vals = [l[len(kw) + 1:] for l in lines if l.startswith(kw + " ")]
        want = "; ".join(vals) if vals else "-"
        if v["value"] != want[:79] and not (len(want) > 79 and
                v["value"] == want[:76] + "..."):
            bad.append("%s %s: %r, not %r" % (proc, kw, v["value"], want))
print("\n".join(bad) if bad else "ok")
EOF
}

# TAP lines numbered 0, renumbered below: cycle's loop is a subshell
tap_is() {
	if [ "$1" = "$2" ]; then
		echo "ok 0 - $3"
	else
		echo "not ok 0 - $3 (got '$1', want '$2')"
	fi
}

# cycle NAME DAEMON SOCKET CONF NEWLINES-FILE: one keyword at a time
cycle() {
	_name=$1 _bin=$2 _sock=$3 _conf=$4 _new=$5
	cp "$_conf" "$T/base.conf"
	_reloads=" $(reloads "$_name" | tr '\n' ' ') "
	_known=$(cut -d' ' -f1 "$_new" | sort -u | tr '\n' ' ')
	"$NCCTL" -s "$_sock" -j show config >"$T/kw.json"
	_kws=$("$PYTHON" -c 'import json, sys
print("\n".join(json.load(open(sys.argv[1]))["parent"]))' "$T/kw.json")
	tap_is "$(echo "$_kws" | wc -l)" "$(grep -c . "$_new")" \
	    "$_name: the test has a new value for each of its keywords"
	echo "$_kws" | while IFS= read -r k; do
		_w=${k%% *}
		grep -q "^$k " "$_new" ||
		    echo "not ok 0 - $_name: no new value for $k"
		# the file with this keyword's lines replaced by the new one
		grep -v "^$k " "$T/base.conf" >"$_conf"
		grep "^$k " "$_new" >>"$_conf"
		# a new value that -nn reads as the old one tests nothing
		"$_bin" -nn -f "$T/base.conf" 2>&1 | grep "^$k " >"$T/was"
		"$_bin" -nn -f "$_conf" 2>&1 | grep "^$k " >"$T/now"
		if cmp -s "$T/was" "$T/now"; then
			echo "not ok 0 - $_name: the new $k is the old one:" \
			    "$(cat "$T/now")"
		else
			echo "ok 0 - $_name: the new $k differs from the old"
		fi
		"$NCCTL" -s "$_sock" reload >"$T/out" 2>"$T/err"
		_rc=$?
		case "$_reloads" in
		*" $_w "*)
			tap_is "$_rc" 0 "$_name: $k reloads, as the manual says"
			tap_is "$(same "$_bin" "$_sock" "$_conf")" ok \
			    "$_name: every process runs with the new $k"
			;;
		*)
			tap_is "$_rc" 1 \
			    "$_name: $k takes a restart, as the manual says"
			tap_is "$(grep -c "$k changed, which takes a restart" \
			    "$T/err")" 1 "$_name: the refusal names $k"
			tap_is "$(same "$_bin" "$_sock" "$T/base.conf")" ok \
			    "$_name: every process keeps the old $k"
			;;
		esac
		cp "$T/base.conf" "$_conf"
		"$NCCTL" -s "$_sock" reload >/dev/null 2>&1
		tap_is "$(same "$_bin" "$_sock" "$_conf")" ok \
		    "$_name: and the file before it is back in force"
	done
}

# -- the collector, with one listed sensor
"$NCCTL" keygen "$T/k2" >/dev/null
start_collector "$T/c" "sensor \"alpha\" key $(cat "$T/keys/pub.key")" ||
    exit 1
cat >"$T/c/new" <<EOC
listen on 127.0.0.1 port $(free_port)
keyfile "$T/k2/priv.key"
spool "$T/c/spool2"
user "daemon"
chroot "/tmp"
socket "$T/c/other.sock"
receive-buffer 4m
sync yes
rotate every 1h
keep 2d size 1g
input jetstream
output jetstream
jetstream url "nats://127.0.0.1:4333"
jetstream stream "OTHER"
jetstream subject "other.prefix"
jetstream durable "other-durable"
jetstream credentials "/etc/ncap/other.creds"
jetstream user "u" password "p"
jetstream token "t"
jetstream ca "/etc/ncap/ca.pem"
jetstream certificate "/etc/ncap/c.pem" key "/etc/ncap/c.key"
jetstream replicas 3
jetstream create no
jetstream duplicate-window 1h
jetstream timeout 500ms
jetstream marks "OTHER-MARKS"
jetstream queue-size 16m
jetstream marks-ttl 2d
sensor "beta" key $(cat "$T/k2/pub.key")
EOC
# the listen line of the file is "listen on ..."; show config's key too
cycle nccollectd "$NCCOLLECTD" "$T/c/ctl.sock" "$T/c/nccollectd.conf" \
    "$T/c/new" >"$T/c/cycle.log"

# -- a live sensor, with a keyword of every kind set
sensor_conf "$T/s" alpha "interface \"lo\"
filter \"udp port 9\"
keyfile \"$T/keys/priv.key\"
pad 32"
start_live "$T/s"
SPID=$LIVE
cat >"$T/s/new" <<EOC
name "renamed"
interface "nosuchif0"
filter "udp port 10"
collector 127.0.0.2 port 4300
collector-key "$T/k2/pub.key"
keyfile "$T/k2/priv.key"
user "daemon"
chroot "/tmp"
socket "$T/s/other.sock"
max-datagram 1200
flush-interval 300ms
rekey 20
pad 16
compression zstd
snaplen 1500
buffer-size 8M
promiscuous no
connection-table-size 1000
connection-idle-timeout 30
connection-active-timeout 100
acks no
queue-size 8M
failover-timeout 10s
EOC
cycle ncagentd "$NCAGENTD" "$T/s/ctl.sock" "$T/s/ncagentd.conf" \
    "$T/s/new" >"$T/s/cycle.log"
# the list of collectors: a second one, or the one with a key of its
# own, is a change of collector, which takes a restart
for extra in "collector 127.0.0.2 port 4300" "KEY"; do
	cp "$T/s/ncagentd.conf" "$T/s/base.conf"
	if [ "$extra" = KEY ]; then
		sed -i "s#^\(collector .*\)#\1 key \"$T/keys/pub.key\"#" \
		    "$T/s/ncagentd.conf"
	else
		echo "$extra" >>"$T/s/ncagentd.conf"
	fi
	"$NCCTL" -s "$T/s/ctl.sock" reload >"$T/out" 2>"$T/err"
	echo "$? $(grep -c "collector changed, which takes a restart" \
	    "$T/err") $(same "$NCAGENTD" "$T/s/ctl.sock" "$T/s/base.conf")" \
	    >>"$T/s/lists"
	cp "$T/s/base.conf" "$T/s/ncagentd.conf"
done

# number the lines of both cycles as one TAP stream
for f in "$T/c/cycle.log" "$T/s/cycle.log"; do
	while IFS= read -r l; do
		case "$l" in
		"ok 0 - "*) ok "${l#ok 0 - }" ;;
		"not ok 0 - "*) notok "${l#not ok 0 - }" ;;
		*) echo "# $l" ;;
		esac
	done <"$f"
done

is "$(cat "$T/s/lists")" "1 1 ok
1 1 ok" "a reload that adds a collector, or gives one its own key, is \
refused, and the running list stays"

# what a reload changes, the processes do: a live sensor that batches
# for 60 s, ends idle connections after 60 s and rekeys every 10
# minutes is told to do each at once; its next records come under its
# new name within seconds, an idle connection ends, sessions turn over
CPID_KEEP=$CPID
start_collector "$T/c2" || exit 1
# a port of its own, not the discard port: tests elsewhere on this
# machine send there too
UPORT=$(free_port)
sensor_conf "$T/s3" before "interface \"lo\"
filter \"udp port $UPORT\"
connection-idle-timeout 60
rekey 600"
sed -i 's/^flush-interval .*/flush-interval 60/' "$T/s3/ncagentd.conf"
start_live "$T/s3"
S3PID=$LIVE
sed -i -e 's/^name .*/name "after"/' -e 's/^flush-interval .*/flush-interval 200ms/' \
    -e 's/^connection-idle-timeout .*/connection-idle-timeout 1/' \
    -e 's/^rekey .*/rekey 1/' "$T/s3/ncagentd.conf"
"$NCCTL" -s "$T/s3/ctl.sock" reload >/dev/null
is $? 0 "the live sensor reloads"
# ten datagrams to that port over three seconds
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(10):
    s.sendto(b"reload %d" % i, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.3)' "$UPORT"
is "$(settle 3 'nrecords "$T/c2/spool/after/UDP.ncap"' 10)" 10 \
    "its ten UDP records come within seconds, under its new name"
# the collector's syncs: with sync no, storing them made none
csyncs() {
	"$NCCTL" -s "$T/c2/ctl.sock" -j show stats | "$PYTHON" -c '
import json, sys
print(json.load(sys.stdin)["syncs"])'
}
syncs0=$(csyncs)
is "$(ls "$T/c2/spool")" after "and nothing under the old one"
check "the idle connection ends within seconds" \
    [ "$(settle 3 '[ "$(nrecords "$T/c2/spool/after/Connection.ncap")" -ge 1 ] && echo y' y)" = y ]
sessions() {
	"$NCCTL" -s "$T/c2/ctl.sock" -j show sensors | "$PYTHON" -c '
import json, sys
print(max(v["sessions"] for v in json.load(sys.stdin)["sensors"].values()))'
}
s=$(sessions)
check "sessions turn over every second ($s in three)" [ "$s" -ge 3 ]
is "$(csyncs)" "$syncs0" "with sync no, the collector stored all that without a sync"
# a reload to sync yes: what it stores next is synced before it is acked
echo "sync yes" >>"$T/c2/nccollectd.conf"
"$NCCTL" -s "$T/c2/ctl.sock" reload >/dev/null
is $? 0 "the collector reloads with sync yes"
"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(b"sync %d" % i, ("127.0.0.1", int(sys.argv[1])))' "$UPORT"
more=$(settle 3 '[ "$(csyncs)" -gt "$syncs0" ] && echo more' more)
check "and syncs what it stores from then on ($syncs0, then $(csyncs))" \
    [ "$more" = more ]
kill -TERM "$S3PID"
wait "$S3PID"
stop_collector

# pad and connection-active-timeout, reloaded, change what a live
# sensor sends.  A plaintext is padded to a multiple of pad, behind the
# 137 bytes the wire format puts before it (ncagentd.8, Datagram), and
# the capture cuts batches, and the crypto child takes them, for the
# room padding leaves in a datagram of max-datagram (1400): with pad
# 640, one block of 640 (a datagram of 777 bytes); with pad 16, up to
# 1248.  A child that kept the room of pad 640 would never send more
# than 640 bytes of plaintext (777 on the wire) after the reload.
# The traffic goes to a port of its own: other tests on this machine
# may send to the discard port.
start_collector "$T/c4" || exit 1
DPORT=$(free_port)
sensor_conf "$T/s4" padded "interface \"lo\"
filter \"udp port $DPORT\"
pad 640
connection-active-timeout 300"
start_live "$T/s4"
S4PID=$LIVE
# wire FILE: capture what goes to the collector, until unwire
wire() {
	tcpdump -i lo --immediate-mode -U -B 8192 -w "$1" \
	    "udp dst port $CPORT" 2>"$1.log" &
	TPID=$!
	PIDS="$PIDS $TPID"
	until_ok 5 grep -qs "listening on" "$1.log"
}
unwire() {
	sleep 0.2
	kill -INT "$TPID"
	wait "$TPID" 2>/dev/null
}
# lengths FILE PAD: of the datagrams in it, "count wrong longest",
# wrong being those not 137 bytes and a multiple of PAD, or over 1400
lengths() {
	"$PYTHON" - "$1" "$CPORT" "$2" <<'EOP'
import struct, sys
data = open(sys.argv[1], "rb").read()
port, pad = int(sys.argv[2]), int(sys.argv[3])
if struct.unpack("<I", data[:4])[0] != 0xa1b2c3d4 or \
        struct.unpack("<I", data[20:24])[0] != 1:
    sys.exit("not a little-endian Ethernet pcap file")
off, lens = 24, []
while off + 16 <= len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    pkt = data[off + 16:off + 16 + incl]
    off += 16 + incl
    # Ethernet, IPv4, UDP to the collector
    if pkt[12:14] != b"\x08\x00" or pkt[23] != 17:
        continue
    udp = pkt[14 + (pkt[14] & 0x0f) * 4:]
    if struct.unpack("!H", udp[2:4])[0] == port:
        lens.append(struct.unpack("!H", udp[4:6])[0] - 8)
wrong = [l for l in lens if (l - 137) % pad != 0 or l > 1400]
print(len(lens), len(wrong), max(lens, default=0))
EOP
}
# traffic N: N datagrams to DPORT, enough for some dozens of full
# datagrams to the collector
traffic() {
	"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[1])):
    s.sendto(b"pad %d" % i, ("127.0.0.1", int(sys.argv[2])))
    if i % 200 == 199:
        time.sleep(0.02)' "$1" "$DPORT"
}
wire "$T/s4/before.pcap"
traffic 4000
is "$(settle 5 'nrecords "$T/c4/spool/padded/UDP.ncap"' 4000)" 4000 \
    "pad 640: the 4000 UDP records are stored"
unwire
set -- $(lengths "$T/s4/before.pcap" 640) 0 0 0
check "pad 640: the sensor sent datagrams ($1)" [ "$1" -ge 10 ]
is "$2/$3" 0/777 "pad 640: each is 137 + 640 bytes"
sed -i 's/^pad .*/pad 16/' "$T/s4/ncagentd.conf"
"$NCCTL" -s "$T/s4/ctl.sock" reload >/dev/null
is $? 0 "the live sensor reloads from pad 640 to pad 16"
wire "$T/s4/after.pcap"
traffic 4000
is "$(settle 5 'nrecords "$T/c4/spool/padded/UDP.ncap"' 8000)" 8000 \
    "pad 16: the next 4000 are stored"
unwire
set -- $(lengths "$T/s4/after.pcap" 16) 0 0 0
check "pad 16: the sensor sent datagrams ($1)" [ "$1" -ge 10 ]
is "$2" 0 "pad 16: each is 137 bytes and a multiple of 16, at most 1400"
check "pad 16: batches fill the room pad 640 did not leave (longest $3)" \
    [ "$3" -gt 777 ]
check "the sensor's processes all run" \
    sh -c "! grep -q fatal '$T/s4/sensor.log'"

# a conversation that goes on is reported every connection-active-
# timeout seconds: after 300, nothing for minutes; told 1, at once
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(50):
    s.sendto(b"long %d" % i, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.1)' "$DPORT" &
FLOWPID=$!
PIDS="$PIDS $FLOWPID"
sleep 1.5
# Connection records of state 4, active (records_flow.proto)
nactive() {
	"$NCCTL" dump -j "$T/c4/spool/padded/Connection.ncap" 2>/dev/null |
	    tail -n +2 | "$PYTHON" -c 'import json, sys
print(sum(json.loads(l).get("state") == 4 for l in sys.stdin))'
}
is "$(nactive)" 0 "a conversation of a second and more is not yet reported"
sed -i 's/^connection-active-timeout .*/connection-active-timeout 1/' \
    "$T/s4/ncagentd.conf"
"$NCCTL" -s "$T/s4/ctl.sock" reload >/dev/null
is $? 0 "the sensor reloads with connection-active-timeout 1"
check "and reports the conversation as active within seconds" \
    [ "$(settle 3 '[ "$(nactive)" -ge 1 ] && echo y' y)" = y ]
wait "$FLOWPID"
kill -TERM "$S4PID"
wait "$S4PID"
is $? 0 "the padded sensor exits 0"
stop_collector

# compression zstd, at once: the collector counts the batches it stores
# by the encoding byte they came with, zlib before the reload, zstd
# after it (or raw, for a batch neither would make smaller)
start_collector "$T/c6" || exit 1
ZPORT=$(free_port)
sensor_conf "$T/s6" encodings "interface \"lo\"
filter \"udp port $ZPORT\""
start_live "$T/s6"
S6PID=$LIVE
# burst N: N datagrams to a port of the test's own at once, from one
# source port, so that their records compress
burst() {
	"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
for i in range(int(sys.argv[1])):
    s.sendto(b"compress me %d" % i, ("127.0.0.1", int(sys.argv[2])))' \
	    "$1" "$ZPORT"
}
# cstat6 KEY...: the collector's counters, dropped/CAUSE for a drop's
cstat6() {
	"$NCCTL" -s "$T/c6/ctl.sock" -j show stats | "$PYTHON" -c '
import json, sys
j = json.load(sys.stdin)
def get(k):
    v = j
    for p in k.split("/"):
        v = v[p]
    return str(v)
print(" ".join(get(k) for k in sys.argv[1:]))' "$@"
}
# stored6 N: every type of the bursts has N records stored
stored6() {
	for _t in Ethernet IPv4 UDP; do
		nrecords "$T/c6/spool/encodings/$_t.ncap"
	done | tr '\n' ' '
}
burst 300
is "$(settle 5 stored6 "300 300 300 ")" "300 300 300 " \
    "300 datagrams: their records are stored"
set -- $(cstat6 batches batches-raw batches-zlib batches-zstd)
b1=$1 z1=$3
check "they came as zlib streams ($3 of $1 batches, $2 raw), no zstd" \
    [ "$3" -gt 0 -a "$4" -eq 0 -a $(($2 + $3)) -eq "$1" ]
echo "compression zstd" >>"$T/s6/ncagentd.conf"
"$NCCTL" -s "$T/s6/ctl.sock" reload >/dev/null
is $? 0 "the live sensor reloads with compression zstd"
burst 300
is "$(settle 5 stored6 "600 600 600 ")" "600 600 600 " \
    "300 more: stored"
set -- $(cstat6 batches batches-raw batches-zlib batches-zstd)
check "they came as zstd frames ($4 of $(($1 - b1)) batches), no zlib" \
    [ "$4" -gt 0 -a "$3" -eq "$z1" ]
is "$(cstat6 dropped/zstd dropped/bomb)" "0 0" \
    "and the collector dropped none of them"
kill -TERM "$S6PID"
wait "$S6PID"
is $? 0 "the sensor exits 0"
stop_collector
CPID=$CPID_KEEP

# a value that is the same is the same, whatever a longer one that
# came before it left in memory: -i lo over a longer name in the file,
# then the file says lo too
sensor_conf "$T/s2" same 'interface "longername0"
filter "udp port 9"'
start_live "$T/s2" "-i lo"
S2PID=$LIVE
sed -i 's/longername0/lo/' "$T/s2/ncagentd.conf"
"$NCCTL" -s "$T/s2/ctl.sock" reload >/dev/null 2>"$T/err"
is $? 0 "an interface that stays lo is no change"
kill -TERM "$S2PID"
wait "$S2PID"

# a smaller queue-size, at once: a live sensor whose collector takes
# its datagrams without acknowledging them keeps them, 4M at most; told
# 64K, it drops the oldest down to that
ACKP=$(free_port)
mkfifo "$T/ackcmd"
"$PYTHON" "$REGRESS/integration/ackcoll.py" -f "$T/ackcmd" "$ACKP" \
    "$T/keys/priv.key" 2>"$T/ackcoll.err" &
ACKPID=$!
PIDS="$PIDS $ACKPID"
echo hold >"$T/ackcmd"
CPORT_KEEP=$CPORT
CPORT=$ACKP
sensor_conf "$T/s5" queue "interface \"lo\"
filter \"udp port $UPORT\""
CPORT=$CPORT_KEEP
start_live "$T/s5"
S5PID=$LIVE
stat5() {
	"$NCCTL" -s "$T/s5/ctl.sock" -j show stats | "$PYTHON" -c '
import json, sys
print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(12000):
    s.sendto(b"queue %d" % i, ("127.0.0.1", int(sys.argv[1])))
    if i % 100 == 0:
        time.sleep(0.01)' "$UPORT"
big() { [ "$(stat5 queued-bytes)" -gt 131072 ] && echo y; }
is "$(settle 5 big y)" y "the sensor holds more than 128K unacknowledged"
is "$(stat5 queue-dropped)" 0 "and has dropped nothing"
sed -i 's/^queue-size .*//' "$T/s5/ncagentd.conf"
echo "queue-size 64K" >>"$T/s5/ncagentd.conf"
"$NCCTL" -s "$T/s5/ctl.sock" reload >/dev/null
is $? 0 "it reloads with queue-size 64K"
q=$(stat5 queued-bytes)
check "and holds no more than that at once ($q)" [ "$q" -le 65536 ]
check "having dropped the oldest ($(stat5 queue-dropped))" \
    [ "$(stat5 queue-dropped)" -gt 0 ]
echo ack >"$T/ackcmd"
kill -TERM "$S5PID"
wait "$S5PID"
is $? 0 "acknowledged at last, it exits 0"

# the processes that took all this are still the ones that started
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the sensor exits 0 after every reload"
stop_collector
is $? 0 "the collector exits 0 after every reload"
is "$(grep -c "fatal" "$T/s/sensor.log" "$T/c/collector.log" |
    sed 's/.*://' | tr '\n' ' ')" "0 0 " "no process of either died"
finish
