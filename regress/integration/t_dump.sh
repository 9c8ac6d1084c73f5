#!/bin/sh
# Copyright (c) 2026 The ncap developers.  ISC licence, see common/log.h.
#
# ncctl dump and keygen, end to end.  $1, or else $NCCTL: the ncctl to
# test.
#
# Part one runs that ncctl on hand-made files of a real record type
# (TCP).  Part two builds an ncctl whose record types come from
# dumptest.proto, beside this script, and compares its dumps with text
# written out below: that covers every kind of field without tying the
# expected text to records.proto.  CC, and T_DUMP_CFLAGS for extra
# flags, are honoured; without protoc-c or a compiler part two skips.

# shellcheck disable=SC2016	# single quotes for the inner sh -c
ncctl=${1:-${NCCTL:-}}
if [ -z "$ncctl" ] || [ ! -x "$ncctl" ]; then
	echo "Bail out! usage: t_dump.sh path-to-ncctl (or set NCCTL)"
	exit 1
fi
case $ncctl in
/*)	;;
*)	ncctl=$(pwd)/$ncctl ;;
esac
src=$(cd "$(dirname "$0")/../.." && pwd)
# the hand-made files go through sed: bytes, not characters
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/t_dump.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

n=0
fail=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1))
	fail=1
	echo "not ok $n - $1"
}
skip() {
	n=$((n + 1))
	echo "ok $n # SKIP $1"
}
# check WHAT COMMAND...: the command's status decides
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else notok "$what"; fi
}
# same WHAT EXPECTED ACTUAL: files equal, a diff when not
same() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		notok "$1"
		diff -u "$2" "$3" | sed 's/^/# /'
	fi
}
# status WHAT WANT COMMAND...: the command exits with WANT
status() {
	what=$1
	want=$2
	shift 2
	"$@" >out 2>err
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$what"
	else
		notok "$what (exit $got, want $want)"
		sed 's/^/# stderr: /' err
	fi
}

# ---- part one: the ncctl under test, type TCP -------------------------

# Header: magic ncap, format 1, created 1700000000123456789, sensor s1,
# record_type TCP, software_version 9.9; 32 bytes after its length.
header() {
	printf '\040\012\004ncap\020\001\030\225\232\227\354\343\237\347'
	printf '\313\027"\002s1*\003TCP2\0039.9'
}
hjson='{"magic":"ncap","format":1,"created":1700000000123456789,"sensor":"s1","record_type":"TCP","software_version":"9.9"}'
hcsv='# ncap type=TCP sensor=s1 created=1700000000123456789 software=9.9'

header > hdr.ncap
echo "$hjson" > hdr.json
status "header-only file dumps" 0 "$ncctl" dump hdr.ncap
same "its JSON is the header line" hdr.json out
status "-j is the default" 0 "$ncctl" dump -j hdr.ncap
same "-j gives the same" hdr.json out
status "standard input as -" 0 sh -c "\"$ncctl\" dump - < hdr.ncap"
same "standard input dumps the same" hdr.json out

status "CSV of a header-only file" 0 "$ncctl" dump -c hdr.ncap
check "CSV starts with the comment line" \
    test "$(sed -n 1p out)" = "$hcsv"
check "then the column names, and nothing more" \
    sh -c 'test $(wc -l < out) -eq 2 && sed -n 2p out |
    grep -q "^[a-z_0-9]*\(,[a-z_0-9]*\)*\$" &&
    sed -n 2p out | grep -q ",src_port," &&
    sed -n 2p out | grep -q "timestamp"'

# an empty record is a TCP record of zero values
{ header; printf '\000'; } > zero.ncap
status "empty record dumps" 0 "$ncctl" dump zero.ncap
check "as zero values" sh -c 'test $(wc -l < out) -eq 2 &&
    sed -n 2p out | grep -q "\"src_port\":0" &&
    sed -n 2p out | grep -q "\"src_ip\":\"\""'

# field 1 with wire type 7 unpacks as nothing; the records after it
# still print, and the dump fails at the end
{ header; printf '\000\001\017\000'; } > bad.ncap
status "unpackable record fails the dump" 1 "$ncctl" dump bad.ncap
check "the others are printed" test "$(wc -l < out)" -eq 3
check "the bad one is named" grep -q "record 2" err

{ header; printf '\000\005abc'; } > trunc.ncap
status "truncated tail fails the dump" 1 "$ncctl" dump trunc.ncap
check "what came before is printed" test "$(wc -l < out)" -eq 2
check "the error says truncated, record 2 at offset 34" \
    grep -q "record 2 at offset 34: truncated" err

# torn at every byte of its last record: every whole record before
# the tear is printed, and the tear is called what it is.  Records:
# TCP timestamp 1 (08 01), 2 (08 02), 300 (08 ac 02)
{ header; printf '\002\010\001\002\010\002\003\010\254\002'; } > whole.ncap
status "three whole records dump" 0 "$ncctl" dump whole.ncap
hl=$(header | wc -c)
torn=0
for cut in 1 2 3; do
	head -c $((hl + 6 + cut)) whole.ncap > torn.ncap
	"$ncctl" dump torn.ncap > out 2> err
	rc=$?
	[ $rc -eq 1 ] && [ "$(wc -l < out)" -eq 3 ] &&
	    grep -q '"timestamp":2' out && grep -q "record 3 at offset" err &&
	    grep -q "torn tail" err || torn=$((torn + 1))
done
is_zero() { [ "$1" -eq 0 ]; }
check "a last record torn at each of its bytes: the two before it, and \"torn tail\" ($torn wrong)" \
    is_zero "$torn"

# -a and -b: records at or after the one, before the other, by their
# timestamp (1, 2 and 300 ns); the header is written all the same
status "a time range" 0 "$ncctl" dump -a 0.000000002 -b 0.0000003 whole.ncap
check "keeps the record at its start and none at its end" \
    sh -c 'test $(wc -l < out) -eq 2 && sed -n 1p out | grep -q "\"magic\"" &&
    sed -n 2p out | grep -q "^{\"timestamp\":2,"'
status "a UTC date and time" 0 "$ncctl" dump -a 1970-01-01T00:00:00.000000003Z \
    whole.ncap
check "keeps the records from then on" \
    sh -c 'test $(wc -l < out) -eq 2 && grep -q "^{\"timestamp\":300," out'
status "-b alone" 0 "$ncctl" dump -c -b 1970-01-01 whole.ncap
check "keeps none after the epoch, in CSV too" test "$(wc -l < out)" -eq 2
status "a time that is not one" 1 "$ncctl" dump -a yesterday whole.ncap
check "is named" grep -q -- "-a yesterday: not a time" err
status "finer than a nanosecond" 1 "$ncctl" dump -b 1.0000000001 whole.ncap
status "-a not before -b" 1 "$ncctl" dump -a 5 -b 5 whole.ncap
status "-S without a stream" 1 "$ncctl" dump -S s1 whole.ncap

# several files, and a sensor's directory, in the order of their headers
hdr_at() {
	python3 -c 'import sys
t = int(sys.argv[1])
v = bytearray()
while True:
    b = t & 0x7f
    t >>= 7
    v.append(b | (0x80 if t else 0))
    if not t:
        break
body = b"\x0a\x04ncap\x10\x01\x18" + bytes(v) + b"\x22\x02s1\x2a\x03TCP\x32\x039.9"
sys.stdout.buffer.write(bytes([len(body)]) + body)' "$1"
}
mkdir sens
{ hdr_at 1700000000200000000; printf '\002\010\003'; } > sens/UDPlater.ncap
{ hdr_at 1700000000100000000; printf '\002\010\001\002\010\002'; } > sens/TCP.ncap
{ hdr_at 1600000000000000000; printf '\002\010\011'; } > sens/.hidden.ncap
echo "not a capture" > sens/notes.txt
status "a directory dumps" 0 "$ncctl" dump sens
check "its .ncap files, oldest header first, hidden ones and others left out" \
    sh -c 'test $(wc -l < out) -eq 5 &&
    sed -n 1p out | grep -q "\"created\":1700000000100000000" &&
    sed -n 2p out | grep -q "\"timestamp\":1" &&
    sed -n 3p out | grep -q "\"timestamp\":2" &&
    sed -n 4p out | grep -q "\"created\":1700000000200000000" &&
    sed -n 5p out | grep -q "\"timestamp\":3"'
status "files named dump in the same order" 0 "$ncctl" dump sens/UDPlater.ncap \
    sens/TCP.ncap
check "whatever order they were named in" \
    sh -c 'sed -n 1p out | grep -q "\"created\":1700000000100000000"'
status "a missing file among them fails the dump" 1 "$ncctl" dump \
    sens/TCP.ncap nothere.ncap
check "and the others are dumped" test "$(wc -l < out)" -eq 3

{ header; printf '\201\200\004'; } > big.ncap
status "oversize record fails the dump" 1 "$ncctl" dump big.ncap
check "and says so" grep -q "exceeds" err

header | sed 's/ncap/ncaq/' > magic.ncap
status "wrong magic refused" 1 "$ncctl" dump magic.ncap
check "before any output" test ! -s out

header | sed 's/TCP/XYZ/' > type.ncap
status "unknown record type refused" 1 "$ncctl" dump type.ncap
check "and named" grep -q "XYZ" err

status "missing file" 1 "$ncctl" dump nonexistent.ncap

status "no arguments" 1 "$ncctl"
check "prints usage" grep -q "^usage:" err
status "unknown command" 1 "$ncctl" frobnicate
status "dump without a file" 1 "$ncctl" dump
status "dump with two files" 0 "$ncctl" dump hdr.ncap hdr.ncap
check "dumps both" test "$(grep -c '"magic":"ncap"' out)" -eq 2
status "dump -c -j" 1 "$ncctl" dump -c -j hdr.ncap
status "dump -x" 1 "$ncctl" dump -x hdr.ncap
check "usage names -j the default" grep -q -- "-j, the default" err
status "keygen without a directory" 1 "$ncctl" keygen

mkdir keys
status "keygen" 0 "$ncctl" keygen keys
check "pub.key 0644, priv.key 0600" test \
    "$(stat -c %a keys/pub.key) $(stat -c %a keys/priv.key)" = "644 600"
check "pub.key is 64 hex digits and a newline" \
    grep -qx "[0-9a-f]\{64\}" keys/pub.key
cp keys/pub.key pub.before
status "keygen refuses to overwrite" 1 "$ncctl" keygen keys
check "and leaves the key alone" cmp -s pub.before keys/pub.key
status "keygen makes the directories it needs" 0 sh -c \
    "umask 022 && exec '$ncctl' keygen new/etc/ncap/"
check "0755, with the pair in the last" test "$(stat -c %a new new/etc \
    new/etc/ncap new/etc/ncap/pub.key new/etc/ncap/priv.key | tr '\n' ' ')" \
    = "755 755 755 644 600 "
: >afile
status "keygen under a file" 1 "$ncctl" keygen afile/k
check "says it is not a directory" grep -q "afile/k: Not a directory" err

# ---- part two: every kind of field, through dumptest.proto ------------

# the quotes in cflags are for the compiler: -DNCAP_VERSION="t-1.0"
# shellcheck disable=SC2086,SC2089,SC2090
build() {
	b=$tmp/build
	mkdir -p "$b"
	cp "$src/regress/integration/dumptest.proto" "$b/records.proto"
	protoc-c --proto_path="$b" --c_out="$b" "$b/records.proto" &&
	protoc-c --proto_path="$src/proto" --c_out="$b" \
	    "$src/proto/ncap.proto" &&
	sh "$src/common/gen_rectypes.sh" "$b/records.pb-c.h" \
	    > "$b/rectypes.c" || return 1
	pkgs="libsodium libprotobuf-c libbsd-overlay libevent libnats"
	cflags="-std=gnu11 -D_GNU_SOURCE -DNCAP_VERSION=\"t-1.0\"
	    -I$src/common -I$src/ncctl -I$b $(pkg-config --cflags $pkgs)"
	libs="$(pkg-config --libs $pkgs) -lm"
	common="$src/common/ncap.c $src/common/records.c
	    $src/common/varint.c $b/ncap.pb-c.c $b/records.pb-c.c
	    $b/rectypes.c"
	${CC:-cc} $cflags $1 ${T_DUMP_CFLAGS:-} -o "$b/ncctl" \
	    "$src/ncctl/ncctl.c" "$src/ncctl/dump.c" "$src/ncctl/parser.c" \
	    "$src/ncctl/output.c" "$src/ncctl/stream.c" "$src/common/keys.c" \
	    "$src/common/wire.c" \
	    "$src/common/imsg.c" "$src/common/log.c" "$src/common/util.c" \
	    $common $libs &&
	${CC:-cc} $cflags $1 ${T_DUMP_CFLAGS:-} -o "$b/gen" \
	    "$src/regress/integration/dumptest.c" $common $libs
}

if ! command -v protoc-c >/dev/null || ! command -v pkg-config >/dev/null
then
	skip "no protoc-c or pkg-config for the dumptest build"
	echo "1..$n"
	exit $fail
fi
# under the sanitizers when the compiler has them
if build "-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
    2>build.err || build "" 2>build.err; then
	ok "dumptest ncctl builds"
else
	notok "dumptest ncctl builds"
	sed 's/^/# /' build.err
	echo "1..$n"
	exit 1
fi
tncctl=$tmp/build/ncctl

"$tmp/build/gen" header > s.hdr && "$tmp/build/gen" records > s.rec
cat s.hdr s.rec > sample.ncap

# What dumptest.c wrote, as JSON.  e-acute is @E@ here to keep this
# file ASCII.
sed "s/@E@/$(printf '\303\251')/" > sample.json <<'END'
{"magic":"ncap","format":1,"created":1700000000123456789,"sensor":"s1","record_type":"Sample","software_version":"t-1.0"}
{"timestamp":1700000000000000001,"src_ip":"10.1.0.2","dst_ip":"fd00:1::2","mac":"02:00:00:00:00:01","blob":"deadbeef01","flag":true,"text":"say \"hi\", then\nleave\\ \t @E@\u0001\u00ff","ports":[53,443,65535],"names":["a,b","c\"d"],"entry":{"name":"example.com","type":1,"addr":"192.0.2.1"},"entries":[{"name":"x","type":28,"addr":"2001:db8::1"},{"name":"","type":0,"addr":""}],"delta":-42,"big":18446744073709551615,"kind":7,"ratio":0.1,"level":1.5,"addrs":["10.0.0.1","::1","aa:bb:cc:dd:ee:ff","010203"],"f32":4294967295,"sf64":-9223372036854775808,"bits":[true,false],"word":"w","number":null}
{"timestamp":0,"src_ip":"","dst_ip":"","mac":"","blob":"","flag":false,"text":"","ports":[],"names":[],"entry":null,"entries":[],"delta":0,"big":0,"kind":0,"ratio":0,"level":0,"addrs":[],"f32":0,"sf64":0,"bits":[],"word":null,"number":null}
{"timestamp":-1,"src_ip":"","dst_ip":"","mac":"","blob":"","flag":false,"text":"","ports":[],"names":[],"entry":{"name":"","type":0,"addr":""},"entries":[],"delta":0,"big":0,"kind":0,"ratio":null,"level":0,"addrs":[],"f32":0,"sf64":0,"bits":[],"word":null,"number":0}
END

# The same as CSV: the text cell holds a newline, a tab, e-acute, \001
# and \377 as they are.
{
	echo '# ncap type=Sample sensor=s1 created=1700000000123456789 software=t-1.0'
	echo 'timestamp,src_ip,dst_ip,mac,blob,flag,text,ports,names,entry,entries,delta,big,kind,ratio,level,addrs,f32,sf64,bits,word,number'
	printf '%s' '1700000000000000001,10.1.0.2,fd00:1::2,02:00:00:00:00:01,'
	printf '%s' 'deadbeef01,true,'
	printf '"say ""hi"", then\nleave\\ \t \303\251\001\377",'
	printf '%s' '"[53,443,65535]","[""a,b"",""c\""d""]",'
	printf '%s' '"{""name"":""example.com"",""type"":1,""addr"":""192.0.2.1""}",'
	printf '%s' '"[{""name"":""x"",""type"":28,""addr"":""2001:db8::1""},'
	printf '%s' '{""name"":"""",""type"":0,""addr"":""""}]",'
	printf '%s' '-42,18446744073709551615,7,0.1,1.5,'
	printf '%s' '"[""10.0.0.1"",""::1"",""aa:bb:cc:dd:ee:ff"",""010203""]",'
	printf '%s\n' '4294967295,-9223372036854775808,"[true,false]",w,'
	echo '0,,,,,false,,[],[],,[],0,0,0,0,0,[],0,0,[],,'
	printf '%s' '-1,,,,,false,,[],[],'
	printf '%s' '"{""name"":"""",""type"":0,""addr"":""""}",'
	printf '%s\n' '[],0,0,0,null,0,[],0,0,[],,0'
} > sample.csv

status "dumptest -j" 0 "$tncctl" dump -j sample.ncap
same "JSON is the expected text" sample.json out
status "dumptest default" 0 "$tncctl" dump sample.ncap
same "default is JSON" sample.json out
status "dumptest -c" 0 "$tncctl" dump -c sample.ncap
same "CSV is the expected text" sample.csv out
status "dumptest -c from standard input" 0 \
    sh -c "\"$tncctl\" dump -c - < sample.ncap"
same "standard input gives the same CSV" sample.csv out

# a bad record first: the three good ones still print
{ cat s.hdr; printf '\002\017\000'; cat s.rec; } > sbad.ncap
status "dumptest with a bad record" 1 "$tncctl" dump sbad.ncap
same "every good record printed" sample.json out
check "the bad one named" grep -q "record 1: not a valid Sample record" err

echo "1..$n"
exit $fail
