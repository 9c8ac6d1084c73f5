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
# ncctl dump -u: the records of a JetStream stream.
#
# Two sensors replay known captures into a collector; the records of
# its spool files, their headers cut off, are published to a
# nats-server on loopback (JetStream, a temporary store) in payloads
# of 1 to 4 records on ncap.SENSOR.TYPE, as a collector's jetstream
# output does, in a shuffled order, by jspub (regress/tools).  Then:
#
#  1. the dump of the stream, JSON and CSV, holds the records of the
#     dump of the files, as a multiset per sensor and type;
#  2. -S, -T and both select exactly the records of that sensor, type;
#     -p reads another prefix, and only it;
#  3. -a and -b keep exactly the records whose timestamp is in
#     [begin, end), counted by dumpstream.py over the files' dump,
#     given as seconds or as a UTC date; the files dump the same;
#  4. payloads that are bad (truncated framing, a record above the
#     limit, a record that does not unpack, an unknown type, a subject
#     of another form) are named,
#     the first ten of a kind, counted in a summary, and the records
#     around them are all written; the exit status is 1;
#  5. a filter that matches nothing ends at once, an unknown stream
#     or server is an error, and the options are checked;
#  6. the dumps leave no consumer on the server; a sensor name with a
#     dot in it is read whole;
#  7. a dump writes what the stream held when it began: messages
#     published while it runs (its output held in a pipe) are not
#     written.  (This catches a dump that reads until the stream is
#     idle; one that stops at the first message with nothing pending
#     passes it too, as long as the server delivers faster than the
#     messages come, as it does here.)
. "$REGRESS/integration/lib.sh"

need_nats
JSPUB=$UNITDIR/jspub
[ -x "$JSPUB" ] || { echo "Bail out! no $JSPUB"; exit 1; }

ds() { "$PYTHON" "$REGRESS/integration/dumpstream.py" "$@"; }
# same WHAT EXPECTED ACTUAL: files equal, a diff when not
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		notok "$1"
		diff -u "$2" "$3" | head -20 | sed 's/^/# /'
	fi
}
# dump FILE ARGS...: ncctl dump of the stream to FILE, stderr FILE.err,
# its exit status in RC
dump() {
	_f=$1
	shift
	"$NCCTL" dump "$@" -u "$URL" NCAP >"$_f" 2>"$_f.err"
	RC=$?
}

# ---- the files: two sensors, a capture each --------------------------
start_collector "$T/c"
run_sensor "$T/a" alpha "$CAPDIR/decode-net.pcap"
run_sensor "$T/b" beta "$CAPDIR/tcpapp-http.pcap"
stop_collector
spool=$T/c/spool
"$NCCTL" dump -j "$spool/alpha" "$spool/beta" >"$T/files.json" &&
    "$NCCTL" dump -c "$spool/alpha" "$spool/beta" >"$T/files.csv" ||
    { echo "Bail out! cannot dump the spool"; exit 1; }
ds records json "$T/files.json" >"$T/ref.rec"
ds records csv "$T/files.csv" >"$T/ref.csvrec"
nref=$(wc -l <"$T/ref.rec")
check "the files hold records of both sensors ($nref)" \
    sh -c "grep -q '^alpha TCP ' '$T/ref.rec' && grep -q '^beta TCP ' '$T/ref.rec' &&
    test $nref -gt 100"

# ---- the stream --------------------------------------------------------
port=$(free_port)
while ss -Htln "sport = :$port" | grep -q .; do port=$(free_port); done
URL=nats://127.0.0.1:$port
mport=$(free_port)
while ss -Htln "sport = :$mport" | grep -q . || [ "$mport" = "$port" ]; do
	mport=$(free_port)
done
nats-server -js -a 127.0.0.1 -p "$port" -m "$mport" -sd "$T/js" \
    >"$T/nats.log" 2>&1 &
NATS=$!
PIDS="$PIDS $NATS"
_i=0
while ! ss -Htln "sport = :$port" | grep -q . && [ $_i -lt 100 ]; do
	sleep 0.05
	_i=$((_i + 1))
done

mkdir "$T/pay"
ds split "$spool" "$T/pay" ncap 12 >"$T/list"
# a few on another prefix: only -p other reads them
grep ' ' "$T/list" | grep '^ncap\.alpha\.Ethernet ' | head -3 |
    sed 's/^ncap\./other./' >"$T/other.list"
npub=$(cat "$T/list" "$T/other.list" |
    "$JSPUB" -u "$URL" -s NCAP -c 'ncap.>' -c 'other.>' 2>"$T/jspub.err")
nlist=$(cat "$T/list" "$T/other.list" | wc -l)
is "$npub" "$nlist" "jspub published every payload"
[ -s "$T/jspub.err" ] && sed 's/^/# jspub: /' "$T/jspub.err"
neth=$(grep -c '^ncap\.alpha\.Ethernet ' "$T/list")
check "in several messages per type ($neth of alpha's Ethernet)" \
    test "$neth" -ge 5

# 1. everything, as JSON and CSV
dump "$T/s.json" -j
is "$RC" 0 "dump -j of the stream exits 0"
[ -s "$T/s.json.err" ] && sed 's/^/# stderr: /' "$T/s.json.err"
ds records json "$T/s.json" >"$T/s.rec"
same "its records are those of the files, per sensor and type" \
    "$T/ref.rec" "$T/s.rec"
nhdr=$(grep -c '"magic":"ncap"' "$T/s.json")
nrun=$(cut -d' ' -f1 "$T/list" | uniq | wc -l)
is "$nhdr" "$nrun" "a header before each run of messages of one sensor and type"
dump "$T/s.csv" -c
is "$RC" 0 "dump -c of the stream exits 0"
ds records csv "$T/s.csv" >"$T/s.csvrec"
same "its CSV records are those of the files' CSV" \
    "$T/ref.csvrec" "$T/s.csvrec"
"$NCCTL" dump -u "$URL" NCAP >"$T/s.default" 2>/dev/null
same "JSON is the default" "$T/s.json" "$T/s.default"

# 2. by sensor, by type, by prefix
dump "$T/f.json" -S alpha
grep '^alpha ' "$T/ref.rec" >"$T/want"
ds records json "$T/f.json" >"$T/got"
same "-S alpha: alpha's records, all of them" "$T/want" "$T/got"
dump "$T/f.json" -T TCP
grep '^[a-z]* TCP ' "$T/ref.rec" >"$T/want"
ds records json "$T/f.json" >"$T/got"
same "-T TCP: the TCP records of both sensors" "$T/want" "$T/got"
dump "$T/f.json" -c -S beta -T HTTP
grep '^beta HTTP ' "$T/ref.csvrec" >"$T/want"
ds records csv "$T/f.json" >"$T/got"
same "-S beta -T HTTP, as CSV: beta's HTTP records" "$T/want" "$T/got"
dump "$T/f.json" -p other
cut -d' ' -f2 "$T/other.list" | xargs cat >"$T/other.bin"
"$PYTHON" -c 'import sys
b = open(sys.argv[1], "rb").read()
n = i = 0
while i < len(b):
    v = s = 0
    while True:
        c = b[i]; i += 1; v |= (c & 0x7f) << s; s += 7
        if not c & 0x80: break
    i += v; n += 1
print(n)' "$T/other.bin" >"$T/nother"
check "-p other: the $(cat "$T/nother") records published there" \
    sh -c "test \$(grep -vc '\"magic\"' '$T/f.json') -eq \$(cat '$T/nother') &&
    test \$(grep -c '\"sensor\":\"alpha\",\"record_type\":\"Ethernet\"' '$T/f.json') -ge 1"

# 3. by time
set -- $(ds bounds "$T/files.json")
b=$1
e=$2
ds range "$T/files.json" "$b" "$e" >"$T/want"
nwant=$(wc -l <"$T/want")
check "the range holds some records, not all ($nwant of $nref)" \
    test "$nwant" -gt 0 -a "$nwant" -lt "$nref"
dump "$T/t.json" -a "$(ds seconds "$b")" -b "$(ds seconds "$e")"
ds records json "$T/t.json" >"$T/got"
same "-a -b in seconds: exactly the records in [begin, end)" \
    "$T/want" "$T/got"
check "a header only where a record of the range follows it" \
    awk '/"magic"/ { if (h) exit 1; h = 1; next } { h = 0 } END { exit h }' \
    "$T/t.json"
dump "$T/t.json" -a "$(ds iso "$b")" -b "$(ds iso "$e")"
ds records json "$T/t.json" >"$T/got"
same "-a -b as UTC dates: the same" "$T/want" "$T/got"
"$NCCTL" dump -a "$(ds seconds "$b")" -b "$(ds seconds "$e")" \
    "$spool/alpha" "$spool/beta" >"$T/t.files" 2>/dev/null
ds records json "$T/t.files" >"$T/got"
same "the files dump the same range" "$T/want" "$T/got"

# 4. bad payloads among good ones, all on sensor gamma
printf '\005ab' >"$T/tail"
ds frame "$spool/alpha/TCP.ncap" >"$T/tcp1"
cat "$T/tcp1" "$T/tail" >"$T/bad.trunc"
{ printf '\002\017\000'; cat "$T/tcp1"; } >"$T/bad.rec"
# a record larger than any may be (70000 bytes), whole
"$PYTHON" -c 'import sys
sys.stdout.buffer.write(b"\xf0\xa2\x04" + bytes(70000))' >"$T/bad.big"
{
	echo "ncap.gamma.TCP $T/bad.trunc"
	echo "ncap.gamma.TCP $T/bad.rec"
	echo "ncap.gamma.TCP $T/bad.big"
	i=0
	while [ $i -lt 12 ]; do
		echo "ncap.gamma.Bogus $T/tcp1"
		i=$((i + 1))
	done
	echo "ncap.gamma $T/tcp1"
	echo "ncap.gamma.TCP $T/tcp1"
} | "$JSPUB" -u "$URL" -s NCAP >/dev/null
dump "$T/x.json" -j
is "$RC" 1 "a stream with bad payloads: exit 1"
ds records json "$T/x.json" >"$T/got"
tcpline=$(grep '^alpha TCP ' "$T/ref.rec" | head -1 | cut -d' ' -f3-)
{
	cat "$T/ref.rec"
	for i in 1 2 3; do echo "gamma TCP $tcpline"; done
} | LC_ALL=C sort >"$T/want"
LC_ALL=C sort "$T/got" >"$T/got.s"
same "every good record written, those around the bad ones too" \
    "$T/want" "$T/got.s"
err=$T/x.json.err
check "truncated framing named, with its record and offset" \
    grep -q "(ncap.gamma.TCP): record 2 at offset $(wc -c <"$T/tcp1"): a length" "$err"
check "the record above the limit named" \
    grep -q "(ncap.gamma.TCP): record 1 at offset 0: a length that is malformed, above 65536" "$err"
check "the record that does not unpack named" \
    grep -q "(ncap.gamma.TCP): record 1: not a valid TCP record" "$err"
check "the unknown type named, ten times of twelve" \
    test "$(grep -c 'unknown record type "Bogus"' "$err")" -eq 10
check "the subject of another form named" \
    grep -q "(ncap.gamma): not ncap.sensor.type" "$err"
nmsg=$(($(wc -l <"$T/list") + 17))
check "and all counted: 16 of $nmsg messages bad" grep -q \
    "stream NCAP: 16 of $nmsg messages bad (1 with a subject not of the form prefix.sensor.type, 12 of an unknown record type, 2 with bad framing, 1 with records that are not valid), $((nref + 3)) records written, 1 not valid" \
    "$err"
[ "$fails" -eq 0 ] || sed 's/^/# stderr: /' "$err"

# 5. nothing to read, errors, options
s=$(date +%s)
dump "$T/n.json" -S nosuch
is "$RC.$(wc -c <"$T/n.json")" "0.0" "a filter that matches nothing: no output, exit 0"
check "and it ends at once" test $(($(date +%s) - s)) -lt 10
"$NCCTL" dump -u "$URL" NOPE >/dev/null 2>"$T/e"
is "$?" 1 "an unknown stream: exit 1"
check "says so" grep -q "stream NOPE: no such stream" "$T/e"
"$NCCTL" dump -u "nats://127.0.0.1:$(free_port)" NCAP >/dev/null 2>"$T/e"
is "$?" 1 "no server: exit 1"
"$NCCTL" dump -u "$URL" -T Bogus NCAP >/dev/null 2>"$T/e"
is "$?" 1 "-T of an unknown type: exit 1"
check "says so" grep -q -- "-T Bogus: unknown record type" "$T/e"
"$NCCTL" dump -u "$URL" -S "a b" NCAP >/dev/null 2>&1
is "$?" 1 "-S of no sensor name: exit 1"
"$NCCTL" dump -u "$URL" -p "a..b" NCAP >/dev/null 2>&1
is "$?" 1 "-p of no subject prefix: exit 1"
"$NCCTL" dump -u "$URL" NCAP NCAP >/dev/null 2>&1
is "$?" 1 "two streams: usage"

# 6. what the server has of the dumps after them: no consumer
# (an ephemeral one would stay until the server noticed it idle)
nc=$("$PYTHON" -c 'import json, sys, urllib.request
u = "http://127.0.0.1:%s/jsz" % sys.argv[1]
print(json.load(urllib.request.urlopen(u, timeout=5))["consumers"])' "$mport")
is "$nc" 0 "the dumps leave no consumer behind"

# a sensor whose name holds a dot: the collector writes it %2E, so
# that the name stays one token (nccollectd.conf(5))
echo "ncap.dc1%2Es1.TCP $T/tcp1" | "$JSPUB" -u "$URL" -s NCAP >/dev/null
dump "$T/d.json" -S dc1.s1
check "-S dc1.s1 reads it, under its name" sh -c "test \$(wc -l <'$T/d.json') -eq 2 &&
    grep -q '\"sensor\":\"dc1.s1\",\"record_type\":\"TCP\"' '$T/d.json'"
dump "$T/d.json" -T TCP
check "-T TCP alone reads it too, under its name" \
    grep -q '"sensor":"dc1.s1","record_type":"TCP"' "$T/d.json"

# 7. what is published while a dump runs is not read: a stream of
# some 4000 messages, a dump whose output waits in a pipe until more
# messages were published (after its consumer existed, so after it
# read where the stream ended), none of which it may write
jsz() {
	"$PYTHON" -c 'import json, sys, urllib.request
u = "http://127.0.0.1:%s/jsz" % sys.argv[1]
print(json.load(urllib.request.urlopen(u, timeout=5))[sys.argv[2]])' "$mport" "$1"
}
i=0
while [ $i -lt 50 ]; do cat "$T/list"; i=$((i + 1)); done >"$T/big.list"
sed 's/^ncap\./big./' "$T/big.list" |
    "$JSPUB" -u "$URL" -s BIG -c 'big.>' >/dev/null
"$NCCTL" dump -p big -u "$URL" BIG 2>"$T/big.err" | {
	while [ ! -e "$T/go" ]; do sleep 0.05; done
	cat
} >"$T/big.json" &
BIG=$!
i=0
while [ "$(jsz consumers)" -eq 0 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
sed 's/^ncap\.alpha\./big.late./' "$T/list" | grep '^big\.late\.' |
    "$JSPUB" -u "$URL" -s BIG >/dev/null
touch "$T/go"
wait $BIG
ds records json "$T/big.json" | cut -d' ' -f1 | sort | uniq -c |
    sed 's/^ *//' >"$T/big.got"
printf '%s alpha\n%s beta\n' "$((50 * $(grep -c '^alpha ' "$T/ref.rec")))" \
    "$((50 * $(grep -c '^beta ' "$T/ref.rec")))" >"$T/big.want"
same "a dump writes what the stream held when it began, not what came after" \
    "$T/big.want" "$T/big.got"

kill -TERM "$NATS"
wait "$NATS"
finish
