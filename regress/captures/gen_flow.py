#!/usr/bin/env python3
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


"""Write the captures of the Connection record tests: regress/captures/
flow-*.pcap (Ethernet, microsecond timestamps), every byte and every
timestamp chosen here, and flow-*.expect: the Connection records
ncagentd must make of each with its default timeouts (idle 60 s,
active 300 s) and the table size named in the file, worked out from
the conversations below, not from the C code.

An .expect line per record, in the order they are emitted:

  conn FIRST LAST PROTO SRC DST SPORT DPORT PKTS_C PKTS_S BYTES_C
       BYTES_S FLAGS DURATION STATE

(times in ns) and "table N", "evicted N" lines.  Nothing here uses a
port an application decoder of ncagentd knows.

usage: gen_flow.py [outdir]
"""

import ipaddress
import os
import struct
import sys

from pcapgen import cksum, pcap_header, pcap_record, pseudo

TS0 = 1700000000 * 10**9		# 2023-11-14T22:13:20Z, in ns
S = 10**9

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
IP_A = bytes([10, 1, 0, 1])
IP_B = bytes([10, 1, 0, 2])
IP6_A = bytes.fromhex("fd000001000000000000000000000001")
IP6_B = bytes.fromhex("fd000001000000000000000000000002")

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

# Connection.state
CLOSED, RESET, IDLE, ACTIVE, SHUTDOWN, EVICTED = 1, 2, 3, 4, 5, 6
IDLE_S, ACTIVE_S = 60, 300




def ether(src_ip, payload):
    """A frame from A to B or back, padded as a NIC pads short ones."""
    a = src_ip in (IP_A, IP6_A)
    etype = 0x0800 if len(src_ip) == 4 else 0x86dd
    f = (MAC_B if a else MAC_A) + (MAC_A if a else MAC_B) + \
        struct.pack("!H", etype) + payload
    if len(f) < 60:
        f += b"\0" * (60 - len(f))
    return f


def ip(src, dst, proto, payload):
    if len(src) == 16:
        return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64,
                           src, dst) + payload
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000,
                    64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", cksum(h)) + h[12:] + payload


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0) + payload
    c = cksum(pseudo(src, dst, 6, len(seg)) + seg)
    return ether(src, ip(src, dst, 6, seg[:16] + struct.pack("!H", c) +
                         seg[18:]))


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = cksum(pseudo(src, dst, 17, len(seg)) + seg) or 0xffff
    return ether(src, ip(src, dst, 17, seg[:6] + struct.pack("!H", c) +
                         seg[8:]))


def icmp4(src, dst, typ, ident, seq, payload):
    m = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + payload
    m = m[:2] + struct.pack("!H", cksum(m)) + m[4:]
    return ether(src, ip(src, dst, 1, m))


def icmp6(src, dst, typ, ident, seq, payload):
    m = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + payload
    c = cksum(pseudo(src, dst, 58, len(m)) + m)
    return ether(src, ip(src, dst, 58, m[:2] + struct.pack("!H", c) + m[4:]))


class Conn:
    """One expected Connection record, filled as its frames are added."""

    def __init__(self, proto, src, dst, sport, dport):
        self.proto, self.src, self.dst = proto, src, dst
        self.sport, self.dport = sport, dport
        self.first = self.last = None
        self.pkts = [0, 0]
        self.bytes = [0, 0]
        self.flags = 0
        self.state = None

    def count(self, ts, from_client, length, flags=0):
        if self.first is None:
            self.first = ts
        self.last = ts
        d = 0 if from_client else 1
        self.pkts[d] += 1
        self.bytes[d] += length
        self.flags |= flags

    def line(self):
        return "conn %d %d %d %s %s %d %d %d %d %d %d %d %d %d" % (
            self.first, self.last, self.proto,
            ipaddress.ip_address(self.src), ipaddress.ip_address(self.dst),
            self.sport, self.dport, self.pkts[0], self.pkts[1],
            self.bytes[0], self.bytes[1], self.flags,
            self.last - self.first, self.state)


class Capture:
    def __init__(self, name, table=65536):
        self.name = name
        self.table = table
        self.frames = []	# (ts, bytes)
        self.conns = []		# in the order they must be emitted
        self.evicted = 0

    def add(self, ts, frame, conn=None, from_client=True, flags=0):
        assert not self.frames or ts >= self.frames[-1][0]
        self.frames.append((ts, frame))
        if conn is not None:
            conn.count(ts, from_client, len(frame), flags)

    def emit(self, conn, state):
        conn.state = state
        self.conns.append(conn)

    def write(self, outdir):
        base = os.path.join(outdir, self.name)
        with open(base + ".pcap", "wb") as fp:
            fp.write(pcap_header(1))
            for ts, f in self.frames:
                fp.write(pcap_record(ts // S, ts % S // 1000, f))
        with open(base + ".expect", "w") as fp:
            fp.write("# generated by regress/captures/gen_flow.py\n")
            fp.write("table %d\n" % self.table)
            fp.write("evicted %d\n" % self.evicted)
            for c in self.conns:
                fp.write(c.line() + "\n")


def tcp_session(cap, t, src, dst, sport, dport, close=True, data=b"x" * 40):
    """Handshake, a request and a reply, then FIN, FIN+ACK, ACK from
    the client (close) or nothing more (left open); returns the
    connection and the time after it."""
    c = Conn(6, src, dst, sport, dport)
    cs, ss = 1000, 5000
    cap.add(t, tcp(src, dst, sport, dport, cs, 0, SYN), c, True, SYN)
    t += 1000000
    cap.add(t, tcp(dst, src, dport, sport, ss, cs + 1, SYN | ACK), c,
            False, SYN | ACK)
    t += 1000000
    cap.add(t, tcp(src, dst, sport, dport, cs + 1, ss + 1, ACK), c, True,
            ACK)
    t += 1000000
    cap.add(t, tcp(src, dst, sport, dport, cs + 1, ss + 1, PSH | ACK, data),
            c, True, PSH | ACK)
    t += 1000000
    reply = b"y" * 300
    cap.add(t, tcp(dst, src, dport, sport, ss + 1, cs + 1 + len(data),
                   PSH | ACK, reply), c, False, PSH | ACK)
    t += 1000000
    cs += 1 + len(data)
    ss += 1 + len(reply)
    if close:
        cap.add(t, tcp(src, dst, sport, dport, cs, ss, FIN | ACK), c, True,
                FIN | ACK)
        t += 1000000
        cap.add(t, tcp(dst, src, dport, sport, ss, cs + 1, FIN | ACK), c,
                False, FIN | ACK)
        t += 1000000
        cap.add(t, tcp(src, dst, sport, dport, cs + 1, ss + 1, ACK), c,
                True, ACK)
        t += 1000000
    return c, t


def flow_tcp():
    """Closed, reset, SYN missed, IPv6, and one open at the end."""
    cap = Capture("flow-tcp")
    t = TS0
    c1, t = tcp_session(cap, t, IP_A, IP_B, 40001, 5555)
    cap.emit(c1, CLOSED)

    # a refused connection: SYN, RST+ACK
    c2 = Conn(6, IP_A, IP_B, 40002, 5556)
    cap.add(t, tcp(IP_A, IP_B, 40002, 5556, 7000, 0, SYN), c2, True, SYN)
    t += 500000
    cap.add(t, tcp(IP_B, IP_A, 5556, 40002, 0, 7001, RST | ACK), c2, False,
            RST | ACK)
    t += 500000
    cap.emit(c2, RESET)

    # the SYN was not captured: the receiver of the SYN+ACK is the
    # client, though B sent the first frame seen; then an RST from A
    c3 = Conn(6, IP_A, IP_B, 40003, 5557)
    cap.add(t, tcp(IP_B, IP_A, 5557, 40003, 9000, 3001, SYN | ACK), c3,
            False, SYN | ACK)
    t += 1000000
    cap.add(t, tcp(IP_A, IP_B, 40003, 5557, 3001, 9001, ACK), c3, True, ACK)
    t += 1000000
    cap.add(t, tcp(IP_A, IP_B, 40003, 5557, 3001, 9001, RST), c3, True, RST)
    t += 1000000
    cap.emit(c3, RESET)

    # IPv6, the server at the lower address and port: B to A
    c4, t = tcp_session(cap, t, IP6_B, IP6_A, 40004, 5558)
    cap.emit(c4, CLOSED)

    # still open when the capture ends
    c5, t = tcp_session(cap, t, IP_A, IP_B, 40005, 5559, close=False)
    cap.emit(c5, SHUTDOWN)
    return cap


def flow_udp():
    """A UDP exchange that idles out and starts again, ICMP echoes."""
    cap = Capture("flow-udp")
    t = TS0
    u1 = Conn(17, IP_A, IP_B, 40010, 6000)
    for i in range(3):
        cap.add(t, udp(IP_A, IP_B, 40010, 6000, b"q" * (10 + i)), u1, True)
        t += 2 * S
        cap.add(t, udp(IP_B, IP_A, 6000, 40010, b"r" * 100), u1, False)
        t += 2 * S
    # ICMP echo request and reply, IPv4 then IPv6: ports 0
    e4 = Conn(1, IP_A, IP_B, 0, 0)
    cap.add(t, icmp4(IP_A, IP_B, 8, 77, 1, b"p" * 56), e4, True)
    t += 1000000
    cap.add(t, icmp4(IP_B, IP_A, 0, 77, 1, b"p" * 56), e4, False)
    t += 1000000
    e6 = Conn(58, IP6_B, IP6_A, 0, 0)
    cap.add(t, icmp6(IP6_B, IP6_A, 128, 78, 1, b"p" * 8), e6, True)
    t += 1000000
    cap.add(t, icmp6(IP6_A, IP6_B, 129, 78, 1, b"p" * 8), e6, False)
    t += 1000000
    # more than 60 s later: all three went idle, oldest first
    t = e6.last + (IDLE_S + 1) * S
    cap.emit(u1, IDLE)
    cap.emit(e4, IDLE)
    cap.emit(e6, IDLE)
    # the same ports again: a new connection, this time B asks first
    u2 = Conn(17, IP_B, IP_A, 6000, 40010)
    cap.add(t, udp(IP_B, IP_A, 6000, 40010, b"s" * 20), u2, True)
    t += S
    cap.add(t, udp(IP_A, IP_B, 40010, 6000, b"t" * 30), u2, False)
    cap.emit(u2, SHUTDOWN)
    return cap


def flow_long():
    """A TCP connection of 700 s, a segment every 50 s: cut at 300 s
    and at 600 s (active timeout), then closed."""
    cap = Capture("flow-long")
    t = TS0
    c = Conn(6, IP_A, IP_B, 40020, 5560)
    cap.add(t, tcp(IP_A, IP_B, 40020, 5560, 100, 0, SYN), c, True, SYN)
    cap.add(t + 1000000, tcp(IP_B, IP_A, 5560, 40020, 200, 101,
                             SYN | ACK), c, False, SYN | ACK)
    start = t
    seq = 101
    for i in range(1, 14):
        t = start + i * 50 * S
        if t - c.first >= ACTIVE_S * S:
            cap.emit(c, ACTIVE)
            old = c
            c = Conn(6, IP_A, IP_B, 40020, 5560)
            assert old.state == ACTIVE
        fc = i % 2 == 1
        if fc:
            cap.add(t, tcp(IP_A, IP_B, 40020, 5560, seq, 201, PSH | ACK,
                           b"d" * 10), c, True, PSH | ACK)
            seq += 10
        else:
            cap.add(t, tcp(IP_B, IP_A, 5560, 40020, 201, seq, ACK), c,
                    False, ACK)
    t = start + 700 * S
    cap.add(t, tcp(IP_B, IP_A, 5560, 40020, 201, seq, FIN | ACK), c, False,
            FIN | ACK)
    t += 1000000
    cap.add(t, tcp(IP_A, IP_B, 40020, 5560, seq, 202, FIN | ACK), c, True,
            FIN | ACK)
    t += 1000000
    cap.add(t, tcp(IP_B, IP_A, 5560, 40020, 202, seq + 1, ACK), c, False,
            ACK)
    cap.emit(c, CLOSED)
    return cap


def flow_evict():
    """20 UDP conversations one after the other through a table of 8:
    the first 12 are evicted, the last 8 open at the end."""
    cap = Capture("flow-evict", table=8)
    t = TS0
    conns = []
    for i in range(20):
        c = Conn(17, IP_A, IP_B, 41000 + i, 6100)
        cap.add(t, udp(IP_A, IP_B, 41000 + i, 6100, b"a" * i), c, True)
        t += 100000
        cap.add(t, udp(IP_B, IP_A, 6100, 41000 + i, b"b" * 50), c, False)
        t += 100000
        conns.append(c)
        if len(conns) > cap.table:
            cap.emit(conns[len(conns) - cap.table - 1], EVICTED)
            cap.evicted += 1
    for c in conns[-cap.table:]:
        cap.emit(c, SHUTDOWN)
    return cap


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    for cap in (flow_tcp(), flow_udp(), flow_long(), flow_evict()):
        cap.write(outdir)
        print("%s: %d frames, %d connections" % (cap.name, len(cap.frames),
                                                 len(cap.conns)))


if __name__ == "__main__":
    main()
