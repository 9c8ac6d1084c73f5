#!/bin/sh
# make bench: replay a large generated capture through a sensor to a
# collector on this machine, and print what went through, how fast, and
# how much memory each process needed.
#
#	PACKETS=N	frames in the generated capture (default 1000000)
#	SYNC=yes|no	the collector's sync (default: its own default)
set -eu
root=$1
cd "$root"
PACKETS=${PACKETS:-1000000}
SYNC=${SYNC:-}
B=$root/obj/bench
mkdir -p "$B/empty" "$B/keys"
chmod 755 "$B" "$B/empty"
cap=$B/bench-$PACKETS.pcap
if [ ! -f "$cap" ]; then
	echo "generating $PACKETS frames..."
	/usr/bin/python3 regress/captures/genbig.py "$cap" "$PACKETS" 42 \
	    >"$cap.expect"
fi
[ -f "$B/keys/priv.key" ] || ./ncctl/ncctl keygen "$B/keys"
# the sensor has an identity the collector lists, as deployed
mkdir -p "$B/skeys"
[ -f "$B/skeys/priv.key" ] || ./ncctl/ncctl keygen "$B/skeys"
rm -rf "$B/spool"
PORT=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
cat >"$B/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $PORT
keyfile "$B/keys/priv.key"
spool "$B/spool"
user "nobody"
chroot "$B/empty"
socket "$B/collector.sock"
sensor bench key $(tr -d '\n' <"$B/skeys/pub.key")
${SYNC:+sync $SYNC}
EOC
cat >"$B/ncagentd.conf" <<EOC
name "bench"
collector 127.0.0.1 port $PORT
collector-key "$B/keys/pub.key"
keyfile "$B/skeys/priv.key"
user "nobody"
chroot "$B/empty"
socket "$B/sensor.sock"
EOC

./nccollectd/nccollectd -d -f "$B/nccollectd.conf" >"$B/collector.log" 2>&1 &
cpid=$!
trap 'kill -KILL $cpid ${spid:-} 2>/dev/null || true' EXIT
sleep 0.5

# peak resident memory of every process of both daemons
peak() {
	for p in "$@" $(pgrep -P "$1" 2>/dev/null) $(pgrep -P "$2" 2>/dev/null); do
		# a process may end while we look: skip it
		n=$(tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" |
		    awk '{ print $1 $2 }') || continue
		m=$(sed -n 's/^VmHWM:[[:space:]]*//p' "/proc/$p/status" \
		    2>/dev/null) || continue
		[ -n "$n" ] && [ -n "$m" ] && echo "$n $m"
	done
	return 0
}

start=$(date +%s.%N)
./ncagentd/ncagentd -d -f "$B/ncagentd.conf" -r "$cap" >"$B/sensor.log" 2>&1 &
spid=$!
: >"$B/mem"
while kill -0 "$spid" 2>/dev/null; do
	peak "$spid" "$cpid" >>"$B/mem"
	sleep 0.2
done
wait "$spid"
end=$(date +%s.%N)
sleep 0.5
peak "$cpid" "$cpid" >>"$B/mem"
kill -TERM "$cpid"
wait "$cpid"

secs=$(echo "$end - $start" | bc -l)
get() { sed -n "s/.*totals:.* $2 \([0-9]*\).*/\1/p" "$1"; }
packets=$(get "$B/sensor.log" packets)
datagrams=$(get "$B/sensor.log" datagrams)
wire=$(get "$B/sensor.log" wire-bytes)
made=$(sed -n 's/.*type [A-Za-z0-9]*: records \([0-9]*\).*/\1/p' \
    "$B/sensor.log" | paste -sd+ | bc)
sent=$(sed -n 's/.*type [A-Za-z0-9]*:.* sent \([0-9]*\).*/\1/p' \
    "$B/sensor.log" | paste -sd+ | bc)
stored=$(get "$B/collector.log" records)
recvd=$(get "$B/collector.log" datagrams)

printf 'capture           %s (%d frames)\n' "$cap" "$packets"
printf 'elapsed           %.2f s (sensor start to exit)\n' "$secs"
printf 'packets/s         %.0f\n' "$(echo "$packets / $secs" | bc -l)"
printf 'records/s         %.0f\n' "$(echo "$made / $secs" | bc -l)"
printf 'records made      %d\n' "$made"
printf 'records sent      %d\n' "$sent"
printf 'datagrams         %d sent, %d received\n' "$datagrams" "$recvd"
printf 'bytes on the wire %d (%.1f per record)\n' "$wire" \
    "$(echo "$wire / $sent" | bc -l)"
printf 'records stored    %d\n' "$stored"
printf 'records lost      %d\n' "$((sent - stored))"
printf 'acks              %d (%d syncs)\n' "$(get "$B/collector.log" acks)" \
    "$(get "$B/collector.log" syncs)"
echo "peak resident memory (VmHWM):"
sort -k1,1 -k2,2n "$B/mem" | awk '{ m[$1] = $2 > m[$1] ? $2 : m[$1] }
    END { for (p in m) printf "  %-28s %6d kB\n", p, m[p] }' | sort
