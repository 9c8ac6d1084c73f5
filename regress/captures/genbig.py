#!/usr/bin/python3
# genbig.py OUT.pcap N [SEED]: write N Ethernet frames of a plausible
# mix (TCP conversations, UDP, ICMP echo, ARP, IPv6 TCP and UDP), with
# deterministic content, for the batch tests and make bench.  Prints
# the number of frames of each kind, which the tests compare with.
import random
import struct
import sys

from pcapgen import cksum, pcap_header, pcap_record

out, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)



def mac(i):
    return bytes([2, 0, 0, 0, (i >> 8) & 0xFF, i & 0xFF])


def eth(src, dst, etype, payload):
    return mac(dst) + mac(src) + struct.pack("!H", etype) + payload


def ip4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident,
                    0x4000, 64, proto, 0, bytes([10, 1, src >> 8, src & 0xFF]),
                    bytes([10, 2, dst >> 8, dst & 0xFF]))
    h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
    return h + payload


def ip6(src, dst, nh, payload):
    a = bytes.fromhex("fd000000000000010000000000000000")
    return (struct.pack("!IHBB", 6 << 28, len(payload), nh, 64) +
            a[:14] + struct.pack("!H", src) + a[:14] + struct.pack("!H", dst)
            + payload)


def tcp(sp, dp, seq, ack, flags, data):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535,
                       0, 0) + data


def udp(sp, dp, data):
    return struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data


counts = {"Ethernet": 0, "ARP": 0, "IPv4": 0, "IPv6": 0, "TCP": 0,
          "UDP": 0, "ICMPv4": 0}
ts = 1700000000 * 10**6
with open(out, "wb") as f:
    f.write(pcap_header(1))
    for i in range(n):
        ts += rnd.randint(1, 2000)
        a, b = rnd.randint(1, 500), rnd.randint(1, 50)
        k = rnd.random()
        data = bytes(rnd.getrandbits(8) for _ in range(rnd.choice(
            (0, 0, 0, 10, 40, 200))))
        if k < 0.55:
            p = eth(a, b, 0x0800, ip4(a, b, 6, tcp(
                40000 + a, rnd.choice((80, 443, 22, 8080)),
                rnd.getrandbits(32), rnd.getrandbits(32),
                rnd.choice((0x02, 0x12, 0x10, 0x18, 0x11)), data), i & 0xFFFF))
            counts["IPv4"] += 1
            counts["TCP"] += 1
        elif k < 0.80:
            p = eth(a, b, 0x0800, ip4(a, b, 17, udp(
                50000 + a, rnd.choice((53, 123, 514)), data), i & 0xFFFF))
            counts["IPv4"] += 1
            counts["UDP"] += 1
        elif k < 0.85:
            p = eth(a, b, 0x0800, ip4(a, b, 1, struct.pack(
                "!BBHHH", 8, 0, 0, a, i & 0xFFFF) + data[:56], i & 0xFFFF))
            counts["IPv4"] += 1
            counts["ICMPv4"] += 1
        elif k < 0.90:
            p = eth(a, 0xFFFF, 0x0806, struct.pack(
                "!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac(a),
                bytes([10, 1, a >> 8, a & 0xFF]), bytes(6),
                bytes([10, 2, b >> 8, b & 0xFF])))
            counts["ARP"] += 1
        elif k < 0.95:
            p = eth(a, b, 0x86DD, ip6(a, b, 6, tcp(
                40000 + a, 443, rnd.getrandbits(32), 0, 0x02, b"")))
            counts["IPv6"] += 1
            counts["TCP"] += 1
        else:
            p = eth(a, b, 0x86DD, ip6(a, b, 17, udp(50000 + a, 53, data)))
            counts["IPv6"] += 1
            counts["UDP"] += 1
        counts["Ethernet"] += 1
        f.write(pcap_record(ts // 10**6, ts % 10**6, p))
for t, c in counts.items():
    print(t, c)
