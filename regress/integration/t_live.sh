#!/bin/sh
# Live capture on a real interface: a veth pair between two network
# namespaces of our own, ncagentd capturing on one end while known
# traffic crosses it, the collector on the same namespace's loopback.
# Addresses are from the documentation ranges and never leave the
# namespaces.
. "$REGRESS/integration/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! ip netns add "ncapA$$" 2>/dev/null; then
	skip "network namespaces unavailable"
	finish
	exit
fi
A=ncapA$$
B=ncapB$$
ip netns add "$B"
trap 'ip netns pids "$A" 2>/dev/null | xargs -r kill -KILL; ip netns del "$A";
    ip netns del "$B"; cleanup' EXIT
ip link add vA netns "$A" type veth peer name vB netns "$B"
ip -n "$A" addr add 192.0.2.1/24 dev vA
ip -n "$B" addr add 192.0.2.2/24 dev vB
ip -n "$A" addr add 2001:db8::1/64 dev vA nodad
ip -n "$B" addr add 2001:db8::2/64 dev vB nodad
for ns in "$A" "$B"; do
	ip -n "$ns" link set lo up
done
ip -n "$A" link set vA up
ip -n "$B" link set vB up
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }
# blast SPORT DPORT N C: N UDP datagrams from B to A, of 0 to 49 bytes C
blast() {
	inB "$PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", int(sys.argv[1])))
for i in range(int(sys.argv[3])):
    s.sendto(sys.argv[4].encode() * (i % 50), ("192.0.2.1", int(sys.argv[2])))' \
	    "$@"
}

# the collector, inside A, on A's loopback
CPORT=4200
mkdir -p "$T/c"
cat >"$T/c/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $CPORT
keyfile "$T/keys/priv.key"
spool "$T/c/spool"
user "nobody"
chroot "$T/empty"
socket "$T/c/ctl.sock"
EOC
ip netns exec "$A" "$NCCOLLECTD" -d -v -f "$T/c/nccollectd.conf" >"$T/c/collector.log" 2>&1 &
CPID=$!
sensor_conf "$T/s" live 'interface "vA"
filter "not udp port 4200"'
sleep 0.3
ip netns exec "$A" "$NCAGENTD" -d -v -f "$T/s/ncagentd.conf" >"$T/s/sensor.log" 2>&1 &
SPID=$!
until_ok 5 grep -qs "capture started" "$T/s/sensor.log"
check "the sensor captures on vA" grep -q "capture started" "$T/s/sensor.log"

# known traffic from B to A: 5 pings, 3 pings over IPv6, 7 UDP datagrams
inB ping -c 5 -i 0.1 -W 1 192.0.2.1 >/dev/null
is $? 0 "5 IPv4 pings answered across the veth pair"
inB ping -6 -c 3 -i 0.1 -W 1 2001:db8::1 >/dev/null
is $? 0 "3 IPv6 pings answered"
inB "$PYTHON" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("192.0.2.2", 5555))
for i in range(7):
    s.sendto(b"x" * (10 + i), ("192.0.2.1", 9999))'
sleep 0.5

# a crypto process that falls behind: stopped while 10000 more datagrams
# cross, it lets batches pile up until the capture process stops reading
# (a pause, counted with its length); the ring holds what comes meanwhile
KPID=$(child "$SPID" crypto)
check "the sensor's crypto process found" [ -n "$KPID" ]
kill -STOP "$KPID"
blast 5556 9998 10000 y
sleep 0.3
kill -CONT "$KPID"
sleep 1
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the sensor flushes and exits 0 on SIGTERM"
check "reading paused for the crypto process ($(total "$T/s/sensor.log" \
    pauses) times)" [ "$(total "$T/s/sensor.log" pauses)" -ge 1 ]
check "for 100 ms or more ($(total "$T/s/sensor.log" paused-ms) ms)" \
    [ "$(total "$T/s/sensor.log" paused-ms)" -ge 100 ]
is "$(total "$T/s/sensor.log" pcap-drops)" 0 "no packet dropped meanwhile"
kill -TERM "$CPID"
wait "$CPID"
is $? 0 "the collector exits 0"

sp=$T/c/spool/live
dumpsel() { "$NCCTL" dump -j "$sp/$1.ncap" | tail -n +2 | grep -c "$2"; }
is "$(dumpsel ICMPv4 '"src_ip":"192.0.2.2","dst_ip":"192.0.2.1","type":8,')" 5 \
    "5 ICMPv4 echo requests from B"
is "$(dumpsel ICMPv4 '"src_ip":"192.0.2.1","dst_ip":"192.0.2.2","type":0,')" 5 \
    "5 ICMPv4 echo replies from A"
is "$("$NCCTL" dump -j "$sp/ICMPv4.ncap" | tail -n +2 | sed -n \
    's/.*"type":8,.*"seq":\([0-9]*\).*/\1/p' | tr '\n' ' ')" "1 2 3 4 5 " \
    "their sequence numbers 1 to 5"
is "$(dumpsel ICMPv6 '"src_ip":"2001:db8::2","dst_ip":"2001:db8::1","type":128,')" 3 \
    "3 ICMPv6 echo requests"
is "$(dumpsel ICMPv6 '"src_ip":"2001:db8::1","dst_ip":"2001:db8::2","type":129,')" 3 \
    "3 ICMPv6 echo replies"
is "$(dumpsel UDP '"src_port":5555,"dst_port":9999')" 7 "7 UDP datagrams"
is "$(dumpsel UDP '"src_port":5556,"dst_port":9998')" 10000 \
    "the 10000 datagrams sent while the crypto process was stopped"
is "$("$NCCTL" dump -j "$sp/UDP.ncap" | sed -n \
    's/.*"src_port":5555,.*"payload_size":\([0-9]*\).*/\1/p' | tr '\n' ' ')" \
    "10 11 12 13 14 15 16 " "with their payload sizes"
check "ARP records for the pings" [ "$(nrecords "$sp/ARP.ncap")" -ge 1 ]
for t in Ethernet IPv4 IPv6 ICMPv4 ICMPv6 UDP ARP; do
	is "$(nrecords "$sp/$t.ncap")" \
	    "$(sensor_stat "$T/s/sensor.log" "$t" sent)" \
	    "every $t record the sensor sent is stored"
done

# a crypto process that falls behind batches of a large max-datagram:
# what waits for it is bounded in bytes (1M), not only in batches (256,
# of up to 192K each), so the capture process stops reading after about
# 1M of records and grows by little; the ring takes the rest, or drops
# it.  Nothing listens for this sensor (acks no).
sensor_conf "$T/s2" big 'interface "vA"
filter "udp port 9997"
max-datagram 65000
connection-table-size 0
acks no'
ip netns exec "$A" "$NCAGENTD" -d -v -f "$T/s2/ncagentd.conf" \
    >"$T/s2/sensor.log" 2>&1 &
SPID=$!
until_ok 5 grep -qs "capture started" "$T/s2/sensor.log"
CAP=$(child "$SPID" capture)
KPID=$(child "$SPID" crypto)
check "a sensor of 65000-byte datagrams, its processes found" \
    [ -n "$CAP" -a -n "$KPID" ]
hwm0=$(status "$CAP" VmHWM | awk '{print $1}')
kill -STOP "$KPID"
# 100000 frames make about 11M of records
blast 5557 9997 100000 z
settle 10 '[ "$(cstat "$T/s2" pauses)" -ge 1 ] && echo y' y >/dev/null
sleep 0.2
hwm1=$(status "$CAP" VmHWM | awk '{print $1}')
kill -CONT "$KPID"
sleep 0.5
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "it exits 0 on SIGTERM"
echo "# $(sed -n 's/.*totals: \(packets [0-9]*\).*\(pcap-drops [0-9]*\).*\(pauses .*\)/\1, \2, \3/p' \
    "$T/s2/sensor.log")"
check "its reading paused ($(total "$T/s2/sensor.log" pauses) times)" \
    [ "$(total "$T/s2/sensor.log" pauses)" -ge 1 ]
if [ -z "${NCAP_SANITIZER:-}" ]; then
	check "its capture process grew by 4M at most meanwhile ($hwm0 kB, then $hwm1 kB)" \
	    [ $((hwm1 - hwm0)) -le 4096 ]
else
	skip "memory sizes under the sanitizers"
fi

[ "$fails" -eq 0 ] ||
    sed "s/^/# /" "$T/s/sensor.log" "$T/c/collector.log" | grep -v batch
finish
