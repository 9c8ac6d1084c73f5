#!/bin/sh
#
# Copyright (c) 2026 The ncap developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#

# The collector's acknowledgements, against acksensor.py, a sensor
# written from the manual with PyNaCl that opens the acks with a key it
# computes the collector's way:
#
#  1. every datagram stored, and every one refused for its content, is
#     acknowledged (D and the bitmap, and the credit, as the manual
#     says), within a bounded time; one sent again is acknowledged
#     again and not stored twice, and so is one sent from another port,
#     the acks following it there; acks to a port closed since (ICMP
#     port unreachable) disturb nothing;
#  2. SIGTERM, and a new collector on the same spool: the journal gives
#     back every session's window, what was stored is not stored again
#     when it comes again, what was not acknowledged is;
#  3. SIGKILL of every collector process while datagrams arrive, and a
#     torn tail written into a spool file: at start the journal cuts it
#     and says so, and when the sensor sends again what was not
#     acknowledged, every record is stored exactly once;
#  4. sync yes: acks still come, each after the syncs;
#  5. a spool on a small tmpfs that fills: what could not be written is
#     never acknowledged, and once space is freed it is stored when
#     sent again; nothing is lost, nothing stored twice.
#
# Exactly once is `ncctl dump -j` of every file, as a multiset of
# (type, time stamp, two fields), against what was sent.
. "$REGRESS/integration/lib.sh"

A="$PYTHON $REGRESS/integration/acksensor.py"
ST=$T/sensor.state
"$NCCTL" keygen "$T/id" >/dev/null
LISTED="sensor \"s1\" key $(cat "$T/id/pub.key")"

# field NAME: a field of acksensor.py's status
field() {
	$A status "$ST" | awk -v k="$1" '{ for (i = 1; i < NF; i += 2)
	    if ($i == k) print $(i + 1) }'
}
# below N LIMIT: a number, and less than LIMIT
below() { [ -n "$1" ] && [ "$1" != None ] && [ "$1" -lt "$2" ]; }
# dumps SPOOL: its files' records, as acksensor.py lists them
dumps() {
	rm -rf "$T/dump"
	mkdir "$T/dump"
	for _f in "$1"/s1/*.ncap; do
		"$NCCTL" dump -j "$_f" >"$T/dump/$(basename "$_f").json" ||
		    return 1
	done
	$A stored "$T"/dump/*.json
}
# exactly_once SPOOL: the records in the spool are those sent, once
exactly_once() {
	dumps "$1" >"$T/stored" || return 1
	$A expect "$ST" >"$T/expect"
	if ! diff "$T/expect" "$T/stored" >"$T/diff"; then
		echo "# $(wc -l <"$T/expect") records sent, $(wc -l \
		    <"$T/stored") stored; $(grep -c '^>' "$T/diff") too many," \
		    "$(grep -c '^<' "$T/diff") missing"
		head -5 "$T/diff" | sed 's/^/# /'
		return 1
	fi
}
# kill_all: SIGKILL to the collector and its children at once
kill_all() {
	_kids=$(pgrep -P "$CPID" | tr '\n' ' ')
	kill -KILL "$CPID" $_kids
	wait "$CPID" 2>/dev/null
	for _p in $_kids; do
		while ! gone "$_p"; do sleep 0.05; done
	done
}

# -- 1. acks
start_collector "$T/c" "$LISTED" || exit 1
# datagrams 5 and 9 have an encoding byte no collector knows
$A init "$ST" "$T/id" "$T/keys" "$CPORT" s1 5 9
$A send "$ST" 1 20 5
is "$(field acked) $(field D) $(field credit)" "20 20 960" \
    "1-20 sent: all 20 acknowledged, 5 and 9 refused for content too; D 20, credit 960"
ms=$(field first-ms)
check "the first ack came within 1 s of the first datagram ($ms ms)" \
    below "$ms" 1000
$A send "$ST" 22 30 5
is "$(field acked) $(field D) $(field credit)" "29 20 951" \
    "22-30, 21 missing: D 20, the bitmap 22-30, credit 960 - 9"
is "$($A acked "$ST" 21 22 30)" "no yes yes" "the sensor reads 21 not done, 22 and 30 done"
$A send "$ST" 21 21 5
is "$(field acked) $(field D) $(field credit)" "30 30 960" "21 late: D 30"
is "$(jstat "$T/c/ctl.sock" 'j["batches"], j["dropped"]["encoding"], j["acked"]')" \
    "(28, 2, 30)" "the collector stored 28, refused 2, acknowledged 30"
$A resend "$ST" 4 5
is "$(field resent) $(field acks)" "4 1" \
    "1-4 sent again: acknowledged again (one ack for the four)"
is "$(jstat "$T/c/ctl.sock" 'j["batches"], j["dropped"]["repeat"], j["acked"]')" \
    "(28, 4, 30)" "and dropped as repeats, not stored, not counted acknowledged twice"
# from another port: the first repeat is opened, and the acks follow
old=$(field lport)
$A from "$ST"
$A resend "$ST" 2 5
is "$(field acks) $(field lport | grep -vx "$old" | wc -l)" "1 1" \
    "sent again from another port ($(field lport), not $old): acked there"
is "$(jstat "$T/c/ctl.sock" 'j["dropped"]["repeat"], j["dropped"]["auth"]')" \
    "(6, 0)" "as repeats still"
# nobody listens: the acks of 31-40 meet a closed port
$A send "$ST" 31 40 0
sleep 0.3
$A send "$ST" 41 50 5
is "$(field acked) $(field D)" "50 50" \
    "acks sent to a closed port meanwhile: 41-50 acknowledged, and 31-40"
is "$(jstat "$T/c/ctl.sock" 'j["ack-errors"]')" 0 "no ack failed to go"
check "and the collector logged no error of its socket" \
    eval '! grep -q "recvmsg\|ack to" "$T/c/collector.log"'
acks=$(jstat "$T/c/ctl.sock" 'j["acks"]')
check "the collector counts its acks ($acks)" [ "$acks" -ge 7 ]
check "every record sent is stored once" exactly_once "$T/c/spool"

# -- 2. SIGTERM and a new collector on the same spool
$A send "$ST" 51 100 0
stop_collector
is $? 0 "SIGTERM right after 51-100 were sent: the collector exits 0"
clog=$T/c/collector.log
check "its totals count its journal entries and acks" \
    grep -q "totals:.* acks [1-9][0-9]* acked [0-9]* .*journal-entries [1-9]" "$clog"
mv "$clog" "$T/c/collector.1.log"
start_collector "$T/c" "$LISTED" || exit 1
$A port "$ST" "$CPORT"
check "the new one restores the session from the journal" \
    grep -q "journal: 1 sessions of 1 sensor keys restored" \
    "$T/c/collector.log"
$A resend "$ST" 10 5
is "$(field unacked)" 0 "the sensor sends again what it has no ack of, and 10 it has: all acked"
rep=$(jstat "$T/c/ctl.sock" 'j["dropped"]["repeat"]')
check "what the first one stored is a repeat to the second ($rep)" [ "$rep" -ge 10 ]
is "$(jstat "$T/c/ctl.sock" 'j["acked"] + j["dropped"]["repeat"]')" "$(field resent)" \
    "each datagram sent again is stored once or was a repeat"
check "every record is stored once, across the restart" exactly_once "$T/c/spool"

# -- 3. SIGKILL of every process, and a torn tail
$A send "$ST" 101 220 0
kill_all
ok "SIGKILL to every collector process right after 101-220 were sent"
printf 'torn!!!' >>"$T/c/spool/s1/UDP.ncap"
cp "$T/c/collector.log" "$T/c/collector.2.log"
start_collector "$T/c" "$LISTED" || exit 1
$A port "$ST" "$CPORT"
cut=$(sed -n 's/.*journal: cut \([0-9]*\) bytes off s1\/UDP.ncap.*/\1/p' "$T/c/collector.log")
check "the journal cut the torn tail, and said so ($cut bytes)" \
    [ "${cut:-0}" -ge 7 ]
total=$(sed -n 's/.*journal: cut \([0-9]*\) bytes.*/\1/p' "$T/c/collector.log" |
    awk '{ s += $1 } END { print s + 0 }')
is "$(jstat "$T/c/ctl.sock" 'j["journal-cut"]')" "$total" \
    "journal-cut counts the $total bytes cut"
$A resend "$ST" 10 5
is "$(field unacked)" 0 "the sensor sends again what it has no ack of: all acked"
check "every record is stored once, across SIGKILL" exactly_once "$T/c/spool"
stop_collector
is $? 0 "and the collector exits 0"

# -- 4. sync yes
mkdir -p "$T/y"
start_collector "$T/y" "$LISTED
sync yes" || exit 1
ST=$T/sync.state
$A init "$ST" "$T/id" "$T/keys" "$CPORT" s1
syncs0=$(jstat "$T/y/ctl.sock" 'j["syncs"]')
$A send "$ST" 1 50 5
is "$(field acked) $(field D)" "50 50" "sync yes: 1-50 all acknowledged"
ms=$(field first-ms)
check "the first ack within 1 s ($ms ms)" below "$ms" 1000
acks=$(jstat "$T/y/ctl.sock" 'j["acks"]')
syncs=$(jstat "$T/y/ctl.sock" 'j["syncs"]')
# each tick with something stored: the data files written and the
# journal, two at least
check "syncs counted: $syncs0 at start, $syncs after $acks acks" \
    [ $((syncs - syncs0)) -ge $((2 * acks)) ]
check "every record is stored once" exactly_once "$T/y/spool"
stop_collector

# -- 5. a spool that fills
C=$T/f
tmpfs_spool "$C" 1m
start_collector "$C" "$LISTED" || exit 1
ST=$T/full.state
# 40 records a datagram, 700 bytes or so; 64 kB left, room for 90
$A init "$ST" "$T/id" "$T/keys" "$CPORT" s1 recs=40
avail=$(($(df -k --output=avail "$C/spool" | tail -1) - 64))
dd if=/dev/zero of="$C/spool/filler" bs=1k count="$avail" 2>/dev/null
$A send "$ST" 1 300 5
write=$(jstat "$C/ctl.sock" 'j["dropped"]["write"]')
unacked=$(field unacked)
check "the disk filled: $write datagrams not written" [ "$write" -gt 0 ]
check "none of them acknowledged ($unacked not acknowledged)" \
    [ "$unacked" -ge "$write" ]
dumps "$C/spool" | LC_ALL=C sort >"$T/stored"
cp "$ST" "$ST.acked"
"$PYTHON" -c 'import json, sys
st = json.load(open(sys.argv[1]))
st["sent"] = st["done"]
json.dump(st, open(sys.argv[1], "w"))' "$ST.acked"
$A expect "$ST.acked" | LC_ALL=C sort >"$T/expect.acked"
is "$(comm -23 "$T/expect.acked" "$T/stored" | wc -l)" 0 \
    "every record of every datagram acknowledged is in the spool"
rm -f "$C/spool/filler"
$A resend "$ST" 5 5
is "$(field unacked)" 0 "space freed: what the sensor sends again is stored and acknowledged"
check "every record is stored once, nothing lost to the full disk" \
    exactly_once "$C/spool"
stop_collector
is $? 0 "the collector exits 0"
finish
