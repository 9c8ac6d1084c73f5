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

# Wire format v2 against a second implementation: tweetnacl and a
# hand-written protobuf codec in regress/nacl/.
#
#  1. the JS sensor and collector agree with each other (several
#     sessions, raw, zlib and padded), and the JS collector refuses a
#     replay, a datagram for another collector key, a forged
#     certificate and a session older than the last;
#  2. JS sensor -> nccollectd: `ncctl dump -j` lists exactly the records
#     sent, field by field, over two sessions of one identity; replays,
#     forgeries, a stale session and a version 1 datagram are refused,
#     and the collector's totals count each as what it is;
#  3. the same with the sensor's key listed (`sensor NAME key HEX`): its
#     records are stored under NAME whatever its batches say, and a
#     second, unlisted identity is refused;
#  4. ncagentd -> JS collector: every datagram opens (its certificate
#     with the key of ncagentd's keyfile), is in sequence and well
#     framed, and the records per type match ncagentd's, the capture's
#     generator's and tshark's counts;
#  5. the same with `rekey 200ms` and `pad 128`, the capture fed through
#     a FIFO over 1.6 s: several sessions, each with a fresh session key
#     and nonce and a later start time, every plaintext padded.
#
# usage: t_nacl.sh [ncagentd nccollectd ncctl capture.pcap]
# Without arguments the binaries come from $NCAGENTD, $NCCOLLECTD and
# $NCCTL (as regress/run.sh sets them) and the capture is
# $CAPDIR/decode-ether.pcap.  When the capture has a .expect file beside
# it (regress/captures/gen.py writes them), its per-type counts are
# checked too.  TAP on stdout; exit status 1 when a test failed.
# NCAP_KEEP=1 keeps the temporary directory.

set -u

abspath() {
	case $1 in
	/*)	echo "$1" ;;
	*)	echo "$(pwd)/$1" ;;
	esac
}
if [ $# -eq 4 ]; then
	AGENT=$(abspath "$1")
	COLLECT=$(abspath "$2")
	CTL=$(abspath "$3")
	PCAP=$(abspath "$4")
elif [ $# -eq 0 ] && [ -n "${NCAGENTD:-}" ] &&
    [ -n "${NCCOLLECTD:-}" ] && [ -n "${NCCTL:-}" ]; then
	AGENT=$(abspath "$NCAGENTD")
	COLLECT=$(abspath "$NCCOLLECTD")
	CTL=$(abspath "$NCCTL")
	PCAP=$(abspath "${CAPDIR:-$(dirname "$0")/../captures}/decode-ether.pcap")
else
	echo "usage: $0 [ncagentd nccollectd ncctl capture.pcap]" >&2
	exit 2
fi
NACL=$(cd "$(dirname "$0")/../nacl" && pwd)
PYTHON=${PYTHON:-python3}
REGRESS=${REGRESS:-$(cd "$(dirname "$0")/.." && pwd)}

n=0
failed=0
pids=""

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
notok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}
# check DESCRIPTION COMMAND...: one test from a command's status
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}
# is GOT WANT DESCRIPTION: one test, equal strings
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		notok "$3 (got '$1', want '$2')"
	fi
}
# the head of a file as TAP diagnostics
diag() {
	[ -s "$1" ] && head -n "${2:-20}" "$1" | sed 's/^/# /'
	return 0
}
# the end of a daemon's log, without the line per batch
diag_log() {
	[ -s "$1" ] && grep -v ': batch ' "$1" | tail -n "${2:-20}" |
	    sed 's/^/# /'
	return 0
}

T=$(mktemp -d /tmp/t_nacl.XXXXXX) || exit 1
chmod 755 "$T"

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	if [ "${NCAP_KEEP:-0}" = 1 ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# a free high UDP port on 127.0.0.1, at random
pick_port() {
	while :; do
		r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
		p=$((20000 + r % 40000))
		hex=$(printf '%04X' "$p")
		if ! grep -q ":$hex " /proc/net/udp /proc/net/udp6 \
		    2>/dev/null; then
			echo "$p"
			return
		fi
	done
}

# wait_port PORT PID: until someone listens on PORT, while PID lives
wait_port() {
	hex=$(printf '%04X' "$1")
	i=0
	while [ $i -lt 100 ]; do
		grep -q ":$hex " /proc/net/udp /proc/net/udp6 2>/dev/null &&
		    return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# wait_exit PID SECONDS: its exit status; 124 (and SIGKILL) on timeout.
# A reaped process leaves $pids, so cleanup never signals a reused pid.
wait_exit() {
	pids=$(echo " $pids " | sed "s/ $1 / /")
	i=0
	while kill -0 "$1" 2>/dev/null; do
		if [ $i -ge $(($2 * 10)) ]; then
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 124
		fi
		sleep 0.1
		i=$((i + 1))
	done
	wait "$1"
}

# a key pair made by tweetnacl, for the tests that need no ncctl
js_keygen() {
	mkdir -p "$1" && (cd "$NACL" && node -e '
		const nacl = require("tweetnacl");
		const fs = require("fs");
		const kp = nacl.box.keyPair();
		const hex = (b) => Buffer.from(b).toString("hex") + "\n";
		fs.writeFileSync(process.argv[1] + "/pub.key",
		    hex(kp.publicKey));
		fs.writeFileSync(process.argv[1] + "/priv.key",
		    hex(kp.secretKey), { mode: 0o600 });' "$1")
}

# same_records EXPECTED ACTUAL: equal as multisets of canonical lines
same_records() {
	node "$NACL/canon.js" lines "$1" | LC_ALL=C sort > "$1.sorted" &&
	    node "$NACL/canon.js" lines "$2" | LC_ALL=C sort > "$2.sorted" ||
	    return 1
	if ! diff -u "$1.sorted" "$2.sorted" > "$2.diff"; then
		echo "# expected $(wc -l < "$1.sorted") records," \
		    "got $(wc -l < "$2.sorted")"
		diag "$2.diff" 30
		return 1
	fi
	return 0
}

# sent FILE NAME: a count sensor.js -e wrote
sent() {
	sed -n "s/^$2 //p" "$1"
}
# total LOG NAME: a counter of nccollectd's or ncagentd's totals line
total() {
	sed -n "s/.*totals:.* $2 \([0-9][0-9]*\).*/\1/p" "$1" | tail -n 1
}
# summary FILE KEY: a value of collector.js's summary line
summary() {
	node "$NACL/canon.js" get "summary.$2" "$1" | grep -v '^$'
}
# totals_are LOG WHAT "name value ...": one test per counter
totals_are() {
	_log=$1
	_what=$2
	set -- $3
	while [ $# -gt 1 ]; do
		is "$(total "$_log" "$1")" "$2" \
		    "$_what: nccollectd totals $1 $2"
		shift 2
	done
}
# all COMMAND...: the status of a list of tests, for check
all() {
	for _t in "$@"; do
		eval "$_t" || return 1
	done
}
# totals_zero LOG WHAT NAME...: those counters are all 0
totals_zero() {
	_log=$1
	_what=$2
	shift 2
	_bad=""
	for _k in "$@"; do
		[ "$(total "$_log" "$_k")" = 0 ] || _bad="$_bad $_k"
	done
	if [ -z "$_bad" ]; then
		ok "$_what: nccollectd totals $* all 0"
	else
		grep 'totals:' "$_log" | sed 's/^/# /'
		notok "$_what: nccollectd totals not 0:$_bad"
	fi
}

if ! command -v node > /dev/null 2>&1; then
	echo "Bail out! node is not installed"
	exit 1
fi
if [ ! -f "$NACL/node_modules/tweetnacl/package.json" ] &&
    ! (cd "$NACL" && npm ci --no-audit --no-fund > "$T/npm.log" 2>&1); then
	diag "$T/npm.log"
	echo "Bail out! npm ci failed in $NACL"
	exit 1
fi

# ------------------------------------------------------------------
# 1. the JS sides against each other

js_keygen "$T/jskeys" && js_keygen "$T/otherkeys" || exit 1

P=$(pick_port)
node "$NACL/collector.js" -s "$T/js.sess" "$P" "$T/jskeys/priv.key" 1s \
    > "$T/js.col" 2> "$T/js.col.err" &
cpid=$!
pids="$pids $cpid"
if wait_port "$P" "$cpid"; then
	node "$NACL/sensor.js" -s 3 -P 64 -e "$T/js.counts" 127.0.0.1 "$P" \
	    "$T/jskeys/pub.key" js 500 > "$T/js.sent" 2> "$T/js.sent.err"
	src=$?
	wait_exit "$cpid" 60
	crc=$?
	node "$NACL/canon.js" records UDP "$T/js.col" > "$T/js.got"
	d="sensor.js -> collector.js: 500 UDP records in 3 sessions, raw, zlib, padded"
	if [ $src -eq 0 ] && [ $crc -eq 0 ] &&
	    same_records "$T/js.sent" "$T/js.got"; then
		ok "$d"
	else
		diag "$T/js.sent.err"
		diag "$T/js.col.err"
		notok "$d"
	fi
	got=$(for k in sessions datagrams padded; do
		summary "$T/js.col" $k
	done | tr '\n' ' ')
	is "$got" "3 $(sent "$T/js.counts" datagrams) \
$(sent "$T/js.counts" padded) " \
	    "collector.js: sessions, datagrams and padded ones as sent"
else
	diag "$T/js.col.err"
	notok "sensor.js -> collector.js: collector.js did not listen"
fi

# js_refuses WHAT PATTERN KEY [SENSOR-OPTIONS...]: collector.js exits
# 1 saying PATTERN when sensor.js sends to KEY with those options
js_refuses() {
	_what=$1
	_pat=$2
	_key=$3
	shift 3
	P=$(pick_port)
	node "$NACL/collector.js" "$P" "$T/jskeys/priv.key" 1s \
	    > "$T/jsr.col" 2> "$T/jsr.col.err" &
	cpid=$!
	pids="$pids $cpid"
	if ! wait_port "$P" "$cpid"; then
		notok "collector.js refuses $_what: no listener"
		return
	fi
	node "$NACL/sensor.js" "$@" 127.0.0.1 "$P" "$_key" js 20 \
	    > /dev/null 2>&1
	wait_exit "$cpid" 60
	crc=$?
	if [ $crc -eq 1 ] && grep -q "$_pat" "$T/jsr.col.err"; then
		ok "collector.js refuses $_what"
	else
		diag "$T/jsr.col.err"
		notok "collector.js refuses $_what (status $crc)"
	fi
}
k=$T/jskeys/pub.key
js_refuses "a replayed datagram" 'sequence 1 after' "$k" -r 1
js_refuses "a datagram for another collector key" \
    'certificate authentication failed' "$T/otherkeys/pub.key"
js_refuses "a tampered datagram" '): authentication failed' "$k" -F
js_refuses "a certificate from another identity" \
    'certificate authentication failed' "$k" -C
js_refuses "a session older than the last" ', not after ' "$k" -O 1

# ------------------------------------------------------------------
# 2. sensor.js -> nccollectd -> ncctl dump

# start_collectd NAME [config lines]: nccollectd on a new port $P with
# spool $T/NAME.spool, its pid in $dpid
start_collectd() {
	mkdir -p "$T/$1.spool" "$T/empty"
	# the daemon writes as its unprivileged user
	chown nobody "$T/$1.spool"
	P=$(pick_port)
	cat > "$T/$1.conf" <<-EOF
	listen on 127.0.0.1 port $P
	keyfile "$T/keys/priv.key"
	spool "$T/$1.spool"
	user "nobody"
	chroot "$T/empty"
	socket "$T/$1.sock"
	${2:-}
	EOF
	"$COLLECT" -d -v -f "$T/$1.conf" > "$T/$1.out" 2> "$T/$1.err" &
	dpid=$!
	pids="$pids $dpid"
	if ! wait_port "$P" "$dpid"; then
		diag "$T/$1.err"
		notok "nccollectd ($1) listens on 127.0.0.1 port $P"
		return 1
	fi
	ok "nccollectd ($1) listens on 127.0.0.1 port $P"
}

# stop_collectd NAME: SIGTERM, exit 0, its totals as diagnostics
stop_collectd() {
	# give the receiver a moment to write what is queued
	sleep 0.5
	kill -TERM "$dpid"
	wait_exit "$dpid" 20
	drc=$?
	if [ $drc -eq 0 ]; then
		ok "nccollectd ($1) exits 0 on SIGTERM"
	else
		diag_log "$T/$1.err"
		notok "nccollectd ($1) exits 0 on SIGTERM (status $drc)"
	fi
	grep 'totals:' "$T/$1.err" | sed 's/^.*totals:/# totals:/'
}

# dump_is FILE SENSOR EXPECTED TAG: the .ncap file holds the records of
# EXPECTED, under that sensor name; the dump goes to $T/TAG.dump*
dump_is() {
	_d=$T/$4.dump
	if ! "$CTL" dump -j "$1" > "$_d" 2> "$_d.err"; then
		diag "$_d.err"
		ls -lR "$(dirname "$(dirname "$1")")" | sed 's/^/# /'
		notok "ncctl dump -j $1"
		return
	fi
	ok "ncctl dump -j $(basename "$(dirname "$1")")/$(basename "$1")"
	head -n 1 "$_d" > "$_d.hdr"
	tail -n +2 "$_d" > "$_d.recs"
	hdr=$(for k in magic format sensor record_type; do
		node "$NACL/canon.js" get $k "$_d.hdr"
	done | tr '\n' ' ')
	is "$hdr" "ncap 1 $2 UDP " \
	    "dump header: magic ncap, format 1, sensor $2, record type UDP"
	check "dump lists exactly the $(wc -l < "$3") records sensor.js sent" \
	    same_records "$3" "$_d.recs"
}

part2() {
	name=nacl1
	if [ "$(id -u)" != 0 ]; then
		skip "sensor.js -> nccollectd" "not root (user, chroot)"
		return
	fi
	for b in "$COLLECT" "$CTL"; do
		if [ ! -x "$b" ]; then
			notok "sensor.js -> nccollectd: no binary $b"
			return
		fi
	done

	mkdir -p "$T/keys"
	if "$CTL" keygen "$T/keys" > "$T/keygen.out" 2>&1 &&
	    grep -Eqx '[0-9a-f]{64}' "$T/keys/pub.key" &&
	    grep -Eqx '[0-9a-fA-F]{64}' "$T/keys/priv.key" &&
	    [ "$(stat -c %a "$T/keys/priv.key" | cut -c2-)" = 00 ]; then
		ok "ncctl keygen: 64 hex digits, priv.key private"
	else
		diag "$T/keygen.out"
		ls -l "$T/keys" | sed 's/^/# /'
		notok "ncctl keygen: 64 hex digits, priv.key private"
		return
	fi

	start_collectd open || return

	# Two sessions of one identity, 500 records in raw, zlib and
	# padded plaintexts, the last datagram of the first session after
	# the first of the second (-L).  Then a tampered copy of the last
	# good datagram before it (-F), a forged certificate (-C), two
	# datagrams of a session older than both (-O 2), 3 replays in
	# order and 3 out of order (-r 3), a version 1 datagram (-V).
	node "$NACL/sensor.js" -s 2 -P 64 -L -F -C -O 2 -r 3 -V \
	    -e "$T/open.counts" 127.0.0.1 "$P" "$T/keys/pub.key" $name 500 \
	    > "$T/open.sent" 2> "$T/open.sent.err"
	check "sensor.js sent its datagrams" [ $? -eq 0 ]
	diag "$T/open.sent.err"
	stop_collectd open

	c=$T/open.counts
	# what sensor.js was asked to send, it did
	is "$(for k in records sessions late forged forged_cert stale \
	    replays version; do sent "$c" $k; done | tr '\n' ' ')" \
	    "500 2 1 1 1 2 6 1 " "sensor.js sent what it was asked to"
	check "sensor.js sent raw, zlib and padded plaintexts" all \
	    '[ "$(sent "$c" raw)" -gt 0 ]' '[ "$(sent "$c" zlib)" -gt 0 ]' \
	    '[ "$(sent "$c" padded)" -gt 0 ]'
	# the good ones and 1 tampered, 1 forged certificate, 2 stale,
	# 6 replays, 1 version 1
	good=$(sent "$c" good)
	is "$(sent "$c" datagrams)" $((good + 11)) \
	    "sensor.js sent $good good datagrams and 11 bad ones"

	dump_is "$T/open.spool/$name/UDP.ncap" $name "$T/open.sent" open
	# (nor is the collector's journal, a name no sensor can have)
	check "nothing stored but $name/UDP.ncap" \
	    [ "$(cd "$T/open.spool" && find . -type f ! -path ./.journal)" = \
	    "./$name/UDP.ncap" ]

	# every datagram is counted as what it is
	totals_are "$T/open.err" open "datagrams $((good + 11)) \
	    batches $good records 500 sessions 2 files 1 repeat 6 auth 2 \
	    stale 2 version 1"
	totals_zero "$T/open.err" "open" gaps kernel-drops renamed \
	    keys-evicted short long untrusted ratelimit encoding zlib zstd \
	    bomb protobuf framing record name type old write batches-zstd
}
part2

# ------------------------------------------------------------------
# 3. a listed sensor: stored under its name, others refused

part3() {
	if [ "$(id -u)" != 0 ] || [ ! -f "$T/keys/pub.key" ]; then
		skip "nccollectd with a sensor list" "no collector key (part 2)"
		return
	fi
	# the identity from ncctl, used by tweetnacl
	mkdir -p "$T/jsid"
	"$CTL" keygen "$T/jsid" > /dev/null 2>&1 || {
		notok "ncctl keygen $T/jsid"
		return
	}
	start_collectd listed "sensor \"trusted1\" key \"$(cat "$T/jsid/pub.key")\"" ||
	    return

	# batches that claim "liar", from a listed key
	node "$NACL/sensor.js" -k "$T/jsid/priv.key" -s 2 -F -C \
	    -e "$T/listed.counts" 127.0.0.1 "$P" "$T/keys/pub.key" liar 120 \
	    > "$T/listed.sent" 2> "$T/listed.sent.err"
	r1=$?
	# and an identity nobody listed
	node "$NACL/sensor.js" -s 2 -e "$T/unlisted.counts" 127.0.0.1 "$P" \
	    "$T/keys/pub.key" intruder 60 > /dev/null 2> "$T/unlisted.err"
	r2=$?
	check "sensor.js sent its datagrams, as a listed and an unlisted sensor" \
	    [ $r1$r2 = 00 ]
	diag "$T/listed.sent.err"
	diag "$T/unlisted.err"
	stop_collectd listed

	is "$(sent "$T/listed.counts" identity)" "$(cat "$T/jsid/pub.key")" \
	    "tweetnacl derives the public key ncctl keygen wrote"
	dump_is "$T/listed.spool/trusted1/UDP.ncap" trusted1 \
	    "$T/listed.sent" listed
	check "nothing stored as liar or intruder" \
	    [ "$(cd "$T/listed.spool" && find . -type f ! -path ./.journal)" = \
	    "./trusted1/UDP.ncap" ]

	good=$(sent "$T/listed.counts" good)
	other=$(sent "$T/unlisted.counts" datagrams)
	totals_are "$T/listed.err" listed "datagrams $((good + 2 + other)) \
	    batches $good records 120 renamed $good sessions 2 \
	    untrusted $other auth 2"
	totals_zero "$T/listed.err" "listed" gaps kernel-drops keys-evicted \
	    short long version ratelimit stale repeat old encoding name write
}
part3

# ------------------------------------------------------------------
# 4. ncagentd -> collector.js, compared with what ncagentd, the
#    capture's generator and tshark say it holds

# run_agent NAME INPUT [config lines] [collector.js options]: ncagentd
# -r INPUT to collector.js; 0 when both ran (their checks come after)
run_agent() {
	_name=$1
	_in=$2
	Q=$(pick_port)
	node "$NACL/collector.js" -T 120 -i "$T/skeys/pub.key" \
	    -s "$T/$_name.sess" ${4:-} "$Q" "$T/keys/priv.key" 1s \
	    > "$T/$_name.col" 2> "$T/$_name.col.err" &
	cpid=$!
	pids="$pids $cpid"
	if ! wait_port "$Q" "$cpid"; then
		diag "$T/$_name.col.err"
		notok "collector.js listens for ncagentd ($_name)"
		return 1
	fi
	cat > "$T/$_name.conf" <<-EOF
	name "nacltest"
	collector 127.0.0.1 port $Q
	collector-key "$T/keys/pub.key"
	keyfile "$T/skeys/priv.key"
	user "nobody"
	chroot "$T/empty"
	socket "$T/$_name.sock"
	# collector.js, written before acknowledgements, sends none
	acks no
	${3:-}
	EOF
	start_ns=$(date +%s%N)
	"$AGENT" -d -v -r "$_in" -f "$T/$_name.conf" \
	    > "$T/$_name.out" 2> "$T/$_name.err" &
	apid=$!
	pids="$pids $apid"
	wait_exit "$apid" 60
	arc=$?
	end_ns=$(date +%s%N)
	if [ $arc -eq 0 ]; then
		ok "ncagentd -r reads the capture and exits 0 ($_name)"
	else
		diag_log "$T/$_name.err"
		notok "ncagentd -r reads the capture and exits 0 ($_name, status $arc)"
	fi
	grep 'totals:' "$T/$_name.err" | sed 's/^.*totals:/# ncagentd totals:/'

	wait_exit "$cpid" 60
	crc=$?
	grep summary "$T/$_name.col" | sed 's/^/# collector.js: /'
	if [ $crc -eq 0 ]; then
		ok "collector.js opened every datagram: certified, in sequence, framed ($_name)"
	else
		diag "$T/$_name.col.err"
		notok "collector.js opened every datagram: certified, in sequence, framed ($_name)"
	fi

	names=$(node "$NACL/canon.js" get sensor "$T/$_name.col" |
	    grep -v '^$' | sort -u | tr '\n' ' ')
	is "$names" "nacltest " "batches carry the sensor name nacltest ($_name)"

	# what ncagentd says it sent, from its "type T: records N sent M"
	# lines at exit (-v); M must have arrived, no more, no less
	node "$NACL/canon.js" counts "$T/$_name.col" > "$T/$_name.got"
	sed -n 's/.*type \([A-Za-z0-9_]*\): records [0-9]* sent \([0-9]*\).*/\1 \2/p' \
	    "$T/$_name.err" > "$T/$_name.counts"
	if [ -s "$T/$_name.counts" ]; then
		while read -r t want; do
			got=$(sed -n "s/^$t //p" "$T/$_name.got")
			is "${got:-0}" "$want" "$t records: collector.js, ncagentd sent ($_name)"
		done < "$T/$_name.counts"
		cut -d' ' -f1 "$T/$_name.counts" > "$T/$_name.types"
		extra=$(cut -d' ' -f1 "$T/$_name.got" |
		    grep -vxF -f "$T/$_name.types" | tr '\n' ' ')
		is "$extra" "" \
		    "collector.js saw no type ncagentd did not send ($_name)"
	else
		skip "records per type as ncagentd reports them ($_name)" \
		    "no \"type T: records N sent M\" lines in its log"
	fi
	is "$(summary "$T/$_name.col" datagrams)" \
	    "$(total "$T/$_name.err" datagrams)" \
	    "datagrams: collector.js, ncagentd's totals ($_name)"
	sessions=$(summary "$T/$_name.col" sessions)
	# each session: identity nonce E T datagrams last-sequence padded
	check "every session certified by the keyfile's identity ($_name)" \
	    all '[ -s "$T/$_name.sess" ]' '[ -z "$(cut -d" " -f1 \
	    "$T/$_name.sess" | grep -vxF "$(cat "$T/skeys/pub.key")")" ]'
	check "every session's sequence numbers run 1..n, no gap ($_name)" \
	    [ -z "$(awk '$5 != $6 || $5 < 1' "$T/$_name.sess")" ]
	return 0
}

part4() {
	if [ "$(id -u)" != 0 ]; then
		skip "ncagentd -> collector.js" "not root (user, chroot)"
		return
	fi
	if [ ! -x "$AGENT" ]; then
		notok "ncagentd -> collector.js: no binary $AGENT"
		return
	fi
	if [ ! -r "$PCAP" ]; then
		notok "ncagentd -> collector.js: cannot read $PCAP"
		return
	fi
	mkdir -p "$T/keys" "$T/empty"
	if [ ! -f "$T/keys/pub.key" ]; then
		"$CTL" keygen "$T/keys" > /dev/null 2>&1 ||
		    js_keygen "$T/keys"
	fi
	# the sensor's identity
	mkdir -p "$T/skeys"
	"$CTL" keygen "$T/skeys" > /dev/null 2>&1 || js_keygen "$T/skeys"

	run_agent file "$PCAP" "flush-interval 1" || return
	is "$sessions" 1 "one session when the rekey interval is not reached"
	is "$(summary "$T/file.col" padded)" 0 "no padding unless asked"

	# the capture generator's own expectations, every type it lists
	exp="${PCAP%.pcap}.expect"
	if [ -f "$exp" ]; then
		grep '^count ' "$exp" > "$T/expect.counts"
		while read -r _ t want _; do
			got=$(sed -n "s/^$t //p" "$T/file.got")
			is "${got:-0}" "$want" "$t records: collector.js, $(basename "$exp")"
		done < "$T/expect.counts"
	fi

	# and tshark's count of layers, as tshark_layers.py reads them
	# (t_tshark compares the fields)
	if ! command -v tshark > /dev/null 2>&1; then
		skip "records per type match tshark" "no tshark"
		return
	fi
	"$PYTHON" "$REGRESS/integration/tshark_layers.py" "$PCAP" |
	    tr -d '{}" ' | tr ',' '\n' | grep -v '^file:' | tr ':' ' ' \
	    > "$T/tshark.counts"
	while read -r t want; do
		got=$(sed -n "s/^$t //p" "$T/file.got")
		is "${got:-0}" "$want" "$t records: collector.js, tshark"
	done < "$T/tshark.counts"
}
part4

# ------------------------------------------------------------------
# 5. ncagentd with rekey and pad -> collector.js: sessions, padding

part5() {
	if [ "$(id -u)" != 0 ] || [ ! -x "$AGENT" ] || [ ! -r "$PCAP" ] ||
	    [ ! -f "$T/skeys/pub.key" ]; then
		skip "ncagentd rekey and pad -> collector.js" "see part 4"
		return
	fi
	# the capture again and again, through a FIFO, over 1.6 s: the
	# sensor reads it for longer than 8 rekey intervals
	mkfifo "$T/feed.fifo" || {
		notok "mkfifo"
		return
	}
	# should the feeder fail, the FIFO must still open and end
	(node "$NACL/pcapfeed.js" "$PCAP" 5000 1600 "$T/feed.fifo" ||
	    : > "$T/feed.fifo") 2> "$T/feed.err" &
	fpid=$!
	pids="$pids $fpid"
	run_agent rekey "$T/feed.fifo" \
	    "$(printf 'flush-interval 50ms\nrekey 200ms\npad 128')" "-P 128"
	r=$?
	wait_exit "$fpid" 10
	diag "$T/feed.err"
	[ $r -eq 0 ] || return

	s=$T/rekey.sess
	check "several sessions in 1.6 s with rekey 200ms ($sessions)" \
	    [ "${sessions:-0}" -ge 4 ]
	is "$(cut -d' ' -f2 "$s" | sort -u | wc -l) $(cut -d' ' -f3 "$s" |
	    sort -u | wc -l)" "$sessions $sessions" \
	    "a fresh session nonce N and session key E in every session"
	bad=""
	prev=0
	while read -r _ _ _ t _ _ _; do
		if [ "$t" -lt "$start_ns" ] || [ "$t" -gt "$end_ns" ]; then
			bad="$bad $t(outside the run)"
		elif [ $prev -ne 0 ] && [ $((t - prev)) -lt 150000000 ]; then
			bad="$bad $t(only $(((t - prev) / 1000000)) ms later)"
		fi
		prev=$t
	done < "$s"
	if [ -z "$bad" ]; then
		ok "session start times T: in the run, >= 150 ms apart, increasing"
	else
		echo "# run from $start_ns to $end_ns;$bad"
		notok "session start times T: in the run, >= 150 ms apart, increasing"
	fi
	is "$(summary "$T/rekey.col" padded)" \
	    "$(summary "$T/rekey.col" datagrams)" \
	    "every plaintext padded to a multiple of 128, padding well formed"
	check "every session's datagrams padded" \
	    [ -z "$(awk '$7 != $5' "$s")" ]
}
part5

echo "1..$n"
[ $failed -eq 0 ] || exit 1
exit 0
