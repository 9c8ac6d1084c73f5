#!/bin/sh
# ncctl against running daemons: show stats and show sensors give the
# numbers the test sent and the spool holds; the restricted socket
# answers show only; command words take unambiguous prefixes; log
# verbose and brief take effect; a reload under load changes the
# sensor list three times without losing or repeating a record, and a
# bad configuration is refused while the old one keeps working.
. "$REGRESS/integration/lib.sh"

pub() { tr -d '\n' <"$1/pub.key"; }
for k in a b c; do
	mkdir -p "$T/k$k"
	"$NCCTL" keygen "$T/k$k" >/dev/null || exit 1
done
# json FILE EXPR: a value of ncctl -j output, by a Python expression on j
json() { "$PYTHON" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"; }

# -- a live sensor: what it counted, asked while it runs
start_collector "$T/c" "sensor alpha key $(pub "$T/ka")
socket \"$T/c/ro.sock\" restricted" || exit 1
GPORT=$(free_port)
sensor_conf "$T/s" alpha "keyfile \"$T/ka/priv.key\"
interface \"lo\"
filter \"udp dst port $GPORT\""
# -v: "capture started" is a debug line
"$NCAGENTD" -d -v -f "$T/s/ncagentd.conf" >"$T/s/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
until_ok 5 grep -qs "capture started" "$T/s/sensor.log"
"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(37):
    s.sendto(b"x" * (10 + i), ("127.0.0.1", int(sys.argv[1])))
' "$GPORT"
sleep 0.5
"$NCCTL" -j -s "$T/s/ctl.sock" show stats >"$T/sstats.json"
is $? 0 "ncctl -j show stats on the sensor"
is "$(json "$T/sstats.json" 'j["sensor"], j["packets"]')" "('alpha', 37)" \
    "the sensor saw the 37 packets sent"
is "$(json "$T/sstats.json" 'j["types"]["UDP"]["records"]')" 37 \
    "and made 37 UDP records"
"$NCCTL" -s "$T/s/ctl.sock" sh st >"$T/sstats.txt"
check "ncctl sh st is show stats, as text" \
    grep -Eq '^packets +37$' "$T/sstats.txt"
"$NCCTL" -s "$T/s/ctl.sock" show s 2>"$T/err"
check "a word that names two commands is refused ($(cat "$T/err"))" \
    grep -q "ambiguous" "$T/err"
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the sensor exits 0"
check "its control socket is gone" [ ! -e "$T/s/ctl.sock" ]
sleep 0.3

# -- the collector: the numbers the spool holds
"$NCCTL" -j -s "$T/c/ctl.sock" show stats >"$T/cstats.json"
is $? 0 "ncctl -j show stats on the collector"
sent=0
for t in $(types "$T/s/sensor.log"); do
	ns=$(sensor_stat "$T/s/sensor.log" "$t" sent)
	sent=$((sent + ns))
	is "$(json "$T/cstats.json" "j['types']['$t']['records']")" \
	    "$(nrecords "$T/c/spool/alpha/$t.ncap")" \
	    "collector: $t records counted = $t records in the spool"
done
is "$(json "$T/cstats.json" 'j["records"]')" "$sent" \
    "collector: records stored = records the sensor sent ($sent)"
# a slow run (the sanitizers) may resend; a resend is stored at most once
rs=$(total "$T/s/sensor.log" resent)
is "$(json "$T/cstats.json" 'j["batches"]')" \
    "$(total "$T/s/sensor.log" datagrams)" \
    "collector: batches stored = datagrams the sensor sent"
check "collector: datagrams received <= sent + resent ($rs)" \
    [ "$(json "$T/cstats.json" 'j["datagrams"]')" -le \
    $(($(total "$T/s/sensor.log" datagrams) + rs)) ]
"$NCCTL" -j -s "$T/c/ctl.sock" show sensors >"$T/sensors.json"
fp=$(pub "$T/ka" | cut -c1-16)
is "$(json "$T/sensors.json" "j['sensors']['$fp']['name'], j['sensors']['$fp']['records']")" \
    "('alpha', $sent)" "show sensors: alpha by its key, $sent records"
is "$(json "$T/sensors.json" "j['sensors']['$fp']['listed']")" yes "listed"
check "no more gaps or repeats than resends ($rs)" [ "$(json "$T/sensors.json" \
    "max(j['sensors']['$fp']['gaps'], j['sensors']['$fp']['repeats'])")" -le "$rs" ]
"$NCCTL" -j -s "$T/c/ro.sock" show sensors >/dev/null
is $? 0 "the restricted socket answers show"
"$NCCTL" -s "$T/c/ro.sock" reload 2>"$T/err"
is $? 1 "and refuses reload"
check "saying so" grep -q "restricted" "$T/err"
"$NCCTL" -s "$T/c/ro.sock" log verbose 2>/dev/null
is $? 1 "and log verbose"
# a client that asks again before its answer, or sends garbage, is
# closed; the daemon goes on
"$PYTHON" - "$T/c/ctl.sock" <<'EOP'
import socket, struct, sys
for msg in (struct.pack("=IIII", 1001, 16, 0, 0) * 1000,
            struct.pack("=IIII", 1000, 8, 0, 0),
            struct.pack("=IIII", 1000, 0x7fffffff, 0, 0),
            bytes(range(256)) * 64):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    try:
        s.sendall(msg)
        s.settimeout(5)
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
EOP
"$NCCTL" -s "$T/c/ctl.sock" show stats >/dev/null
is $? 0 "after pipelined, short, huge and garbage requests it still answers"
check "and says why it closed them" \
    grep -q "control socket: .*closing" "$T/c/collector.log"

# -- what clients can make the daemon hold: a collector with 3000
# listed sensors, whose show sensors is some 700 kB as imsgs
"$PYTHON" -c 'import os
for i in range(3000):
    k = bytearray(os.urandom(32))
    k[31] &= 0x7f
    print("sensor \"s%d\" key %s" % (i, k.hex()))' >"$T/many.conf"
CSAVE=$CPID PSAVE=$CPORT
start_collector "$T/q" "$(cat "$T/many.conf")
socket \"$T/q/ro.sock\" restricted" || exit 1
QPID=$CPID
# a connection that sends nothing is closed after 10 seconds
"$PYTHON" - "$T/q/ctl.sock" >"$T/idle.out" <<'EOP' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
t = time.time()
s.settimeout(30)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
print(round(time.time() - t))
EOP
IDLE=$!
# one that asks again without reading the first answer: closed
"$PYTHON" - "$T/q/ctl.sock" <<'EOP'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.settimeout(20)
s.sendall(struct.pack("=IIII", 1001, 16, 0, 0))
time.sleep(1)
try:
    s.sendall(struct.pack("=IIII", 1001, 16, 0, 0))
    time.sleep(1)
    while s.recv(65536):
        pass
except OSError:
    pass
EOP
check "a second request before the first answer is read: closed" \
    grep -q "control socket: a request before the last was read, closing" \
    "$T/q/collector.log"
# while the receiver is held up, clients on the restricted socket ask
# for show sensors and hang up at once, as fast as they can, for 4
# seconds: requests pile up neither at the parent nor at the receiver
REC=$(child "$QPID" receiver)
rss0=$(status "$QPID" VmRSS | awk '{ print $1 }')
kill -STOP "$REC"
nreq=$("$PYTHON" - "$T/q/ro.sock" <<'EOP'
import socket, struct, sys, time
end, n = time.time() + 4, 0
while time.time() < end:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sys.argv[1])
        s.send(struct.pack("=IIII", 1001, 16, 0, 0))
        n += 1
    except OSError:
        pass
    s.close()
print(n)
EOP
)
rss1=$(status "$QPID" VmRSS | awk '{ print $1 }')
kill -CONT "$REC"
echo "# $nreq requests sent; the parent's RSS $rss0 kB, then $rss1 kB"
check "thousands of requests sent ($nreq)" [ "$nreq" -gt 2000 ]
if [ -z "${NCAP_SANITIZER:-}" ]; then
	check "the parent grew by less than 512 kB ($((rss1 - rss0)) kB)" \
	    [ $((rss1 - rss0)) -lt 512 ]
else
	skip "the sanitizers' allocator keeps freed memory"
fi
# the connections left in the listen queue are taken, and answered
ro_stats() { "$NCCTL" -s "$T/q/ro.sock" show stats >/dev/null 2>&1; }
check "then the restricted socket answers" until_ok 5 ro_stats
r=$(grep -c "more than 16 connections" "$T/q/collector.log")
check "the connections refused are logged, 5 lines a second at most ($r)" \
    [ "$r" -ge 1 -a "$r" -le 30 ]
wait "$IDLE"
i=$(cat "$T/idle.out")
check "the idle connection was closed after 10 seconds ($i)" \
    [ "$i" -ge 9 -a "$i" -le 13 ]
CPID=$QPID
stop_collector
is $? 0 "the collector exits 0"
CPID=$CSAVE CPORT=$PSAVE

# log verbose and brief: the receiver's per-batch line comes and goes
run_sensor "$T/s1" alpha "$CAPDIR/decode-ipv4.pcap" \
    "keyfile \"$T/ka/priv.key\""
b0=$(grep -c "batch .* bytes from" "$T/c/collector.log")
"$NCCTL" -s "$T/c/ctl.sock" log brief >/dev/null
run_sensor "$T/s2" alpha "$CAPDIR/decode-ipv4.pcap" \
    "keyfile \"$T/ka/priv.key\""
sleep 0.3
b1=$(grep -c "batch .* bytes from" "$T/c/collector.log")
is "$b1" "$b0" "log brief: no per-batch lines"
"$NCCTL" -s "$T/c/ctl.sock" log verbose >/dev/null
run_sensor "$T/s3" alpha "$CAPDIR/decode-ipv4.pcap" \
    "keyfile \"$T/ka/priv.key\""
sleep 0.3
b2=$(grep -c "batch .* bytes from" "$T/c/collector.log")
check "log verbose: per-batch lines again ($b1 -> $b2)" [ "$b2" -gt "$b1" ]
stop_collector
is $? 0 "the collector exits 0"

# -- reload under load
# long enough to outlast three reloads: about a second at 270,000
# packets/s, as fast as a replay went in December 2026
"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" 300000 3 >/dev/null
# the new file appears whole: a reload never reads half of one
conf() {
	cat "$T/r/base.conf" >"$T/r/next.conf"
	printf '%s\n' "$@" >>"$T/r/next.conf"
	mv "$T/r/next.conf" "$T/r/nccollectd.conf"
}
reloads() { grep -c "reloaded .*trusted sensors" "$T/r/collector.log"; }
start_collector "$T/r" "sensor alpha key $(pub "$T/ka")" || exit 1
cp "$T/r/nccollectd.conf" "$T/r/base.conf"
sed -i '/^sensor /d' "$T/r/base.conf"
run_sensor "$T/load" alpha "$T/big.pcap" "keyfile \"$T/ka/priv.key\"" &
LP=$!
sleep 0.2
conf "sensor alpha key $(pub "$T/ka")" "sensor beta key $(pub "$T/kb")"
"$NCCTL" -s "$T/r/ctl.sock" reload >/dev/null
r1=$?
conf "sensor alpha key $(pub "$T/ka")" "sensor gamma key $(pub "$T/kc")"
kill -HUP "$CPID"
# SIGHUP is not answered: the next file waits until this one was read
i=0
while [ "$(reloads)" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
conf "sensor alpha key $(pub "$T/ka")" "sensor beta key $(pub "$T/kb")" \
    "sensor gamma key $(pub "$T/kc")"
"$NCCTL" -s "$T/r/ctl.sock" reload >/dev/null
r3=$?
kill -0 $LP 2>/dev/null
running=$?
is "$r1 $r3 $running" "0 0 0" \
    "two reloads by ncctl, one by SIGHUP, while the replay runs"
# a bad one, and one that needs a restart
cp "$T/r/nccollectd.conf" "$T/r/good.conf"
echo "sensor broken key 1234" >>"$T/r/nccollectd.conf"
"$NCCTL" -s "$T/r/ctl.sock" reload 2>"$T/err"
is $? 1 "a configuration with an error is refused"
check "saying the running one stays" grep -q "running configuration stays" "$T/err"
sed "s/^listen on .*/listen on 127.0.0.1 port $(free_port)/" "$T/r/good.conf" \
    >"$T/r/nccollectd.conf"
"$NCCTL" -s "$T/r/ctl.sock" reload 2>"$T/err"
is $? 1 "a new listen address is refused"
check "as one that takes a restart" grep -q "listen on changed" "$T/err"
cp "$T/r/good.conf" "$T/r/nccollectd.conf"
wait $LP
is $? 0 "the replay exits 0"
sleep 0.3
"$NCCTL" -j -s "$T/r/ctl.sock" show sensors >"$T/rs.json"
is "$(json "$T/rs.json" 'sorted(v["name"] for v in j["sensors"].values())')" \
    "['alpha', 'beta', 'gamma']" "the last list is in force"
stop_collector
is $? 0 "the collector exits 0"
log=$T/r/collector.log
lost=""
for t in $(types "$T/load/sensor.log"); do
	[ "$(nrecords "$T/r/spool/alpha/$t.ncap")" = \
	    "$(sensor_stat "$T/load/sensor.log" "$t" sent)" ] || lost="$lost $t"
done
is "$lost" "" "every record of the replay is stored once"
rs=$(total "$T/load/sensor.log" resent)
is "$(total "$log" untrusted)" 0 "nothing untrusted"
check "no more repeats or gaps than resends ($rs)" \
    [ "$(total "$log" repeat)" -le "$rs" -a "$(total "$log" gaps)" -le "$rs" ]
is "$(grep -c "sensor list reloaded" "$log")" 3 "the receiver took three lists"
finish
