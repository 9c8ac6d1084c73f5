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
# The spool's files closed and removed (rotate, keep) and its torn tails:
#
#  1. a replay into a collector that rotates every second and at 256 kB,
#     reloaded and told to rotate while it runs, then killed (every
#     process, SIGKILL) and started again: the records of all its files
#     are those of the same replay into a collector without rotate, each
#     once; every closed file is named Type-START-END.ncap with START <=
#     its header's time <= END, and none is left open;
#  2. SIGHUP keeps writing the open files; ncctl rotate closes them all
#     and says how many; a reload that takes rotate away closes them and
#     the next batch goes to Type.ncap;
#  3. keep, by age and by size: the closed files removed are the oldest
#     (by the end of their span), in that order, as few as the size
#     allows; open and Type.ncap files stay; counted and logged;
#  4. a Type.ncap file the journal does not know, torn at every byte of
#     its last record: cut at start, logged with the bytes cut, and
#     what is appended to it is readable, every whole record with it;
#     an open file left empty (killed as it was made) is removed.

. "$REGRESS/integration/lib.sh"

trust() { "$PYTHON" "$REGRESS/integration/trust.py" "$@"; }
forge() { "$NCFORGE" -k "$T/keys/pub.key" "$@"; }
# the records of every file in DIR, one JSON line each, sorted
records() {
	"$NCCTL" dump -j "$1" | grep -v '"magic"' | sort
}
# restart DIR: the collector of DIR/nccollectd.conf again, same port
restart_collector() {
	"$NCCOLLECTD" -d -v -f "$1/nccollectd.conf" >>"$1/collector.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	_i=0
	while ! ss -Huln "sport = :$CPORT" | grep -q . && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
}
# wait_for SECONDS COMMAND...: poll until it holds
wait_for() {
	_end=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}

nframes=200000
[ -n "${NCAP_SANITIZER:-}" ] && nframes=40000
"$PYTHON" "$REGRESS/captures/genbig.py" "$T/big.pcap" $nframes >/dev/null

# -- 1. the reference, then rotation under load, a reload, a rotate, a kill
start_collector "$T/ref" || exit 1
run_sensor "$T/sref" alpha "$T/big.pcap"
is $? 0 "the reference replay exits 0"
stop_collector
records "$T/ref/spool/alpha" >"$T/ref.recs"
nref=$(wc -l <"$T/ref.recs")
check "the reference holds records ($nref)" [ "$nref" -gt $nframes ]

start_collector "$T/c" "rotate every 1s size 256k" || exit 1
sensor_conf "$T/s" alpha "queue-size 1m"
"$NCAGENTD" -d -v -f "$T/s/ncagentd.conf" -r "$T/big.pcap" -w 120 \
    >"$T/s/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
acked() { [ "$(jstat "$T/c/ctl.sock" 'j["acked"]')" -ge "$1" ]; }
# a twentieth and a fifth of the reference's datagrams: the kill comes
# well before the end, also with the sanitizers' shorter capture
refdg=$(total "$T/sref/sensor.log" datagrams)
wait_for 30 acked $((refdg / 20))
kill -HUP "$CPID"
"$NCCTL" -s "$T/c/ctl.sock" rotate >"$T/rot.out" 2>&1
is $? 0 "ncctl rotate under load ($(cat "$T/rot.out"))"
wait_for 30 acked $((refdg / 5))
# killed while a file is open: between a rotation's close and the next
# batch, for a moment, none is
openfile() { ls "$T/c/spool/alpha" | grep -q 'ncap\.open$'; }
wait_for 10 openfile
kill_all "$CPID"
check "the collector is killed, every process, in the middle" \
    sh -c "! kill -0 $SPID 2>/dev/null || ls '$T/c/spool/alpha' |
    grep -q 'ncap.open$'"
sleep 0.5
restart_collector "$T/c"
wait "$SPID"
is $? 0 "the replay exits 0, every datagram acknowledged"
stop_collector
is $? 0 "the collector exits 0"
log=$T/c/collector.log
check "the restarted collector closed the files left open (removed one left empty)" \
    grep -Eq "left open, closed as|left open and empty, removed" "$log"
records "$T/c/spool/alpha" >"$T/rot.recs"
is "$(wc -l <"$T/rot.recs")" "$nref" \
    "as many records across the rotated files as in the reference"
check "the same records, each once" cmp -s "$T/rot.recs" "$T/ref.recs"
dups=$(uniq -d "$T/rot.recs" | wc -l)
lost=$(comm -23 "$T/ref.recs" "$T/rot.recs" | wc -l)
nfiles=$(ls "$T/c/spool/alpha" | wc -l)
echo "# rotation under load: sent $nref stored $(wc -l <"$T/rot.recs")" \
    "duplicated $dups lost $lost files $nfiles" \
    "rotated $(total "$log" rotated) journal-cut $(total "$log" journal-cut)" \
    "resent $(total "$T/s/sensor.log" resent)"
check "many files ($nfiles)" [ "$nfiles" -gt 20 ]
is "$(ls "$T/c/spool/alpha" | grep -c '\.open$')" 0 "none left open"
# names: Type-START-END[-N].ncap, START <= header time <= END
bad=0
for f in "$T/c/spool/alpha"/*; do
	b=$(basename "$f")
	echo "$b" | grep -Eq '^[A-Za-z0-9]+-[0-9]{8}T[0-9]{6}Z-[0-9]{8}T[0-9]{6}Z(-[0-9]+)?\.ncap$' ||
	    { echo "# bad name $b"; bad=$((bad + 1)); continue; }
	"$NCCTL" dump -j "$f" | head -1 | "$PYTHON" -c '
import calendar, json, sys, time
h = json.loads(sys.stdin.readline())
parts = sys.argv[1][:-len(".ncap")].split("-")
span = [calendar.timegm(time.strptime(p, "%Y%m%dT%H%M%SZ")) for p in parts[1:3]]
t = int(h["created"]) // 10**9
ok = span[0] <= t <= span[1] and h["record_type"] == parts[0]
sys.exit(0 if ok else 1)' "$b" || { echo "# $b: header outside its span"; bad=$((bad + 1)); }
done
is "$bad" 0 "every file is named for its type and span, its header within it"

# -- 2. SIGHUP keeps writing; ncctl rotate; rotate taken away
start_collector "$T/h" "rotate size 1g" || exit 1
"$NCCTL" keygen "$T/kf" >/dev/null
fsk=$(tr -d '\n' <"$T/kf/priv.key")
q=1
send() {	# send NAME N: a batch of N UDP records for NAME, a session each
	trust batch "$1" "$2" | forge -s "$fsk" -T $((q * 1000)) 127.0.0.1 \
	    "$CPORT"
	q=$((q + 1))
}
stored() { [ "$(jstat "$T/h/ctl.sock" 'j["records"]')" -ge "$1" ]; }
send hup 5
wait_for 10 stored 5
open1=$(ls "$T/h/spool/hup")
ino1=$(stat -c %i "$T/h/spool/hup/$open1")
kill -HUP "$CPID"
wait_for 10 grep -q "reloaded" "$T/h/collector.log"
send hup 7
wait_for 10 stored 12
is "$(ls "$T/h/spool/hup")" "$open1" "after SIGHUP the same file is written ($open1)"
is "$(stat -c %i "$T/h/spool/hup/$open1") $(nrecords "$T/h/spool/hup/$open1")" \
    "$ino1 12" "the same inode, with the records from before and after"
send hup2 3
wait_for 10 stored 15
is "$("$NCCTL" -s "$T/h/ctl.sock" rotate)" "2 files closed" \
    "ncctl rotate closes the two open files and says so"
is "$(ls "$T/h/spool/hup" "$T/h/spool/hup2" | grep -c '\.ncap\.open$')" 0 \
    "none is open any more"
send hup 2
wait_for 10 stored 17
is "$(ls "$T/h/spool/hup" | grep -c '\.ncap\.open$')" 1 \
    "the next batch begins a new file"
grep -v '^rotate' "$T/h/nccollectd.conf" >"$T/h/c2" &&
    cp "$T/h/c2" "$T/h/nccollectd.conf"
"$NCCTL" -s "$T/h/ctl.sock" reload >/dev/null
is $? 0 "a reload takes rotate away"
send hup 4
wait_for 10 stored 21
is "$(ls "$T/h/spool/hup" | grep -c '\.open$') $(nrecords "$T/h/spool/hup/UDP.ncap")" \
    "0 4" "the open file is closed, the next batch goes to UDP.ncap"
is "$(records "$T/h/spool/hup" | wc -l)" 18 \
    "every record of hup is in its files once (5 + 7 + 2 + 4)"
is "$(jstat "$T/h/ctl.sock" 'j["rotated"]')" 3 \
    "rotated counts the 3 files closed: 2 by ncctl, 1 by the reload"
stop_collector

# -- 3. keep: the oldest closed files first, as few as the size allows
mkdir -p "$T/k/spool/ks"
now=$(date +%s)
stamp() { date -u -d "@$1" +%Y%m%dT%H%M%SZ; }
mk() {	# mk NAME BYTES
	head -c "$2" /dev/zero >"$T/k/spool/ks/$1"
}
mk "UDP-$(stamp 1577836800)-$(stamp 1577840400).ncap" 1000	# 2020, 1 h
mk "TCP-$(stamp 1577833200)-$(stamp 1577923200).ncap" 2000	# ends later
mk "UDP-$(stamp $((now - 5 * 3600)))-$(stamp $((now - 4 * 3600))).ncap" 409600
mk "TCP-$(stamp $((now - 4 * 3600)))-$(stamp $((now - 3 * 3600))).ncap" 409600
mk "DNS-$(stamp $((now - 3 * 3600)))-$(stamp $((now - 2 * 3600))).ncap" 409600
mk "UDP-$(stamp $((now - 2 * 3600)))-$(stamp $((now - 3600))).ncap" 102400
mk "NTP.ncap" 51200
mk "notes.txt" 10
# a directory the spool did not make, named as no sensor can be: not
# keep's, whatever it holds
mkdir -p "$T/k/spool/lost+found"
LOST="$T/k/spool/lost+found/UDP-$(stamp 1577836800)-$(stamp 1577840400).ncap"
head -c 1000 /dev/zero >"$LOST"
chown -R nobody "$T/k/spool"
chmod 750 "$T/k/spool"
start_collector "$T/k" "keep 7d size 1m" || exit 1
wait_for 10 grep -q "keep: removed.*UDP-$(stamp $((now - 5 * 3600)))" \
    "$T/k/collector.log"
sed -n 's/.*keep: removed ks\/\([^,]*\),.*: \(.*\)/\1 \2/p' \
    "$T/k/collector.log" >"$T/k/removed"
cat >"$T/k/want" <<EOW
UDP-$(stamp 1577836800)-$(stamp 1577840400).ncap older than keep allows
TCP-$(stamp 1577833200)-$(stamp 1577923200).ncap older than keep allows
UDP-$(stamp $((now - 5 * 3600)))-$(stamp $((now - 4 * 3600))).ncap the spool is larger than keep allows
EOW
check "removed: the two of 2020 for their age, then the oldest for size" \
    diff -u "$T/k/want" "$T/k/removed"
is "$(jstat "$T/k/ctl.sock" 'j["removed"], j["removed-bytes"]')" \
    "(3, 412600)" "counted: 3 files, 412600 bytes"
is "$(ls "$T/k/spool/ks" | wc -l)" 5 \
    "the three newer closed files, NTP.ncap and notes.txt stay"
check "a closed file of 2020 in lost+found, no sensor's directory, stays" \
    [ -f "$LOST" ]
# a smaller size by reload: the next oldest go, at once
sed -i 's/^keep .*/keep size 500k/' "$T/k/nccollectd.conf"
"$NCCTL" -s "$T/k/ctl.sock" reload >/dev/null
wait_for 10 grep -q "keep: removed ks/DNS" "$T/k/collector.log"
is "$(ls "$T/k/spool/ks" | sort | tr '\n' ' ')" \
    "NTP.ncap UDP-$(stamp $((now - 2 * 3600)))-$(stamp $((now - 3600))).ncap notes.txt " \
    "reloaded to 500k: TCP and DNS go, oldest first; what is left fits"
stop_collector

# -- 4. a file the journal does not know, torn at every byte of its last record
start_collector "$T/t" || exit 1
q=1
send base 3
stored_t() { [ "$(jstat "$T/t/ctl.sock" 'j["records"]')" -ge "$1" ]; }
wait_for 10 stored_t 3
stop_collector
f=$T/t/base.ncap
cp "$T/t/spool/base/UDP.ncap" "$f"
size=$(stat -c %s "$f")
# the last record: its length prefix and body, at the end
last=$("$PYTHON" -c '
import sys
d = open(sys.argv[1], "rb").read()
off, ends = 0, []
while off < len(d):
    n, shift, i = 0, 0, off
    while True:
        b = d[i]; i += 1
        n |= (b & 0x7f) << shift; shift += 7
        if b < 0x80: break
    off = i + n
    ends.append(off)
print(ends[-2])' "$f")
rm -rf "$T/t/spool"
mkdir -p "$T/t/spool"
k=$((last + 1))
while [ $k -lt "$size" ]; do
	mkdir -p "$T/t/spool/torn$k"
	head -c $k "$f" >"$T/t/spool/torn$k/UDP.ncap"
	k=$((k + 1))
done
ntorn=$((size - last - 1))
# and a file killed as it was made, before its header: open and empty
mkdir -p "$T/t/spool/empty"
: >"$T/t/spool/empty/UDP-20261203T000000Z.ncap.open"
chown -R nobody "$T/t/spool"
chmod 750 "$T/t/spool"
mv "$T/t/collector.log" "$T/t/collector.log.0"
restart_collector "$T/t"
# the parent listens before the receiver has read the spool
wait_for 10 grep -q "sandbox receiver entered" "$T/t/collector.log"
is "$(grep -c 'cut a torn tail of .* bytes off torn.*, which the journal does not know' "$T/t/collector.log")" \
    "$ntorn" "each of the $ntorn torn files is cut at start, and said so"
bad=""
k=$((last + 1))
while [ $k -lt "$size" ]; do
	grep -q "cut a torn tail of $((k - last)) bytes off torn$k/UDP.ncap" \
	    "$T/t/collector.log" || bad="$bad $k"
	send "torn$k" 2
	k=$((k + 1))
done
is "$bad" "" "the bytes cut are those past the last whole record"
check "the empty file left open is removed, and said so" sh -c \
    "grep -q 'empty/UDP-20261203T000000Z.ncap.open, left open and empty, removed' \
    '$T/t/collector.log' && [ -z \"\$(ls '$T/t/spool/empty')\" ]"
wait_for 10 stored_t $((2 * ntorn))
stop_collector
bad=""
k=$((last + 1))
while [ $k -lt "$size" ]; do
	"$NCCTL" dump -j "$T/t/spool/torn$k/UDP.ncap" >"$T/t/d" 2>"$T/t/e" ||
	    bad="$bad $k"
	[ "$(grep -vc '"magic"' "$T/t/d")" = 4 ] || bad="$bad $k"
	k=$((k + 1))
done
is "$bad" "" "every one reads to its end: the 2 whole records and the 2 appended"
is "$(total "$T/t/collector.log" journal-cut)" \
    "$(( (1 + ntorn) * ntorn / 2 ))" "journal-cut counts the bytes cut"
finish
