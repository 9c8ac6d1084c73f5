#!/bin/sh
# Trust: a listed sensor writes under the name the collector gave its
# key and no other; unlisted keys, replays and stale sessions store
# nothing and are counted; a flood of garbage and of new keys costs a
# trusted sensor no record; session keys rotate without losing or
# repeating a record, and an old session key is gone from the sensor.
. "$REGRESS/integration/lib.sh"

pub() { tr -d '\n' <"$1/pub.key"; }
for k in a b; do
	mkdir -p "$T/k$k"
	"$NCCTL" keygen "$T/k$k" >/dev/null || exit 1
done
LIST="sensor alpha key $(pub "$T/ka")
sensor beta key $(pub "$T/kb")"
trust() { "$PYTHON" "$REGRESS/integration/trust.py" "$@"; }
forge() { "$NCFORGE" -k "$T/keys/pub.key" "$@"; }
skhex() { tr -d '\n' <"$1/priv.key"; }
# every record type SENSORLOG sent is in DIR, exactly
all_stored() {
	_bad=""
	for _t in $(types "$1"); do
		[ "$(nrecords "$2/$_t.ncap")" = "$(sensor_stat "$1" "$_t" sent)" ] ||
		    _bad="$_bad $_t"
	done
	[ -z "$_bad" ] || { echo "# differ:$_bad"; return 1; }
}
nsent() {
	_s=0
	for _t in $(types "$1"); do
		_s=$((_s + $(sensor_stat "$1" "$_t" sent)))
	done
	echo $_s
}

# -- spoofing: beta's key claims alpha's name; an unlisted key
start_collector "$T/c1" "$LIST" || exit 1
i=0
while ! grep -q "trusted sensors" "$T/c1/collector.log" && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the collector says it trusts 2 sensors" \
    grep -q "2 trusted sensors" "$T/c1/collector.log"
run_sensor "$T/spoof" alpha "$CAPDIR/decode-ether.pcap" \
    "keyfile \"$T/kb/priv.key\""
is $? 0 "beta's key, named alpha: the replay exits 0"
run_sensor "$T/alpha" alpha "$CAPDIR/decode-ether.pcap" \
    "keyfile \"$T/ka/priv.key\""
# a key nobody listed is never acknowledged: it sends and forgets
run_sensor "$T/stranger" beta "$CAPDIR/decode-ether.pcap" "acks no"
stop_collector
is $? 0 "the collector exits 0"
log=$T/c1/collector.log
check "beta's records, claimed as alpha's, are all under beta" \
    all_stored "$T/spoof/sensor.log" "$T/c1/spool/beta"
check "alpha's records are all under alpha, none added" \
    all_stored "$T/alpha/sensor.log" "$T/c1/spool/alpha"
is "$(total "$log" renamed)" "$(total "$T/spoof/sensor.log" datagrams)" \
    "every batch beta sent as alpha is counted as renamed"
is "$(total "$log" untrusted)" "$(total "$T/stranger/sensor.log" datagrams)" \
    "every datagram of the unlisted key is dropped as untrusted"
is "$(ls "$T/c1/spool" | tr '\n' ' ')" "alpha beta " \
    "the spool holds alpha and beta only"
check "the sensors made records ($(nsent "$T/alpha/sensor.log"))" \
    [ "$(nsent "$T/alpha/sensor.log")" -gt 100 ]

# -- replay: datagrams off the wire, sent again in order and shuffled
start_collector "$T/c2" "$LIST" || exit 1
tcpdump -i lo --immediate-mode -U -B 8192 -w "$T/wire.pcap" "udp dst port $CPORT" \
    2>"$T/tcpdump.log" &
TPID=$!
PIDS="$PIDS $TPID"
until_ok 5 grep -qs "listening on" "$T/tcpdump.log"
run_sensor "$T/alpha2" alpha "$CAPDIR/decode-ether.pcap" \
    "keyfile \"$T/ka/priv.key\""
sleep 0.5
kill -INT "$TPID"
wait "$TPID" 2>/dev/null
nd=$(total "$T/alpha2/sensor.log" datagrams)
is "$(trust replay "$T/wire.pcap" "$CPORT")" "$nd" \
    "all $nd datagrams captured off the wire and sent twice more"

# a session of 1100 datagrams: the first sent again is behind the window
trust batch alpha >"$T/one"
forge -s "$(skhex "$T/ka")" -c 1100 -o <"$T/one" >"$T/long.bin"
trust send "$T/long.bin" "$CPORT"
sleep 0.5
trust send "$T/long.bin" "$CPORT" 0 1099 1050

# stale: sessions of beta's key started at T=1000, 3000, 2000, then 1500
# and 1000 again, older than the two newest
for t in 1000 3000 2000 1500 1000; do
	trust batch beta | forge -s "$(skhex "$T/kb")" -T $t 127.0.0.1 "$CPORT"
	sleep 0.1
done

# names no spool may hold, in batches of a trusted key
for bad in ../x a/b .hidden "" nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn \
    "$(printf 's\303\251nsor')" .. /abs; do
	trust batch "$bad" | forge -s "$(skhex "$T/kb")" 127.0.0.1 "$CPORT"
done
sleep 0.5
stop_collector
is $? 0 "the collector exits 0"
log=$T/c2/collector.log
# alpha's spool: the sensor's records, plus the 1100 forged ones
for t in $(types "$T/alpha2/sensor.log"); do
	want=$(sensor_stat "$T/alpha2/sensor.log" "$t" sent)
	[ "$t" = UDP ] && want=$((want + 1100))
	is "$(nrecords "$T/c2/spool/alpha/$t.ncap")" "$want" \
	    "alpha/$t.ncap: $want records, none twice"
done
is "$(total "$log" repeat)" $((2 * nd + 2)) \
    "the $((2 * nd)) replayed datagrams and 2 more are dropped as repeats"
is "$(total "$log" old)" 1 "the one behind the window is dropped as old"
is "$(total "$log" stale)" 2 "two stale sessions are dropped"
is "$(nrecords "$T/c2/spool/beta/UDP.ncap")" 3 \
    "beta's three fresh sessions are stored"
is "$(total "$log" name)" 8 "8 batches with bad names are dropped"
is "$(ls "$T/c2/spool" | tr '\n' ' ')" "alpha beta " \
    "and nothing else appears in the spool"
is "$(find "$T" -maxdepth 1 -newer "$T/ka" | wc -l)" \
    "$(find "$T" -maxdepth 1 -newer "$T/ka" -name '[a-z]*' | wc -l)" \
    "nor beside it"
is "$(total "$log" gaps)" 0 "no gaps"

# -- flood: garbage and new keys while alpha replays 20000 frames
"$PYTHON" "$CAPDIR/genbig.py" "$T/big.pcap" 20000 7 >/dev/null
# the new keys claim a name of their own: in the open run some get in
trust batch flood >"$T/one"
forge -R -c 3000 -o <"$T/one" >"$T/fresh.bin"
for mode in trusted open; do
	if [ $mode = trusted ]; then
		start_collector "$T/f$mode" "$LIST" || exit 1
	else
		start_collector "$T/f$mode" || exit 1
	fi
	run_sensor "$T/fs$mode" alpha "$T/big.pcap" \
	    "keyfile \"$T/ka/priv.key\"" &
	SP=$!
	# in the open run the flood comes from another address than alpha
	t0=$(date +%s)
	trust flood "$CPORT" 20000 "$T/fresh.bin" \
	    $([ $mode = open ] && echo 127.0.0.2) >"$T/flood$mode"
	secs=$(($(date +%s) - t0 + 1))
	wait $SP
	is $? 0 "$mode: alpha's replay exits 0"
	sleep 0.3
	stop_collector
	log=$T/f$mode/collector.log
	is "$(total "$log" kernel-drops)" 0 \
	    "$mode: the collector kept up: its socket dropped nothing"
	check "$mode: every record alpha sent is stored despite the flood" \
	    all_stored "$T/fs$mode/sensor.log" "$T/f$mode/spool/alpha"
	echo "# $mode: $(sed -n 's/.*totals: //p' "$log")"
	if [ $mode = trusted ]; then
		check "$mode: the 3000 new keys are dropped as untrusted" \
		    [ "$(total "$log" untrusted)" -ge 3000 ]
		is "$(total "$log" auth)" 0 "$mode: no datagram reached the crypto child to fail"
	else
		# what reached the key lookup: random version 2 ones and
		# the new keys; 1000 at once and 200 a second may pass
		newkeys=$(($(cut -d' ' -f2 "$T/flood$mode") + \
		    $(cut -d' ' -f3 "$T/flood$mode")))
		r=$(total "$log" ratelimit)
		check "$mode: of $newkeys new keys in ${secs}s from one address, $r are rate-limited" \
		    [ "$r" -ge $((newkeys - 1000 - 200 * secs)) ]
		f=$(nrecords "$T/f$mode/spool/flood/UDP.ncap")
		check "$mode: at most the allowance of new keys got through ($f)" \
		    [ "$f" -le $((1000 + 200 * secs)) ]
	fi
done

# -- open: the keys remembered are bounded, the oldest forgotten first
start_collector "$T/ev" || exit 1
forge -R -c 4200 -o <"$T/one" >"$T/many.bin"
trust spray "$T/many.bin" "$CPORT" 100
sleep 1
stop_collector
log=$T/ev/collector.log
is "$(nrecords "$T/ev/spool/flood/UDP.ncap")" 4200 \
    "4200 new keys, 100 from each of 42 addresses, all stored"
is "$(total "$log" sessions) $(total "$log" keys-evicted)" "4200 104" \
    "4200 sessions; 4096 keys are remembered, 104 forgotten"
is "$(total "$log" ratelimit)" 0 "none was rate-limited"

# -- rotation: live on lo, a new session key every second
start_collector "$T/c5" "$LIST" || exit 1
GPORT=$(free_port)
sensor_conf "$T/rot" alpha "keyfile \"$T/ka/priv.key\"
interface \"lo\"
filter \"udp dst port $GPORT\"
rekey 1s"
sed -i 's/^flush-interval .*/flush-interval 100ms/' "$T/rot/ncagentd.conf"
"$NCAGENTD" -d -v -f "$T/rot/ncagentd.conf" >"$T/rot/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
sleep 1
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3000):
    s.sendto(b"rotate %d" % i, ("127.0.0.1", int(sys.argv[1])))
    time.sleep(0.002)
' "$GPORT" &
GEN=$!
ekeys() { sed -n 's/.*session key \([0-9a-f]*\).*/\1/p' "$T/c5/collector.log"; }
i=0
while [ "$(ekeys | wc -l)" -lt 3 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
scr=""
for c in $(pgrep -P "$SPID"); do
	tr '\0' ' ' <"/proc/$c/cmdline" | grep -q -- ": crypto " && scr=$c
done
if [ -z "${NCAP_SANITIZER:-}" ] && [ -n "$scr" ]; then
	# the newest session's key is there, the older ones are not; a
	# rekey between the log line and the search means look again
	found=no
	i=0
	while [ $found = no ] && [ $i -lt 20 ]; do
		set -- $(trust skey "$(skhex "$T/keys")" $(ekeys))
		counts=$("$PYTHON" "$REGRESS/integration/memscan.py" "$scr" "$@")
		last=$(echo "$counts" | awk '{print $NF}')
		old=$(echo "$counts" | awk '{s = 0; for (i = 1; i < NF; i++) s += $i; print s}')
		if [ "$last" -ge 1 ]; then
			found=yes
			nold=$(($# - 1))
		fi
		i=$((i + 1))
		sleep 0.2
	done
	is $found yes "the sensor's crypto child holds the current session key"
	is "$old" 0 "and none of the $nold before it"
else
	skip "memory search under the sanitizers"
	skip "memory search under the sanitizers"
fi
wait $GEN
sleep 0.5
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the rotating sensor exits 0"
stop_collector
log=$T/c5/collector.log
ns=$(total "$log" sessions)
check "the sensor went through several sessions ($ns)" [ "$ns" -ge 4 ]
is "$(ekeys | sort -u | wc -l)" "$ns" "each with its own session key"
check "every record it sent is stored" \
    all_stored "$T/rot/sensor.log" "$T/c5/spool/alpha"
is "$(nrecords "$T/c5/spool/alpha/UDP.ncap")" 3000 \
    "the 3000 UDP datagrams sent are 3000 UDP records"
rs=$(total "$T/rot/sensor.log" resent)
is "$(total "$log" stale)" 0 "no stale session"
check "no more repeats or gaps than resends ($rs)" \
    [ "$(total "$log" repeat)" -le "$rs" -a "$(total "$log" gaps)" -le "$rs" ]
finish
