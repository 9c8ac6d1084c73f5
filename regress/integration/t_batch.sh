#!/bin/sh
# Batches are cut on record boundaries so that no datagram exceeds
# max-datagram, whatever it is set to; they are compressed, so a
# datagram carries more records than would fit raw; and every record of
# a generated capture with known content is stored exactly once.
. "$REGRESS/integration/lib.sh"

"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" 20000 7 >"$T/expect"
expect() { sed -n "s/^$1 //p" "$T/expect"; }

for max in 512 1400 9000; do
	start_collector "$T/c$max" || exit 1
	run_sensor "$T/s$max" "batch$max" "$T/big.pcap" "max-datagram $max"
	is $? 0 "max-datagram $max: the replay exits 0"
	stop_collector
	is $? 0 "max-datagram $max: the collector exits 0"
	log=$T/c$max/collector.log
	sizes=$(sed -n 's/.*batch \([0-9]*\) bytes from.*/\1/p' "$log" | sort -n)
	big=$(echo "$sizes" | tail -1)
	check "max-datagram $max: the largest of $(echo "$sizes" | wc -l) datagrams is $big bytes" \
	    [ "$big" -le "$max" ]
	# full batches: the median datagram is more than half the limit
	med=$(echo "$sizes" | awk '{ a[NR] = $1 } END { print a[int(NR / 2) + 1] }')
	check "max-datagram $max: batches are filled (median $med bytes)" \
	    [ "$med" -gt $((max / 2)) ]
	is "$(total "$log" gaps)" 0 "max-datagram $max: no gaps"
	for t in Ethernet ARP IPv4 IPv6 TCP UDP ICMPv4; do
		is "$(nrecords "$T/c$max/spool/batch$max/$t.ncap")" "$(expect $t)" \
		    "max-datagram $max: all $(expect $t) $t records stored"
	done
	# compression: the framed records stored outweigh what crossed the wire
	raw=$(cat "$T/c$max/spool/batch$max"/*.ncap | wc -c)
	wire=$(sed -n 's/.*wire-bytes \([0-9]*\).*/\1/p' "$T/s$max/sensor.log")
	check "max-datagram $max: compressed, $wire bytes on the wire for $raw stored" \
	    [ "$wire" -lt "$raw" ]
done

# Records that compress worse than the sensor first assumes (random
# addresses, times and lengths): batches that did not fit once
# compressed are split in two, sent, and every record is stored once.
"$PYTHON" - "$T/random.pcap" <<'EOP'
import random, struct, sys
sys.path.insert(0, "%s" % __import__("os").environ["CAPDIR"])
from pcapgen import pcap_header, pcap_record
r = random.Random(11)
with open(sys.argv[1], "wb") as f:
    f.write(pcap_header(1))
    t = 1700000000 * 1000000
    for i in range(3000):
        t += r.randrange(1, 1000000)
        frame = bytes(r.randrange(256) for _ in range(12)) + \
            struct.pack("!H", 0x88b5) + bytes(r.randrange(1, 200))
        f.write(pcap_record(t // 1000000, t % 1000000, frame))
EOP
start_collector "$T/cr" || exit 1
run_sensor "$T/sr" "random" "$T/random.pcap" "max-datagram 512"
is $? 0 "poorly compressed records: the replay exits 0"
stop_collector
is $? 0 "poorly compressed records: the collector exits 0"
splits=$(grep -c "Ethernet batch of .* split in two" "$T/sr/sensor.log")
check "poorly compressed records: batches not fitting were split ($splits)" \
    [ "$splits" -gt 0 ]
sizes=$(sed -n 's/.*batch \([0-9]*\) bytes from.*/\1/p' "$T/cr/collector.log" |
    sort -n)
check "poorly compressed records: the largest datagram is $(echo "$sizes" |
    tail -1) bytes" [ "$(echo "$sizes" | tail -1)" -le 512 ]
"$NCCTL" dump -j "$T/cr/spool/random/Ethernet.ncap" | tail -n +2 |
    sort -u >"$T/random.stored"
is "$(nrecords "$T/cr/spool/random/Ethernet.ncap")" 3000 \
    "poorly compressed records: all 3000 stored"
is "$(wc -l <"$T/random.stored")" 3000 \
    "poorly compressed records: each one once"
finish
