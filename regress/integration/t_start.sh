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

# A start that tells the truth:
#
#  1. -n checks what the configuration names, not only its syntax: each
#     problem gets its own line naming it and -n exits 1; -nn checks
#     the syntax alone; a configuration whose files are right passes;
#  2. started without -d, a daemon whose children cannot start exits
#     non-zero with the reason on stderr and leaves no process; one
#     that starts exits 0 only once every child is up, and holds
#     nothing of the terminal or pipe that started it;
#  3. with -d under systemd's Type=notify, READY=1 once every child is
#     up, STOPPING=1 when told to stop, nothing from a failed start.
. "$REGRESS/integration/lib.sh"

# nminus EXPECTED-STATUS BINARY CONF: -n's status, its stderr in $T/err
nminus() {
	"$2" -n -f "$3" >"$T/out" 2>"$T/err"
	_rc=$?
	[ "$_rc" -eq "$1" ] || { sed 's/^/# /' "$T/err"; return 1; }
}
# said TEXT: that line is on stderr, and only once
said() { [ "$(grep -cF -- "$1" "$T/err")" = 1 ]; }

BADHEX="$T/bad.pub"
echo "not a key" >"$BADHEX"
# well-formed hex that no key pair has: a point of small order, and a
# key with bit 255 set (X25519 would read it as another key)
printf '%064d\n' 0 >"$T/zero.pub"
printf '%064d\n' 0 | tr 0 f >"$T/ff.pub"
cp "$T/keys/priv.key" "$T/open.key"
chmod 644 "$T/open.key"
cp "$T/keys/priv.key" "$T/nobody.key"
chown nobody "$T/nobody.key"
mkdir -p "$T/s" "$T/c"

# -- 1. the sensor
good_sensor() {
	cat <<EOC
name "start"
interface "lo"
collector 127.0.0.1 port 4200
collector-key "$T/keys/pub.key"
keyfile "$T/keys/priv.key"
user "nobody"
chroot "$T/empty"
socket "$T/s/ctl.sock"
EOC
}
good_sensor >"$T/s/good.conf"
check "a sensor whose files are right passes -n" \
    nminus 0 "$NCAGENTD" "$T/s/good.conf"
check "and says so" grep -q "configuration OK" "$T/err"

# sensor_bad NAME SED-EXPRESSION MESSAGE
sensor_bad() {
	good_sensor | sed "$2" >"$T/s/$1.conf"
	check "sensor, $1: -n exits 1" nminus 1 "$NCAGENTD" "$T/s/$1.conf"
	check "sensor, $1: one line says it" said "$3"
	check "sensor, $1: nothing else is wrong" \
	    [ "$(grep -vc "configuration OK" "$T/err")" = 1 ]
}
sensor_bad nokey "s#keys/priv.key#keys/none.key#" \
    "keyfile: $T/keys/none.key: No such file or directory"
sensor_bad keymode "s#keys/priv.key#open.key#" \
    "keyfile: $T/open.key: private key file has mode 0644"
sensor_bad keyowner "s#keys/priv.key#nobody.key#" \
    "keyfile: $T/nobody.key: private key file is owned by uid $(id -u nobody), not by root"
sensor_bad badhex "s#keys/pub.key#bad.pub#" \
    "collector-key: $T/bad.pub: a key file holds 64 hexadecimal digits"
sensor_bad zerokey "s#keys/pub.key#zero.pub#" \
    "collector-key: $T/zero.pub: key is a point of small order"
sensor_bad ffkey "s#keys/pub.key#ff.pub#" \
    "collector-key: $T/ff.pub: key is not a canonical Curve25519 public key"
sensor_bad nouser 's#"nobody"#"no-such-user-x"#' \
    "user no-such-user-x: no such user"
sensor_bad noiface 's#"lo"#"nosuchif0"#' \
    "interface nosuchif0: no such interface"
sensor_bad nohost 's#collector 127.0.0.1#collector nonexistent.invalid#' \
    "collector nonexistent.invalid port 4200:"
sensor_bad badfilter 's#^interface.*#&\nfilter "udp port nonsense"#' \
    "filter \"udp port nonsense\": unknown port 'nonsense'"
sensor_bad chrootfile "s#$T/empty#$T/bad.pub#" \
    "chroot $T/bad.pub: not a directory"
sensor_bad nosockdir "s#$T/s/ctl.sock#$T/nodir/ctl.sock#" \
    "socket $T/nodir/ctl.sock: $T/nodir is not a directory"

# libpcap's own devices count as interfaces
"$NCAGENTD" -n -i any -f "$T/s/good.conf" >/dev/null 2>"$T/err"
is $? 0 "the \"any\" device passes -n, as libpcap has it"

# an interface that is there but down: libpcap will not open it, so
# -n says so; one that is up without a carrier opens.  On a veth pair
# in a namespace of our own (a dummy interface needs a module not
# every kernel has).
if [ "$(id -u)" -ne 0 ] || ! ip netns add "ncapT$$" 2>/dev/null; then
	skip "network namespaces unavailable: no interface to take down"
else
	NS=ncapT$$
	trap 'ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL;
	    ip netns del "$NS"; cleanup' EXIT
	ip -n "$NS" link set lo up
	ip -n "$NS" link add vT type veth peer name vU
	good_sensor | sed 's#"lo"#"vT"#' >"$T/s/down.conf"
	ip netns exec "$NS" "$NCAGENTD" -n -f "$T/s/down.conf" >"$T/out" \
	    2>"$T/err"
	is $? 1 "sensor, interface down: -n exits 1"
	check "sensor, interface down: one line says it" \
	    said "interface vT: is down"
	check "sensor, interface down: nothing else is wrong" \
	    [ "$(grep -vc "configuration OK" "$T/err")" = 1 ]
	ip netns exec "$NS" "$NCAGENTD" -d -f "$T/s/down.conf" >"$T/out" \
	    2>"$T/err"
	is $? 1 "and it does not start, for that reason"
	check "which it says" said "interface vT: is down"
	ip -n "$NS" link set vT up
	ip netns exec "$NS" "$NCAGENTD" -n -f "$T/s/down.conf" >"$T/out" \
	    2>"$T/err"
	is $? 0 "up, its peer down (no carrier): -n passes"
	ip netns exec "$NS" "$NCAGENTD" -d -v -f "$T/s/down.conf" \
	    >"$T/s/down.log" 2>&1 &
	DPID=$!
	PIDS="$PIDS $DPID"
	until_ok 5 grep -qs "capture started" "$T/s/down.log" ||
	    sed 's/^/# /' "$T/s/down.log"
	check "and the sensor captures on it" \
	    grep -q "capture started" "$T/s/down.log"
	kill -TERM "$DPID"
	wait "$DPID"
	is $? 0 "it exits 0 on SIGTERM"
	ip netns del "$NS"
	trap cleanup EXIT
fi

# every problem at once, each told
good_sensor | sed -e "s#keys/priv.key#open.key#" -e "s#keys/pub.key#bad.pub#" \
    -e 's#"nobody"#"no-such-user-x"#' -e 's#"lo"#"nosuchif0"#' \
    >"$T/s/all.conf"
check "sensor, four problems: -n exits 1" nminus 1 "$NCAGENTD" "$T/s/all.conf"
is "$(wc -l <"$T/err")" 4 "each on its own line"
"$NCAGENTD" -nn -f "$T/s/all.conf" >/dev/null 2>"$T/err"
is $? 0 "-nn checks the syntax alone, which is right"

# -- 1. the collector
good_collector() {
	cat <<EOC
listen on 127.0.0.1 port $(free_port)
keyfile "$T/keys/priv.key"
spool "$T/c/spool"
user "nobody"
chroot "$T/empty"
socket "$T/c/ctl.sock"
EOC
}
good_collector >"$T/c/good.conf"
check "a collector whose files are right passes -n" \
    nminus 0 "$NCCOLLECTD" "$T/c/good.conf"
collector_bad() {
	good_collector | sed "$2" >"$T/c/$1.conf"
	check "collector, $1: -n exits 1" nminus 1 "$NCCOLLECTD" \
	    "$T/c/$1.conf"
	check "collector, $1: one line says it" said "$3"
	check "collector, $1: nothing else is wrong" \
	    [ "$(grep -vc "configuration OK" "$T/err")" = 1 ]
}
collector_bad nokey "s#keys/priv.key#keys/none.key#" \
    "keyfile: $T/keys/none.key: No such file or directory"
collector_bad keymode "s#keys/priv.key#open.key#" \
    "keyfile: $T/open.key: private key file has mode 0644"
collector_bad nouser 's#"nobody"#"no-such-user-x"#' \
    "user no-such-user-x: no such user"
mkdir -p "$T/rootspool"
collector_bad spoolowner "s#$T/c/spool#$T/rootspool#" \
    "spool $T/rootspool: owned by uid 0, expected $(id -u nobody)"
collector_bad nohost "s#listen on 127.0.0.1#listen on nonexistent.invalid#" \
    "listen on nonexistent.invalid port"

# -- 2. started as rc scripts start them, without -d
#
# Copies of the binaries, so that every process of these daemons, the
# children re-executed from /proc/self/exe included, is known by its
# executable alone.
mkdir -p "$T/bin"
cp "$NCAGENTD" "$T/bin/ncagentd"
cp "$NCCOLLECTD" "$T/bin/nccollectd"
AGENT=$T/bin/ncagentd
COLLECT=$T/bin/nccollectd
# procs BINARY: how many processes run it
procs() {
	_n=0
	for _p in /proc/[0-9]*; do
		[ "$(readlink "$_p/exe" 2>/dev/null)" = "$1" ] && _n=$((_n + 1))
	done
	echo "$_n"
}
# whatever happens, none of them outlives the test
killall_bin() {
	for _p in /proc/[0-9]*; do
		case "$(readlink "$_p/exe" 2>/dev/null)" in
		"$AGENT"|"$COLLECT") kill -KILL "${_p#/proc/}" 2>/dev/null ;;
		esac
	done
}
trap 'killall_bin; cleanup' EXIT
settle_gone() {
	_i=0
	while [ "$(procs "$1")" != 0 ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	procs "$1"
}

# a private key that passes every look but cannot be read as a key:
# only the crypto child, which reads it, can tell
printf 'zz%062d\n' 0 >"$T/badhex.key"
chmod 600 "$T/badhex.key"
good_sensor | sed "s#keys/priv.key#badhex.key#" >"$T/s/late.conf"
"$AGENT" -f "$T/s/late.conf" >"$T/out" 2>"$T/err"
rc=$?
check "a sensor whose crypto child cannot start exits non-zero ($rc)" \
    [ "$rc" -ne 0 ]
check "saying why on stderr" \
    grep -q "crypto process: fatal: keyfile: $T/badhex.key: invalid hexadecimal key" "$T/err"
is "$(settle_gone "$AGENT")" 0 "no process of it is left"

# a capture file that is no capture file: only the capture child,
# which opens it, can tell
echo "not a capture" >"$T/notpcap"
"$AGENT" -f "$T/s/good.conf" -r "$T/notpcap" >"$T/out" 2>"$T/err"
rc=$?
check "a sensor whose capture child cannot start exits non-zero ($rc)" \
    [ "$rc" -ne 0 ]
check "saying why on stderr" \
    grep -q "capture process: fatal: $T/notpcap: unknown file format" "$T/err"
is "$(settle_gone "$AGENT")" 0 "no process of it is left"

good_collector | sed "s#keys/priv.key#badhex.key#" >"$T/c/late.conf"
"$COLLECT" -f "$T/c/late.conf" >"$T/out" 2>"$T/err"
rc=$?
check "a collector whose crypto child cannot start exits non-zero ($rc)" \
    [ "$rc" -ne 0 ]
check "saying why on stderr" \
    grep -q "crypto process: fatal: keyfile: $T/badhex.key: invalid hexadecimal key" "$T/err"
is "$(settle_gone "$COLLECT")" 0 "no process of it is left"

# a port another socket holds: the parent's own bind says so
BUSY=$(free_port)
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
time.sleep(30)' "$BUSY" &
HOLDER=$!
PIDS="$PIDS $HOLDER"
sleep 0.3
good_collector | sed "s/port [0-9]*/port $BUSY/" >"$T/c/busy.conf"
"$COLLECT" -f "$T/c/busy.conf" >"$T/out" 2>"$T/err"
is $? 1 "a collector on a busy port exits 1"
check "saying so" grep -q "bind 127.0.0.1 port $BUSY: Address already in use" \
    "$T/err"
kill "$HOLDER"

# up: the command ends 0, with all its processes running and the
# control socket answering at once, stderr silent, and through $(...)
# since no process keeps the pipe that started it
start_bg() {
	_t0=$(date +%s)
	_err=$(timeout 20 "$1" -f "$2" 2>&1)
	_rc=$?
	_el=$(($(date +%s) - _t0))
}
start_bg "$COLLECT" "$T/c/good.conf"
is "$_rc" 0 "a collector that starts exits 0"
check "within seconds, through a pipe ($_el s)" [ "$_el" -lt 10 ]
is "$_err" "" "and says nothing"
is "$(procs "$COLLECT")" 4 "its four processes run"
"$NCCTL" -s "$T/c/ctl.sock" show config >"$T/out" 2>"$T/err"
is $? 0 "its control socket answers at once"
check "every process of it is configured" [ "$(grep -c '^spool' "$T/out")" = 4 ]

CPORT=$(sed -n 's/^listen on 127.0.0.1 port //p' "$T/c/good.conf")
good_sensor | sed "s/port 4200/port $CPORT/" >"$T/s/up.conf"
start_bg "$AGENT" "$T/s/up.conf"
is "$_rc" 0 "a sensor that starts exits 0"
is "$_err" "" "and says nothing"
is "$(procs "$AGENT")" 3 "its three processes run"
"$NCCTL" -s "$T/s/ctl.sock" show stats >/dev/null
is $? 0 "its control socket answers at once"

# the parents, which alone take SIGTERM, by their control sockets
for s in "$T/s/ctl.sock" "$T/c/ctl.sock"; do
	kill -TERM "$(ss -Hxlp src "$s" | sed -n 's/.*pid=\([0-9]*\).*/\1/p')"
done
is "$(settle_gone "$AGENT") $(settle_gone "$COLLECT")" "0 0" \
    "both stop on SIGTERM"
# under systemd (Type=notify, -d): READY=1 once every process is up,
# STOPPING=1 when told to stop, and no READY=1 from a start that fails
notify_listen() {
	rm -f "$T/notify.sock"
	"$PYTHON" - "$T/notify.sock" "$T/notified" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "w") as out:
    try:
        while True:
            out.write(s.recv(256).decode() + "\n")
            out.flush()
    except socket.timeout:
        pass
EOF
	NOTIFIER=$!
	PIDS="$PIDS $NOTIFIER"
	_i=0
	while [ ! -S "$T/notify.sock" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
good_collector | sed "s#$T/c/ctl.sock#$T/c/notify.sock#" >"$T/c/notify.conf"
notify_listen
NOTIFY_SOCKET=$T/notify.sock "$COLLECT" -d -f "$T/c/notify.conf" \
    >"$T/c/notify.log" 2>&1 &
NPID=$!
i=0
while ! grep -q READY=1 "$T/notified" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "with NOTIFY_SOCKET, the collector says READY=1" grep -qx READY=1 \
    "$T/notified"
is "$(procs "$COLLECT")" 4 "when its four processes run"
kill -TERM "$NPID"
wait "$NPID"
is $? 0 "it stops on SIGTERM"
check "having said STOPPING=1" grep -qx STOPPING=1 "$T/notified"
kill "$NOTIFIER" 2>/dev/null
notify_listen
sed "s#$T/c/ctl.sock#$T/c/notify.sock#" "$T/c/late.conf" >"$T/c/late2.conf"
NOTIFY_SOCKET=$T/notify.sock "$COLLECT" -d -f "$T/c/late2.conf" \
    >"$T/c/notify.log" 2>&1
check "a collector whose crypto child cannot start exits non-zero" \
    [ $? -ne 0 ]
check "for that reason" grep -q "invalid hexadecimal key" "$T/c/notify.log"
sleep 0.3
is "$(grep -c READY "$T/notified")" 0 "without READY=1"
kill "$NOTIFIER" 2>/dev/null

finish
