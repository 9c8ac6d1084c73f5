#!/bin/sh
# A spool on a disk that fills up: a failed write is logged with its
# real cause (No space left on device, not what an earlier call left in
# errno), every datagram not stored counts as a write drop, no file
# holds part of a batch, and the collector goes on and exits 0 when
# told to.  Needs root to mount a small tmpfs as the spool.
. "$REGRESS/integration/lib.sh"

C=$T/c
tmpfs_spool "$C" 256k

# json FILE EXPR: a value of ncctl -j output, by a Python expression on j
json() { "$PYTHON" -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2"; }

# about 800 kB of records, three times what the spool holds
"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" 5000 11 >/dev/null
start_collector "$C" || exit 1
# fire and forget: what the collector does with a full disk, alone
# (t_ack and t_delivery have the disk that fills with acknowledgements)
run_sensor "$T/s" full "$T/big.pcap" "acks no"
is $? 0 "the replay exits 0"
slog=$T/s/sensor.log
clog=$C/collector.log
sent_dg=$(total "$slog" datagrams)

# wait until the receiver has dealt with every datagram sent
i=0
while :; do
	"$NCCTL" -j -s "$C/ctl.sock" show stats >"$T/stats.json" || break
	done_dg=$(json "$T/stats.json" 'j["batches"] + j["dropped"]["write"]')
	[ "$done_dg" -ge "$sent_dg" ] || [ $i -ge 100 ] && break
	sleep 0.1
	i=$((i + 1))
done
check "the collector still runs with its spool full" kill -0 "$CPID"
is "$(json "$T/stats.json" 'j["datagrams"]')" "$sent_dg" \
    "it received the $sent_dg datagrams sent"
write=$(json "$T/stats.json" 'j["dropped"]["write"]')
batches=$(json "$T/stats.json" 'j["batches"]')
check "the disk filled: $write datagrams dropped as write, $batches stored" \
    [ "$write" -gt 0 -a "$batches" -gt 0 ]
others='sum(v for k, v in j["dropped"].items() if k != "write")'
is "$(json "$T/stats.json" "$others")" 0 \
    "no datagram was dropped for another cause"
is "$write" $((sent_dg - batches)) \
    "write drops = datagrams not stored ($sent_dg - $batches)"

# the records: in files that read whole to their end, as counted
stored=0
torn=""
empty=0
for f in "$C/spool"/full/*.ncap; do
	if [ ! -s "$f" ]; then
		# a header that did not fit: cut back to nothing
		empty=$((empty + 1))
		continue
	fi
	"$NCCTL" dump -j "$f" >"$T/dump" 2>"$T/dump.err" ||
	    torn="$torn $(basename "$f"): $(cat "$T/dump.err")"
	stored=$((stored + $(tail -n +2 "$T/dump" | wc -l)))
done
is "$torn" "" "every file in the spool reads to its end"
[ "$empty" -gt 0 ] && echo "# $empty empty files: their header did not fit"
is "$stored" "$(json "$T/stats.json" 'j["records"]')" \
    "the records in the spool are the records counted stored ($stored)"
logged=$(sed -n 's/.*batch .* records \([0-9]*\)$/\1/p' "$clog" |
    awk '{ s += $1 } END { print s + 0 }')
is "$logged" "$stored" "and the records of the batches logged stored"
# Per type: the batches the sensor sent are those stored and those
# dropped; a type without a dropped batch has all its records stored,
# and each batch dropped took at least one record with it (how many
# is seen from outside only as what is missing).
lost_dg=0
for t in $(types "$slog"); do
	ns=$(sensor_stat "$slog" "$t" sent)
	nb=$(sensor_stat "$slog" "$t" batches)
	[ "$nb" -gt 0 ] || continue
	sb=$(json "$T/stats.json" "j['types']['$t']['batches']")
	sr=$(json "$T/stats.json" "j['types']['$t']['records']")
	lost_dg=$((lost_dg + nb - sb))
	if [ "$sb" -eq "$nb" ]; then
		is "$sr" "$ns" "$t: every batch stored, all $ns records"
	else
		d="$t: $((nb - sb)) of $nb batches dropped"
		check "$d, $((ns - sr)) of $ns records with them" \
		    [ "$sb" -lt "$nb" -a $((ns - sr)) -ge $((nb - sb)) ]
	fi
done
is "$lost_dg" "$write" \
    "batches sent and not stored, over all types = write drops"

"$NCCTL" -s "$C/ctl.sock" show stats >/dev/null
is $? 0 "the collector still answers"
stop_collector
is $? 0 "and exits 0 on SIGTERM"
is "$(total "$clog" write)" "$write" "its totals line counts $write write drops"

check "the log says why: No space left on device" \
    grep -q "write .*: No space left on device" "$clog"
grep "write .*\.ncap: " "$clog" | sed -n '1,3s/^/# /p'
check "and never Resource temporarily unavailable" \
    eval '! grep -q "Resource temporarily unavailable" "$clog"'
check "nor File exists" eval '! grep -q "File exists" "$clog"'

# the check above can fail: a file cut inside a record does not read
f=$(ls -S "$C/spool"/full/*.ncap | head -1)
head -c $(($(wc -c <"$f") - 1)) "$f" >"$T/cut.ncap"
check "ncctl dump refuses a file cut one byte short" \
    eval '! "$NCCTL" dump -j "$T/cut.ncap" >/dev/null 2>&1'
finish
