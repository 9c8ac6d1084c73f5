#!/bin/sh
# Privilege separation: three processes per sensor and four per
# collector, the children not root, chrooted, with no_new_privs, and the
# private key in the crypto child alone (its bytes are searched for in
# every process's memory).
. "$REGRESS/integration/lib.sh"

# check_child PID ROLE ROOT
check_child() {
	is "$(status "$1" Uid | awk '{print $1, $2, $3}')" \
	    "$NOBODY $NOBODY $NOBODY" "$2 runs as nobody (real, effective, saved)"
	is "$(status "$1" NoNewPrivs)" 1 "$2 has no_new_privs"
	is "$(readlink "/proc/$1/root")" "$3" "$2 is chrooted to $3"
}
NOBODY=$(id -u nobody)
scan() { "$PYTHON" "$REGRESS/integration/memscan.py" "$@"; }
# ASan's shadow and allocator reserve terabytes of address space, too
# much to read: the memory search runs in the plain build only
if [ -n "${NCAP_SANITIZER:-}" ]; then
	memscan=no
else
	memscan=yes
fi
hex() { tr -d '\n' <"$1"; }
# the hex text of a key as bytes in memory, itself in hex
hexhex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }

# -- collector
start_collector "$T/c" || exit 1
sleep 0.3
is "$(pgrep -P "$CPID" | wc -l)" 3 "collector: parent has three children"
rcv=$(child "$CPID" receiver)
cry=$(child "$CPID" crypto)
pub=$(child "$CPID" publisher)
check "collector: receiver, crypto and publisher found" \
    [ -n "$rcv" -a -n "$cry" -a -n "$pub" ]
is "$(status "$CPID" Uid | awk '{print $2}')" 0 "collector parent stays root"
check_child "$rcv" "collector receiver" "$T/c/spool"
check_child "$cry" "collector crypto" "$T/empty"
check_child "$pub" "collector publisher" "$T/empty"
# ASan's mlock() does nothing, so only the plain build can show it
if [ $memscan = yes ]; then
	lck=$(status "$cry" VmLck | awk '{print $1}')
	check "collector crypto keeps its keys in locked memory (VmLck $lck kB)" \
	    [ "${lck:-0}" -gt 0 ]
else
	skip "locked memory under the sanitizers"
fi

if [ $memscan = yes ]; then
	sk=$(hex "$T/keys/priv.key")
	is "$(scan "$CPID" "$sk" "$(hexhex "$sk")")" "0 0" \
	    "collector parent: private key bytes and hex absent"
	is "$(scan "$rcv" "$sk" "$(hexhex "$sk")")" "0 0" \
	    "collector receiver: private key bytes and hex absent"
	is "$(scan "$pub" "$sk" "$(hexhex "$sk")")" "0 0" \
	    "collector publisher: private key bytes and hex absent"
	c=$(scan "$cry" "$sk")
	check "collector crypto holds the key (the scan finds what is there: $c)" \
	    [ "$c" -ge 1 ]
else
	skip "memory search under the sanitizers"
fi
stop_collector
is $? 0 "collector exits 0 on SIGTERM"

# -- sensor, with a persistent key, capturing live on lo
start_collector "$T/c2" || exit 1
C2PID=$CPID
mkdir -p "$T/skeys"
"$NCCTL" keygen "$T/skeys" >/dev/null
sensor_conf "$T/s" privsep "keyfile \"$T/skeys/priv.key\"
interface \"lo\"
filter \"not udp port $CPORT\""
"$NCAGENTD" -d -v -f "$T/s/ncagentd.conf" >"$T/s/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
sleep 0.5
is "$(pgrep -P "$SPID" | wc -l)" 2 "sensor: parent has two children"
cap=$(child "$SPID" capture)
scr=$(child "$SPID" crypto)
check "sensor: capture and crypto found" [ -n "$cap" -a -n "$scr" ]
check_child "$cap" "sensor capture" "$T/empty"
check_child "$scr" "sensor crypto" "$T/empty"
# ASan's mlock() does nothing, so only the plain build can show it
if [ $memscan = yes ]; then
	lck=$(status "$scr" VmLck | awk '{print $1}')
	check "sensor crypto keeps its keys in locked memory (VmLck $lck kB)" \
	    [ "${lck:-0}" -gt 0 ]
else
	skip "locked memory under the sanitizers"
fi
for p in "$SPID:parent" "$cap:capture"; do
	is "$(status "${p%%:*}" VmLck | awk '{print $1}')" 0 \
	    "sensor ${p#*:} locks no memory"
done
# libpcap, and what Debian's brings (libdbus, libsystemd, libgcrypt),
# is mapped in the capture child alone
for p in "$SPID:parent:1" "$cap:capture:0" "$scr:crypto:1"; do
	pid=${p%%:*}
	role=${p#*:}
	role=${role%:*}
	if [ "${p##*:}" = 1 ]; then
		is "$(grep -Ec '/lib(pcap|dbus-1|systemd|gcrypt)\.so' \
		    "/proc/$pid/maps")" 0 \
		    "sensor $role maps no libpcap, libdbus, libsystemd, libgcrypt"
	else
		check "sensor $role maps libpcap" \
		    grep -q '/libpcap\.so' "/proc/$pid/maps"
	fi
done
if [ $memscan = yes ]; then
	ssk=$(hex "$T/skeys/priv.key")
	# the shared key, computed independently with PyNaCl
	shared=$($PYTHON -c 'import nacl.bindings as b, sys
print(b.crypto_box_beforenm(bytes.fromhex(sys.argv[1]),
    bytes.fromhex(sys.argv[2])).hex())' "$(hex "$T/keys/pub.key")" "$ssk")
	for p in "$SPID:parent" "$cap:capture" "$scr:crypto"; do
		is "$(scan "${p%%:*}" "$ssk" "$(hexhex "$ssk")")" "0 0" \
		    "sensor ${p#*:}: secret key bytes and hex absent"
	done
	is "$(scan "$SPID" "$shared") $(scan "$cap" "$shared")" "0 0" \
	    "sensor parent and capture: shared key absent"
	c=$(scan "$scr" "$shared")
	check "sensor crypto holds the shared key ($c)" [ "$c" -ge 1 ]
else
	skip "memory search under the sanitizers"
fi

# a child that dies takes the daemon down, non-zero
kill -KILL "$cap"
i=0
while ! gone "$SPID" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "sensor exits when its capture child is killed" gone "$SPID"
wait "$SPID"
rc=$?
check "and exits non-zero ($rc)" [ "$rc" -ne 0 ]
check "and says why" grep -q "capture process .* terminated by signal 9" \
    "$T/s/sensor.log"
check "no process of it is left" gone "$scr"

CPID=$C2PID
stop_collector
is $? 0 "the sensor's collector exits 0"

# and when the parent dies, its children notice, say so and end
start_collector "$T/c3" || exit 1
sleep 0.3
kids=$(pgrep -P "$CPID" | tr '\n' ' ')
kill -KILL "$CPID"
alive() { for _k in $kids; do gone "$_k" || return 0; done; return 1; }
all_gone() { ! alive; }
i=0
while alive && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the collector's children ($kids) end when their parent is killed" \
    all_gone
# each says which channel closed first: its parent's or its sibling's
is "$(grep -Ec "nccollectd\[(receiver|crypto)\]: fatal: (parent|crypto|receiver) (closed the )?channel" \
    "$T/c3/collector.log")" 2 "both say why"
wait "$CPID" 2>/dev/null

start_collector "$T/c4" || exit 1
sleep 0.3
kill -KILL "$(child "$CPID" crypto)"
wait "$CPID"
rc=$?
check "collector exits non-zero ($rc) when its crypto child dies" [ "$rc" -ne 0 ]
# whichever child the parent reaps first is named (the receiver follows
# its crypto peer within microseconds)
check "and says why" grep -Eq \
    "(crypto process .* terminated by signal 9|receiver process .* exited with status 1)" \
    "$T/c4/collector.log"

# a child killed with a request from its parent unread resets its
# channel: that too is its death, which the parent explains
start_collector "$T/c5" || exit 1
sleep 0.3
rcv=$(child "$CPID" receiver)
kill -STOP "$rcv"
timeout 10 "$NCCTL" -s "$T/c5/ctl.sock" show stats >/dev/null 2>&1 &
sleep 0.3
kill -KILL "$rcv"
wait "$CPID"
rc=$?
check "collector exits non-zero ($rc) when a child dies with a request unread" \
    [ "$rc" -ne 0 ]
check "and names it and its signal" grep -q \
    "receiver process $rcv terminated by signal 9" "$T/c5/collector.log"
is "$(grep -c "Connection reset" "$T/c5/collector.log")" 0 \
    "not a reset channel"
finish
