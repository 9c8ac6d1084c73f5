#!/bin/sh
# make demo: a collector and a sensor on this machine.  The sensor
# captures live on the loopback interface while some traffic crosses
# it, a second sensor replays the project's own captures, and both send
# to the collector, whose spool (demo/spool) is dumped at the end.
#
#	DURATION=N	seconds of live capture (default 10)
#	PORT=N		collector port (default 4200)
set -eu
root=$1
cd "$root"
D=$root/demo
DURATION=${DURATION:-10}
PORT=${PORT:-4200}
NCCTL=$root/ncctl/ncctl

[ "$(id -u)" -eq 0 ] || { echo "demo: run as root (the daemons drop to nobody)"; exit 1; }
mkdir -p "$D/empty"
chmod 755 "$D" "$D/empty"
# the collector's key, and an identity for each sensor, which the
# collector lists: it takes records from these two keys only
for k in keys live replay; do
	mkdir -p "$D/$k"
	[ -f "$D/$k/priv.key" ] || "$NCCTL" keygen "$D/$k" >/dev/null
done
cat >"$D/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $PORT
keyfile "$D/keys/priv.key"
spool "$D/spool"
user "nobody"
chroot "$D/empty"
socket "$D/collector.sock"
sensor live key $(tr -d '\n' <"$D/live/pub.key")
sensor replay key $(tr -d '\n' <"$D/replay/pub.key")
EOC
# the live sensor leaves its own datagrams out; a replay needs no filter
# (and some link types in regress/captures take none)
for s in live replay; do
	[ $s = live ] && filter="filter \"not udp port $PORT\"" || filter=""
	cat >"$D/$s.conf" <<EOC
name "$s"
interface "lo"
$filter
collector 127.0.0.1 port $PORT
collector-key "$D/keys/pub.key"
keyfile "$D/$s/priv.key"
user "nobody"
chroot "$D/empty"
socket "$D/$s.sock"
EOC
done

pids=""
trap 'kill $pids 2>/dev/null || true' EXIT INT TERM
"$root/nccollectd/nccollectd" -d -v -f "$D/nccollectd.conf" \
    >"$D/collector.log" 2>&1 &
cpid=$!
pids="$cpid"
sleep 0.5
"$root/ncagentd/ncagentd" -d -v -f "$D/live.conf" >"$D/live.log" 2>&1 &
spid=$!
pids="$pids $spid"
echo "collector on 127.0.0.1 port $PORT, spool $D/spool"
echo "sensor \"live\" capturing on lo for $DURATION s; \"replay\" replaying regress/captures"

for f in regress/captures/*.pcap; do
	"$root/ncagentd/ncagentd" -d -f "$D/replay.conf" -r "$f" \
	    >>"$D/replay.log" 2>&1
done
# some traffic for the live sensor: pings, and UDP and TCP on loopback
ping -c 3 -i 0.2 127.0.0.1 >/dev/null 2>&1 || true
python3 - "$DURATION" <<'EOPY' || true
import socket, sys, time
end = time.time() + float(sys.argv[1])
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen()
port = srv.getsockname()[1]
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
while time.time() < end:
    c = socket.create_connection(("127.0.0.1", port)); a, _ = srv.accept()
    c.sendall(b"hello ncap\n"); a.recv(64); c.close(); a.close()
    u.sendto(b"ping", ("127.0.0.1", 9))
    time.sleep(0.5)
EOPY
kill -TERM "$spid"
wait "$spid" || true
kill -TERM "$cpid"
wait "$cpid" || true
pids=""

echo
echo "what the collector stored:"
for f in "$D"/spool/*/*.ncap; do
	printf '  %-40s %6d records\n' "${f#"$D"/spool/}" \
	    "$("$NCCTL" dump -j "$f" | tail -n +2 | wc -l)"
done
echo
echo "the first TCP records of sensor \"live\" (ncctl dump -j):"
"$NCCTL" dump -j "$D/spool/live/TCP.ncap" 2>/dev/null | head -4 || true
echo
echo "logs: $D/collector.log $D/live.log $D/replay.log"
