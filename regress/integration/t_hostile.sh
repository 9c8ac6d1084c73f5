#!/bin/sh
# Hostile input: the collector drops, counts and logs (at a limited
# rate) every kind of bad datagram, creates nothing outside its spool,
# and afterwards still stores every record of a good sensor.  Each
# encoding has its bad ones: zlib streams and zstd frames that are not,
# are cut short, or say they are larger than a batch may be.
. "$REGRESS/integration/lib.sh"

start_collector "$T/c" || exit 1
"$PYTHON" "$REGRESS/integration/hostile.py" "$CPORT" "$T/keys/pub.key" \
    "$NCFORGE" >"$T/sent" || { echo "Bail out! hostile.py failed"; exit 1; }

# now a good sensor replays a capture whose content the test knows
run_sensor "$T/s" good "$CAPDIR/decode-ether.pcap"
is $? 0 "the good sensor's replay exits 0"
check "the collector is still running" kill -0 "$CPID"
stop_collector
is $? 0 "the collector exits 0 on SIGTERM"

log=$T/c/collector.log
while read -r cause count; do
	case $cause in
	batches-*)
		what="$count datagrams stored and counted as '$cause'" ;;
	*)
		what="$count '$cause' datagrams dropped and counted" ;;
	esac
	is "$(total "$log" "$cause")" "$count" "$what"
done <"$T/sent"

types=$(sed -n 's/.*type \([A-Za-z0-9]*\): records.*/\1/p' "$T/s/sensor.log")
check "the sensor made records of several types ($(echo $types))" \
    [ "$(echo "$types" | wc -w)" -ge 6 ]
for t in $types; do
	is "$(sensor_stat "$T/s/sensor.log" "$t" sent)" \
	    "$(sensor_stat "$T/s/sensor.log" "$t" records)" \
	    "the sensor sent every $t record it made"
	is "$(nrecords "$T/c/spool/good/$t.ncap")" \
	    "$(sensor_stat "$T/s/sensor.log" "$t" sent)" \
	    "good/$t.ncap holds every $t record the sensor sent"
done
is "$(nrecords "$T/c/spool/forged/UDP.ncap")" 2 \
    "the repeated datagram is stored once, beside the one in a zstd frame"
is "$(cd "$T/c/spool" && ls | sort | tr '\n' ' ')" "forged good " \
    "the spool holds the good sensors' directories and nothing else"
is "$(find "$T" -maxdepth 1 | sort | tr '\n' ' ')" \
    "$T $T/c $T/empty $T/keys $T/s $T/sent " "nothing appears beside the spool"
is "$(ls -A "$T/c" | tr '\n' ' ')" "collector.log nccollectd.conf spool " \
    "nor beside the collector's files"

# rate-limited logging: 50 short datagrams, at most 5 lines a second
lines=$(grep -c "shorter than the header" "$log")
check "short datagrams logged at a limited rate ($lines lines for 50)" \
    [ "$lines" -ge 1 -a "$lines" -le 15 ]
finish
