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

# Wire format v1 against a second implementation: tweetnacl and a
# hand-written protobuf codec in regress/nacl/.
#
#  1. the JS sensor and collector agree with each other, and the JS
#     collector refuses a replay and a datagram sealed to another key;
#  2. JS sensor -> nccollectd: `ncctl dump -j` lists exactly the records
#     sent, field by field, and nothing from a replayed or forged one;
#  3. ncagentd -> JS collector: every datagram opens, is in sequence and
#     well framed, and the records per type match tshark's view of the
#     capture.
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
# the head of a file as TAP diagnostics
diag() {
	[ -s "$1" ] && head -n "${2:-20}" "$1" | sed 's/^/# /'
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
node "$NACL/collector.js" "$P" "$T/jskeys/priv.key" 3s \
    > "$T/js.col" 2> "$T/js.col.err" &
cpid=$!
pids="$pids $cpid"
if wait_port "$P" "$cpid"; then
	node "$NACL/sensor.js" 127.0.0.1 "$P" "$T/jskeys/pub.key" js 500 \
	    > "$T/js.sent" 2> "$T/js.sent.err"
	src=$?
	wait_exit "$cpid" 60
	crc=$?
	node "$NACL/canon.js" records UDP "$T/js.col" > "$T/js.got"
	if [ $src -eq 0 ] && [ $crc -eq 0 ] &&
	    same_records "$T/js.sent" "$T/js.got"; then
		ok "sensor.js -> collector.js: 500 UDP records, raw and zlib"
	else
		diag "$T/js.sent.err"
		diag "$T/js.col.err"
		notok "sensor.js -> collector.js: 500 UDP records, raw and zlib"
	fi
else
	diag "$T/js.col.err"
	notok "sensor.js -> collector.js: collector.js did not listen"
fi

# the JS collector must not pass what it should refuse
P=$(pick_port)
node "$NACL/collector.js" "$P" "$T/jskeys/priv.key" 3s \
    > "$T/js2.col" 2> "$T/js2.col.err" &
cpid=$!
pids="$pids $cpid"
if wait_port "$P" "$cpid"; then
	node "$NACL/sensor.js" -T 127.0.0.1 "$P" "$T/jskeys/pub.key" js 20 \
	    > /dev/null 2>&1
	wait_exit "$cpid" 60
	crc=$?
	if [ $crc -eq 1 ] && grep -q 'sequence 1 after' "$T/js2.col.err"; then
		ok "collector.js refuses a replayed datagram"
	else
		diag "$T/js2.col.err"
		notok "collector.js refuses a replayed datagram (status $crc)"
	fi
else
	notok "collector.js refuses a replayed datagram: no listener"
fi

P=$(pick_port)
node "$NACL/collector.js" "$P" "$T/jskeys/priv.key" 3s \
    > "$T/js3.col" 2> "$T/js3.col.err" &
cpid=$!
pids="$pids $cpid"
if wait_port "$P" "$cpid"; then
	node "$NACL/sensor.js" 127.0.0.1 "$P" "$T/otherkeys/pub.key" js 5 \
	    > /dev/null 2>&1
	wait_exit "$cpid" 60
	crc=$?
	if [ $crc -eq 1 ] &&
	    grep -q 'authentication failed' "$T/js3.col.err"; then
		ok "collector.js refuses a datagram sealed to another key"
	else
		diag "$T/js3.col.err"
		notok "collector.js refuses a datagram sealed to another key"
	fi
else
	notok "collector.js refuses a datagram sealed to another key"
fi

# ------------------------------------------------------------------
# 2. sensor.js -> nccollectd -> ncctl dump

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

	mkdir -p "$T/keys" "$T/spool" "$T/empty"
	# the daemon writes as its unprivileged user
	chown nobody "$T/spool"
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

	P=$(pick_port)
	cat > "$T/nccollectd.conf" <<-EOF
	listen on 127.0.0.1 port $P
	keyfile "$T/keys/priv.key"
	spool "$T/spool"
	user "nobody"
	chroot "$T/empty"
	EOF
	"$COLLECT" -d -v -f "$T/nccollectd.conf" > "$T/nccollectd.out" \
	    2> "$T/nccollectd.err" &
	dpid=$!
	pids="$pids $dpid"
	if ! wait_port "$P" "$dpid"; then
		diag "$T/nccollectd.err"
		notok "nccollectd listens on 127.0.0.1 port $P"
		return
	fi
	ok "nccollectd listens on 127.0.0.1 port $P"

	# two sessions of one sensor name; the second adds a replay of
	# its datagram 1 and a forged datagram, which must not be stored
	node "$NACL/sensor.js" 127.0.0.1 "$P" "$T/keys/pub.key" $name 500 \
	    > "$T/sent1" 2> "$T/sent1.err" &&
	    node "$NACL/sensor.js" -T -b 5000 127.0.0.1 "$P" \
	    "$T/keys/pub.key" $name 40 > "$T/sent2" 2> "$T/sent2.err"
	check "sensor.js sent its datagrams" [ $? -eq 0 ]
	diag "$T/sent1.err"
	diag "$T/sent2.err"
	cat "$T/sent1" "$T/sent2" > "$T/sent"

	# give the receiver a moment to write what is queued
	sleep 1
	kill -TERM "$dpid"
	wait_exit "$dpid" 20
	drc=$?
	if [ $drc -eq 0 ]; then
		ok "nccollectd exits 0 on SIGTERM"
	else
		diag "$T/nccollectd.err" 40
		notok "nccollectd exits 0 on SIGTERM (status $drc)"
	fi

	f="$T/spool/$name/UDP.ncap"
	if ! "$CTL" dump -j "$f" > "$T/dump" 2> "$T/dump.err"; then
		diag "$T/dump.err"
		ls -lR "$T/spool" | sed 's/^/# /'
		notok "ncctl dump -j $name/UDP.ncap"
		return
	fi
	ok "ncctl dump -j $name/UDP.ncap"

	head -n 1 "$T/dump" > "$T/dump.hdr"
	tail -n +2 "$T/dump" > "$T/dump.recs"
	hdr=$(for k in magic format sensor record_type; do
		node "$NACL/canon.js" get $k "$T/dump.hdr"
	done | tr '\n' ' ')
	if [ "$hdr" = "ncap 1 $name UDP " ]; then
		ok "dump header: magic ncap, format 1, sensor, record type"
	else
		diag "$T/dump.hdr"
		notok "dump header: magic ncap, format 1, sensor, record type"
	fi
	check "dump lists exactly the records sensor.js sent" \
	    same_records "$T/sent" "$T/dump.recs"
}
part2

# ------------------------------------------------------------------
# 3. ncagentd -> collector.js, compared with what ncagentd, the
#    capture's generator and tshark say it holds


part3() {
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
	if [ ! -f "$T/keys/pub.key" ]; then
		mkdir -p "$T/keys" "$T/empty"
		"$CTL" keygen "$T/keys" > /dev/null 2>&1 ||
		    js_keygen "$T/keys"
	fi

	Q=$(pick_port)
	node "$NACL/collector.js" -T 240 "$Q" "$T/keys/priv.key" 5s \
	    > "$T/agent.col" 2> "$T/agent.col.err" &
	cpid=$!
	pids="$pids $cpid"
	if ! wait_port "$Q" "$cpid"; then
		diag "$T/agent.col.err"
		notok "collector.js listens for ncagentd"
		return
	fi
	cat > "$T/ncagentd.conf" <<-EOF
	name "nacltest"
	collector 127.0.0.1 port $Q
	collector-key "$T/keys/pub.key"
	user "nobody"
	chroot "$T/empty"
	flush-interval 1
	EOF
	"$AGENT" -d -v -r "$PCAP" -f "$T/ncagentd.conf" \
	    > "$T/ncagentd.out" 2> "$T/ncagentd.err" &
	apid=$!
	pids="$pids $apid"
	wait_exit "$apid" 120
	arc=$?
	if [ $arc -eq 0 ]; then
		ok "ncagentd -r reads the capture and exits 0"
	else
		diag "$T/ncagentd.err" 40
		notok "ncagentd -r reads the capture and exits 0 (status $arc)"
	fi
	# ncagentd's totals, for whoever reads the log
	grep -i -E 'total|records|datagram' "$T/ncagentd.err" |
	    tail -n 20 | sed 's/^/# ncagentd: /'

	wait_exit "$cpid" 60
	crc=$?
	grep summary "$T/agent.col" | sed 's/^/# collector.js: /'
	if [ $crc -eq 0 ]; then
		ok "collector.js opened every datagram: in sequence, framed"
	else
		diag "$T/agent.col.err"
		notok "collector.js opened every datagram: in sequence, framed"
	fi

	names=$(node "$NACL/canon.js" get sensor "$T/agent.col" |
	    grep -v '^$' | sort -u | tr '\n' ' ')
	check "batches carry the sensor name nacltest" \
	    [ "$names" = "nacltest " ]

	# what ncagentd says it sent, from its "type T: records N sent M"
	# lines at exit (-v); M must have arrived, no more, no less
	sed -n 's/.*type \([A-Za-z0-9_]*\): records [0-9]* sent \([0-9]*\).*/\1 \2/p' \
	    "$T/ncagentd.err" > "$T/agent.counts"
	if [ -s "$T/agent.counts" ]; then
		while read -r t want; do
			got=$(node "$NACL/canon.js" count "$t" "$T/agent.col")
			check "$t records: collector.js $got, ncagentd sent $want" \
			    [ "$got" = "$want" ]
		done < "$T/agent.counts"
	else
		skip "records per type as ncagentd reports them" \
		    "no \"type T: records N sent M\" lines in its log"
	fi

	# the capture generator's own expectations, every type it lists
	exp="${PCAP%.pcap}.expect"
	if [ -f "$exp" ]; then
		grep '^count ' "$exp" > "$T/expect.counts"
		while read -r _ t want _; do
			got=$(node "$NACL/canon.js" count "$t" "$T/agent.col")
			check "$t records: collector.js $got, $(basename "$exp") $want" \
			    [ "$got" = "$want" ]
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
		got=$(node "$NACL/canon.js" count "$t" "$T/agent.col")
		check "$t records: collector.js $got, tshark $want" \
		    [ "$got" = "$want" ]
	done < "$T/tshark.counts"
}
part3

echo "1..$n"
[ $failed -eq 0 ] || exit 1
exit 0
