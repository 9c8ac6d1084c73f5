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
finish
