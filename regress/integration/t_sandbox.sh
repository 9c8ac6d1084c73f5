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

# The children's sandboxes (common/sandbox.c and each role's file):
#
#  1. every child of both daemons runs under its seccomp filter with
#     no_new_privs, as nobody in its chroot, with the resource limits of
#     its role, and holds exactly the descriptors its limit counts on;
#     so does the sensor's capture process with acks, reading them, and
#     with two collectors, a socket each, reading the second's acks;
#  2. calls no child may make (a network socket, execve, ptrace, fork,
#     a file opened for writing) kill the child, and the daemon exits
#     non-zero naming the process and SIGSYS: each call in each of the
#     four roles, with the selftest binaries (the daemons have none);
#     with acks, the sensor's processes may receive on the capture's
#     socket to the collector and nowhere else; and a fatal error in a
#     sandboxed role is reported as itself, not as SIGSYS;
#  3. paths the other tests do not take stay inside the filters: the
#     receiver past SPOOL_MAX_OPEN files, a replay that stops before
#     the end of its file, a capture whose interface goes down, comes
#     back and goes away.
#
# That the daemons do all their usual work under the filters is what
# every other integration test shows.
. "$REGRESS/integration/lib.sh"

NOBODY="$(id -u nobody) $(id -u nobody) $(id -u nobody)"
NOGROUP="$(id -g nobody) $(id -g nobody) $(id -g nobody)"
AGENT_ST=$UNITDIR/ncagentd-selftest
COLLECT_ST=$UNITDIR/nccollectd-selftest

# limit PID NAME: the soft and hard limit as /proc/PID/limits shows them
limit() {
	sed -n "s/^$2  *\([^ ]*\)  *\([^ ]*\) .*/\1 \2/p" "/proc/$1/limits"
}
nfds() { ls "/proc/$1/fd" | wc -l; }
# sandboxed PARENT ROLE: the child's pid once its filter is on
sandboxed() {
	_i=0
	while [ $_i -lt 100 ]; do
		_p=$(child "$1" "$2")
		if [ -n "$_p" ] && [ "$(status "$_p" Seccomp)" = 2 ]; then
			echo "$_p"
			return
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	echo "${_p:-0}"
}
# ASan reserves terabytes of address space: no RLIMIT_DATA under it
if [ -n "${NCAP_SANITIZER:-}" ]; then
	DATA=unlimited
else
	DATA=67108864
fi

# check_child PID NAME ROOT NOFILE HELD DATA [NPROC]
check_child() {
	is "$(status "$1" Seccomp)" 2 "$2: seccomp filter"
	is "$(status "$1" NoNewPrivs)" 1 "$2: no_new_privs"
	is "$(status "$1" Uid | awk '{print $1, $2, $3}')" "$NOBODY" \
	    "$2: runs as nobody (real, effective, saved)"
	is "$(status "$1" Gid | awk '{print $1, $2, $3}')" "$NOGROUP" \
	    "$2: and nobody's group"
	is "$(readlink "/proc/$1/root")" "$3" "$2: chrooted to $3"
	is "$(limit "$1" "Max core file size")" "0 0" "$2: RLIMIT_CORE 0"
	is "$(limit "$1" "Max processes")" "${7:-0 0}" \
	    "$2: RLIMIT_NPROC ${7:-0 0}"
	is "$(limit "$1" "Max open files")" "$4 $4" "$2: RLIMIT_NOFILE $4"
	is "$(settle 5 "nfds $1" "$5")" "$5" \
	    "$2: holds the $5 descriptors it was counted for"
	is "$(limit "$1" "Max data size")" "$6 $6" "$2: RLIMIT_DATA $6"
}

# -- 1. the five children as they run
start_collector "$T/c" || exit 1
rcv=$(sandboxed "$CPID" receiver)
cry=$(sandboxed "$CPID" crypto)
pub=$(sandboxed "$CPID" publisher)
# with -d there is no syslog socket: one less than each limit, and the
# receiver has none of the 257 spool files its limit makes room for,
# nor the new journal of a compaction; it holds the journal and the
# spool directory, and channels to the parent, crypto and publisher
check_child "$rcv" "collector receiver" "$T/c/spool" 273 12 unlimited
check_child "$cry" "collector crypto" "$T/empty" 9 8 "$DATA"
# with output spool the publisher idles: its channels, no more
check_child "$pub" "collector publisher, output spool" "$T/empty" 9 8 \
    unlimited

sensor_conf "$T/s" sandbox "interface \"lo\"
filter \"not udp port $CPORT\""
"$NCAGENTD" -d -v -f "$T/s/ncagentd.conf" >"$T/s/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
cap=$(sandboxed "$SPID" capture)
scr=$(sandboxed "$SPID" crypto)
check_child "$cap" "sensor capture" "$T/empty" 11 10 unlimited
check_child "$scr" "sensor crypto" "$T/empty" 9 8 "$DATA"

# live traffic through the sandboxed capture, crypto and receiver
ping -c 3 -i 0.2 127.0.0.1 >/dev/null
sleep 0.5
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the sensor flushes and exits 0 on SIGTERM"
stop_collector
is $? 0 "the collector exits 0 on SIGTERM"
check "the pings were stored ($(nrecords "$T/c/spool/sandbox/ICMPv4.ncap"))" \
    [ "$(nrecords "$T/c/spool/sandbox/ICMPv4.ncap")" -ge 6 ]
is "$(grep -c SIGSYS "$T/s/sensor.log" "$T/c/collector.log" |
    sed 's/.*://' | tr '\n' ' ')" "0 0 " "and no process died of SIGSYS"

# with output jetstream, connected to a server: its pipe and the
# connection too, and threads, which RLIMIT_NPROC would count with every
# process of nobody's: that limit is left as the parent's
if command -v nats-server >/dev/null 2>&1; then
	NP=$(free_port)
	nats-server -js -a 127.0.0.1 -p "$NP" -sd "$T/nats" \
	    >"$T/nats.log" 2>&1 &
	NPID=$!
	PIDS="$PIDS $NPID"
	start_collector "$T/cj" "output jetstream url \"nats://127.0.0.1:$NP\"" ||
	    exit 1
	pub=$(sandboxed "$CPID" publisher)
	connected() {
		"$NCCTL" -s "$T/cj/ctl.sock" -j show stats | "$PYTHON" -c '
import json, sys
print(json.load(sys.stdin)["jetstream"]["stream"])'
	}
	is "$(settle 5 connected NCAP)" NCAP \
	    "the publisher connects and makes its stream, sandboxed"
	check_child "$pub" "collector publisher, output jetstream" "$T/empty" \
	    13 11 unlimited "$(limit "$CPID" "Max processes")"
	check "and runs threads ($(status "$pub" Threads))" \
	    [ "$(status "$pub" Threads)" -gt 1 ]
	# every thread under the filter
	_bad=0
	for _t in /proc/"$pub"/task/*; do
		# a thread that ended meanwhile has no status to read
		_s=$(sed -n 's/^Seccomp:[[:space:]]*//p' "$_t/status" \
		    2>/dev/null)
		[ -z "$_s" ] || [ "$_s" = 2 ] || _bad=$((_bad + 1))
	done
	is "$_bad" 0 "each of its threads runs under the seccomp filter"
	stop_collector
	is $? 0 "the jetstream collector exits 0 on SIGTERM"
	kill -TERM "$NPID"
	wait "$NPID" 2>/dev/null
else
	skip "nats-server is not installed: the publisher with output jetstream"
fi

# -- 1b. with acks: the capture reads them from its socket, no more
APORT=$(free_port)
"$PYTHON" "$REGRESS/integration/ackcoll.py" "$APORT" "$T/keys/priv.key" \
    2>"$T/ackcoll.err" &
APID=$!
PIDS="$PIDS $APID"
CPORT_KEEP=$CPORT
CPORT=$APORT
sensor_conf "$T/sa" sandboxacks "interface \"lo\"
filter \"icmp\""
CPORT=$CPORT_KEEP
sed -i 's/^acks no$/acks yes/' "$T/sa/ncagentd.conf"
"$NCAGENTD" -d -v -f "$T/sa/ncagentd.conf" >"$T/sa/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
cap=$(sandboxed "$SPID" capture)
check_child "$cap" "sensor capture with acks" "$T/empty" 11 10 unlimited
ping -c 3 -i 0.2 127.0.0.1 >/dev/null
acked() {
	"$NCCTL" -s "$T/sa/ctl.sock" -j show stats | "$PYTHON" -c '
import json, sys
j = json.load(sys.stdin)
print("y" if j["acknowledged"] > 0 and j["queued"] == 0 else "n")'
}
is "$(settle 5 acked y)" y "its datagrams are acknowledged: it read the acks"
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the sensor with acks exits 0 on SIGTERM"
is "$(grep -c SIGSYS "$T/sa/sensor.log")" 0 "and no process died of SIGSYS"

# -- 1c. two collectors: a socket each, counted; the first is not
# there, so the acks come on the second's
CPORT_KEEP=$CPORT
CPORT=$(free_port)
sensor_conf "$T/s2" sandboxtwo "interface \"lo\"
filter \"icmp\"
collector 127.0.0.1 port $APORT
failover-timeout 500ms"
CPORT=$CPORT_KEEP
sed -i 's/^acks no$/acks yes/' "$T/s2/ncagentd.conf"
"$NCAGENTD" -d -v -f "$T/s2/ncagentd.conf" >"$T/s2/sensor.log" 2>&1 &
SPID=$!
PIDS="$PIDS $SPID"
cap=$(sandboxed "$SPID" capture)
check_child "$cap" "sensor capture with two collectors" "$T/empty" 12 11 \
    unlimited
ping -c 3 -i 0.2 127.0.0.1 >/dev/null
acked2() {
	"$NCCTL" -s "$T/s2/ctl.sock" -j show stats | "$PYTHON" -c '
import json, sys
j = json.load(sys.stdin)
print("y" if j["failovers"] == 1 and j["acknowledged"] > 0 and
    j["queued"] == 0 else "n")'
}
is "$(settle 5 acked2 y)" y \
    "it failed over to the second, whose acks it read on that socket"
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the sensor with two collectors exits 0 on SIGTERM"
is "$(grep -c SIGSYS "$T/s2/sensor.log")" 0 "and no process died of SIGSYS"
kill -TERM "$APID"
wait "$APID"

# -- 2. calls no child may make, in every role
#
# What a parser taken over would try first: a network socket, running
# a program, tracing, a new process (by fork, which is clone, or by
# clone3), a file opened for writing (for the receiver, one not opened
# append-only and without following links), sendmsg on a descriptor
# that is not one of its channels, sendto an address on one that is not
# the receiver's socket.  Each must kill the role that makes it,
# however its own list grows.
CALLS="socket execve ptrace fork clone3 open-write sendmsg sendto"
nohook() { ! grep -qa NCAP_SANDBOX_SELFTEST "$@"; }
check "ncagentd and nccollectd have no selftest hook" \
    nohook "$NCAGENTD" "$NCCOLLECTD"
check "the selftest binaries have it" \
    grep -qa NCAP_SANDBOX_SELFTEST "$AGENT_ST" "$COLLECT_ST"
# killed RC: non-zero, and not timeout's
killed() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; }
# selftest DAEMON ROLE CALL LOG: the role's own line and the verdict
selftest() {
	_c=$3
	[ "$_c" = socket ] && _c="socket(AF_INET)"
	check "$1 $2 $3: the $2 process makes the call" grep -q \
	    "^$1-selftest\[$2\]: selftest: $_c inside the sandbox" "$4"
	check "$1 $2 $3: the parent names it and SIGSYS" grep -q \
	    "^$1-selftest\[parent\]: $2 process [0-9]* killed by SIGSYS: a system call outside its sandbox" \
	    "$4"
	is "$(grep -c "selftest: $3 was" "$4")" 0 \
	    "$1 $2 $3: the call never returned"
}

start_collector "$T/c2" || exit 1
sensor_conf "$T/st" selftest
timeout 60 "$AGENT_ST" -d -f "$T/st/ncagentd.conf" \
    -r "$CAPDIR/decode-ether.pcap" >"$T/st/none.log" 2>&1
is $? 0 "ncagentd-selftest without NCAP_SANDBOX_SELFTEST replays, exits 0"
for role in capture crypto; do
	for call in $CALLS; do
		NCAP_SANDBOX_SELFTEST=$role:$call timeout 60 "$AGENT_ST" -d \
		    -v -f "$T/st/ncagentd.conf" \
		    -r "$CAPDIR/decode-ether.pcap" >"$T/st/$role-$call.log" 2>&1
		rc=$?
		check "ncagentd $role $call: the sensor exits non-zero ($rc)" \
		    killed $rc
		selftest ncagentd "$role" "$call" "$T/st/$role-$call.log"
	done
done
# with acks the capture may receive on its socket to the collector,
# and no process on any other descriptor
sed 's/^acks no$/acks yes/' "$T/st/ncagentd.conf" >"$T/st/acks.conf"
for role in capture crypto; do
	NCAP_SANDBOX_SELFTEST=$role:recvfrom timeout 60 "$AGENT_ST" -d -v \
	    -f "$T/st/acks.conf" -r "$CAPDIR/decode-ether.pcap" \
	    >"$T/st/$role-recvfrom.log" 2>&1
	rc=$?
	check "ncagentd $role recvfrom, with acks: the sensor exits non-zero ($rc)" \
	    killed $rc
	selftest ncagentd "$role" recvfrom "$T/st/$role-recvfrom.log"
done
stop_collector
is $? 0 "their collector exits 0"

mkdir -p "$T/cs"
cat >"$T/cs/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $(free_port)
keyfile "$T/keys/priv.key"
spool "$T/cs/spool"
user "nobody"
chroot "$T/empty"
socket "$T/cs/ctl.sock"
EOC
for role in receiver crypto publisher; do
	for call in $CALLS; do
		NCAP_SANDBOX_SELFTEST=$role:$call timeout 60 "$COLLECT_ST" -d \
		    -v -f "$T/cs/nccollectd.conf" >"$T/cs/$role-$call.log" 2>&1
		rc=$?
		check "nccollectd $role $call: the collector exits non-zero ($rc)" \
		    killed $rc
		selftest nccollectd "$role" "$call" "$T/cs/$role-$call.log"
	done
done
# the publisher of output jetstream, whose filter allows threads and
# TCP connections (no server needs to answer): every call but clone3
# kills it; clone3 fails, as glibc wants to fall back to clone, and
# makes no process
sed 's/^socket .*/&\
output jetstream url "nats:\/\/127.0.0.1:1"/' "$T/cs/nccollectd.conf" \
    >"$T/cs/js.conf"
for call in $CALLS; do
	NCAP_SANDBOX_SELFTEST=publisher:$call timeout 60 "$COLLECT_ST" -d -v \
	    -f "$T/cs/js.conf" >"$T/cs/jspub-$call.log" 2>&1
	rc=$?
	if [ "$call" = clone3 ]; then
		is "$rc" 1 "nccollectd publisher, jetstream, clone3: exits 1"
		check "nccollectd publisher, jetstream, clone3: refused, ENOSYS" \
		    grep -q "selftest: clone3 was refused, not killed: Function not implemented" \
		    "$T/cs/jspub-$call.log"
		continue
	fi
	check "nccollectd publisher, jetstream, $call: the collector exits non-zero ($rc)" \
	    killed $rc
	selftest nccollectd publisher "$call" "$T/cs/jspub-$call.log"
done
# and the receiver's own exception is as narrow as it says
NCAP_SANDBOX_SELFTEST=receiver:open-append timeout 60 "$COLLECT_ST" -d -v \
    -f "$T/cs/nccollectd.conf" >"$T/cs/append.log" 2>&1
check "the receiver may open a spool file to append" \
    grep -q "selftest: open-append was allowed" "$T/cs/append.log"

# A fatal error inside the sandbox: the process ends without exit()'s
# stdio flush, which would seek back in the capture file of -r that
# libpcap read ahead (lseek, not allowed).  Without -d the parent says
# why, on the stderr of the command that started the daemon.
# fatal DAEMON ROLE RC LOG
fatal() {
	is "$3" 1 "$1 $2 fatal: the daemon exits 1"
	check "$1 $2 fatal: the parent relays the error" grep -q \
	    "^$1-selftest\[parent\]: $2 process: fatal: selftest: a fatal error$" \
	    "$4"
	check "$1 $2 fatal: and says the process exited with status 1" \
	    grep -q "^$1-selftest\[parent\]: $2 process [0-9]* exited with status 1$" \
	    "$4"
	is "$(grep -c SIGSYS "$4")" 0 "$1 $2 fatal: nothing says SIGSYS"
}
for role in capture crypto; do
	NCAP_SANDBOX_SELFTEST=$role:fatal timeout 60 "$AGENT_ST" \
	    -f "$T/st/ncagentd.conf" -r "$CAPDIR/decode-ether.pcap" \
	    >"$T/st/$role-fatal.log" 2>&1
	fatal ncagentd "$role" $? "$T/st/$role-fatal.log"
done
for role in receiver crypto publisher; do
	NCAP_SANDBOX_SELFTEST=$role:fatal timeout 60 "$COLLECT_ST" \
	    -f "$T/cs/nccollectd.conf" >"$T/cs/$role-fatal.log" 2>&1
	fatal nccollectd "$role" $? "$T/cs/$role-fatal.log"
done

# -- 3a. more sensors than the receiver keeps files open for
start_collector "$T/c3" || exit 1
rcv=$(sandboxed "$CPID" receiver)
PYTHONPATH="$REGRESS/integration" "$PYTHON" - "$CPORT" "$T/keys/pub.key" \
    "$NCFORGE" <<'EOF'
import subprocess, sys
from ncpb import FRAMED, batch
port, pub, forge = sys.argv[1], sys.argv[2], sys.argv[3]
# a UDP record of just its timestamp, one per Batch, one sensor each
for i in range(300):
    pt = b"\0" + batch(b"s%03d" % i, b"UDP", 1, FRAMED)
    subprocess.run([forge, "-k", pub, "127.0.0.1", port], input=pt,
                   check=True)
EOF
is $? 0 "300 sensors of one record each sent"
stored() { ls "$T/c3/spool" | wc -l; }
is "$(settle 5 stored 300)" 300 "a directory for each"
check "the receiver is still running" kill -0 "$rcv"
is "$(settle 5 "nfds $rcv" 268)" 268 \
    "it holds its 12 descriptors and 256 spool files"
stop_collector
is $? 0 "the collector exits 0 on SIGTERM"
is "$(total "$T/c3/collector.log" files) $(total \
    "$T/c3/collector.log" records)" "300 300" "300 files, 300 records stored"
is "$(ls "$T"/c3/spool/*/UDP.ncap | wc -l)" 300 "each in its sensor's UDP.ncap"

# -- 3b. a replay that stops before the end of its file
#
# libpcap reads the file through stdio, ahead of what it hands over: a
# capture process that ends early, here because no ack came for -w
# seconds from a collector that is not there, must not have stdio
# seek back inside its sandbox on the way out.  (SIGTERM during a
# replay ends it the same way.)
"$PYTHON" "$CAPDIR/genbig.py" "$T/early.pcap" 20000 5 >/dev/null
CPORT=$(free_port)
sensor_conf "$T/se" early "acks yes
queue-size 64k"
timeout 60 "$NCAGENTD" -d -v -f "$T/se/ncagentd.conf" -r "$T/early.pcap" \
    -w 1 >"$T/se/sensor.log" 2>&1
is $? 1 "a replay nobody acknowledges exits 1 after -w 1"
check "it stopped before the end of its file" grep -q \
    "no ack in 1 seconds: the rest of $T/early.pcap is not read" \
    "$T/se/sensor.log"
check "its capture process exited, as asked" grep -q \
    "^ncagentd\[parent\]: capture process [0-9]* exited$" "$T/se/sensor.log"
is "$(grep -c SIGSYS "$T/se/sensor.log")" 0 "and not of SIGSYS"

# -- 3c. the capture's interface goes down, comes back, goes away
if [ "$(id -u)" -ne 0 ] || ! ip netns add "ncapS$$" 2>/dev/null; then
	skip "network namespaces unavailable"
	finish
	exit
fi
NS=ncapS$$
trap 'ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL;
    ip netns del "$NS"; cleanup' EXIT
ip -n "$NS" link add vA type veth peer name vB
for l in lo vA vB; do
	ip -n "$NS" link set "$l" up
done
CPORT=4200
mkdir -p "$T/c4"
cat >"$T/c4/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $CPORT
keyfile "$T/keys/priv.key"
spool "$T/c4/spool"
user "nobody"
chroot "$T/empty"
EOC
ip netns exec "$NS" "$NCCOLLECTD" -d -f "$T/c4/nccollectd.conf" \
    >"$T/c4/collector.log" 2>&1 &
CPID=$!
sensor_conf "$T/s4" veth 'interface "vA"'
# up once every process of it is (slow under the sanitizers, with four)
cstarted() { grep -c "collector started on" "$T/c4/collector.log"; }
is "$(settle 5 cstarted 1)" 1 "a collector in the namespace starts"
ip netns exec "$NS" "$NCAGENTD" -d -v -f "$T/s4/ncagentd.conf" \
    >"$T/s4/sensor.log" 2>&1 &
SPID=$!
cap=$(sandboxed "$SPID" capture)
started() { grep -c "capture started" "$T/s4/sensor.log"; }
is "$(settle 5 started 1)" 1 "the sensor captures on vA"
# a zombie counts as gone: nothing here may reap an orphan
alive() { ! gone "$1"; }
ip -n "$NS" link set vA down
sleep 1
check "its capture process survives vA going down" alive "$cap"
ip -n "$NS" link set vA up
sleep 0.3
ip -n "$NS" link del vB
gone_msg() { grep -c "The interface disappeared" "$T/s4/sensor.log"; }
is "$(settle 5 gone_msg 1)" 1 "vA goes away: pcap says so"
check "and the capture process survives that too" alive "$cap"
kill -TERM "$SPID"
wait "$SPID"
is $? 0 "the sensor exits 0 on SIGTERM"
kill -TERM "$CPID"
wait "$CPID"
is $? 0 "its collector exits 0"
is "$(grep -c SIGSYS "$T/s4/sensor.log")" 0 "no process died of SIGSYS"
[ "$fails" -eq 0 ] || sed "s/^/# /" "$T/s4/sensor.log" "$T/c4/collector.log"
finish
