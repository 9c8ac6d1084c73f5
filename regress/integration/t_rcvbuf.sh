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

# The collector's receive-buffer is what its socket has:
#
#  1. the kernel's own account of the socket (ss -m, skmem rb) shows
#     twice the size asked, 1m and the default 8m, and -v says so;
#  2. without CAP_NET_ADMIN, SO_RCVBUFFORCE is refused: asked more than
#     net.core.rmem_max, the socket gets twice rmem_max and the
#     collector warns that it got less than it asked;
#  3. the size bounds what waits: with the receiver stopped, 200
#     datagrams of 1400 bytes overflow 64k, and every one the socket
#     had no room for is counted as kernel-drops, while 8m takes them
#     all.  (The kernel tells the count with the datagrams queued
#     after a drop: one more is sent once the receiver runs again.)
. "$REGRESS/integration/lib.sh"

# rb PORT: the receive buffer the kernel gives the socket on PORT
rb() {
	ss -Huml "sport = :$1" | sed -n 's/.*skmem:(.*,rb\([0-9]*\),.*/\1/p'
}

# -- 1. what is asked, the socket has
start_collector "$T/c1" "receive-buffer 1m" || exit 1
is "$(rb "$CPORT")" 2097152 "receive-buffer 1m: the socket has 2m, as ss -m shows"
stop_collector
is "$(grep -c "receive buffer: 2097152 bytes granted for 1048576 asked" \
    "$T/c1/collector.log")" 1 "and -v says so"
is "$(grep -c "receive buffer.*not twice" "$T/c1/collector.log")" 0 \
    "without a warning"

# past net.core.rmem_max only with CAP_NET_ADMIN (bit 12)
if [ $(( 0x$(status $$ CapEff) >> 12 & 1 )) -eq 1 ]; then
	start_collector "$T/c2" || exit 1
	is "$(rb "$CPORT")" 16777216 "the default, 8m: the socket has 16m"
	stop_collector
else
	skip "the default, 8m" "no CAP_NET_ADMIN to pass net.core.rmem_max"
fi

# -- 2. SO_RCVBUFFORCE refused: held to net.core.rmem_max
max=$(cat /proc/sys/net/core/rmem_max)
ask=$((max * 2))
if [ "$ask" -lt 65536 ] || [ "$ask" -gt $((512 * 1024 * 1024)) ]; then
	skip "without CAP_NET_ADMIN" "rmem_max $max: twice it is out of range"
	skip "and a warning" "rmem_max $max"
else
	mkdir -p "$T/c3"
	CPORT=$(free_port)
	cat >"$T/c3/nccollectd.conf" <<EOC
listen on 127.0.0.1 port $CPORT
keyfile "$T/keys/priv.key"
spool "$T/c3/spool"
user "nobody"
chroot "$T/empty"
socket "$T/c3/ctl.sock"
receive-buffer $ask
EOC
	setpriv --bounding-set=-net_admin "$NCCOLLECTD" -d -v \
	    -f "$T/c3/nccollectd.conf" >"$T/c3/collector.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	until_ok 5 grep -qs "receive buffer" "$T/c3/collector.log"
	is "$(rb "$CPORT")" $((max * 2)) \
	    "without CAP_NET_ADMIN, $ask asked: the socket has twice rmem_max"
	stop_collector
	is "$(grep -c "receive buffer: $((max * 2)) bytes granted for $ask asked, not twice as many (SO_RCVBUFFORCE: Operation not permitted" \
	    "$T/c3/collector.log")" 1 "and the collector warns of it"
fi

# -- 3. what does not fit is dropped by the kernel, and counted
# send N: N datagrams of 1400 bytes no collector takes (version 0)
send() {
	"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(int(sys.argv[2])):
    s.sendto(b"\0" * 1400, ("127.0.0.1", int(sys.argv[1])))' "$CPORT" "$1"
}
# flood SIZE: 200 datagrams sent while the receiver is stopped, one
# after it runs again and has read them
flood() {
	start_collector "$T/f$1" "receive-buffer $1" || return 1
	# the receiver is up once the parent says every process is
	_i=0
	while ! grep -q "receive buffer" "$T/f$1/collector.log" &&
	    [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	_rcv=$(child "$CPID" receiver)
	kill -STOP "$_rcv"
	send 200
	kill -CONT "$_rcv"
	_i=0
	while [ "$(ss -Huml "sport = :$CPORT" |
	    sed -n 's/.*skmem:(r\([0-9]*\),.*/\1/p')" != 0 ] &&
	    [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	send 1
	sleep 0.2
	stop_collector
}
flood 64k
log=$T/f64k/collector.log
got=$(total "$log" datagrams)
lost=$(total "$log" kernel-drops)
# 128k granted holds at most 93 datagrams of 1400 bytes, and at least
# one; the one sent after them is not dropped
check "64k: the socket held some of 200 datagrams ($((got - 1))), not all" \
    [ "${got:-0}" -ge 2 -a "${got:-0}" -le 94 ]
is "$((${got:-0} + ${lost:-0}))" 201 \
    "and kernel-drops ($lost) counts every other one"
is "$(total "$log" version)" "$got" "every one held was read"
flood 8m
log=$T/f8m/collector.log
is "$(total "$log" datagrams) $(total "$log" kernel-drops)" \
    "201 0" "8m: the socket held all 200"
finish
