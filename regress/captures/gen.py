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

"""Write small pcap files whose every byte we chose, and what a decoder
must make of them.

For each capture NAME it writes, into the output directory (default:
the directory of this script):

  NAME.pcap    the capture (classic pcap, microsecond timestamps)
  NAME.expect  for regress/unit/t_decode.c: the link type, whether
               ncagentd decodes it, one "frame N LABEL TYPE..."
               line per frame (the records the frame yields, in layer
               order) and one "count TYPE records errors truncated
               unknown" line per record type
  NAME.json    the same, for scripts

and prints the per-type counts.  The output is deterministic: fixed
timestamps, addresses and payloads.  Frame labels are what the unit
test uses to find the frames whose fields it checks, so keep them
stable when adding frames.
"""

import json
import os
import struct
import sys

from pcapgen import cksum, pcap_header, pcap_record, pseudo

TYPES = ["Ethernet", "ARP", "IPv4", "IPv6", "ICMPv4", "ICMPv6", "TCP", "UDP",
         "Dot1Q", "IPv6HopByHop", "IPv6Fragment", "ICMPv6RouterSolicitation",
         "ICMPv6RouterAdvertisement", "ICMPv6NeighborSolicitation",
         "ICMPv6NeighborAdvertisement", "IGMP"]
# neighbour discovery record types (NS is a TCP flag below)
T_RS, T_RA, T_NS, T_NA = (
    "ICMPv6RouterSolicitation", "ICMPv6RouterAdvertisement",
    "ICMPv6NeighborSolicitation", "ICMPv6NeighborAdvertisement")
HBH, FRAG = "IPv6HopByHop", "IPv6Fragment"

# pcap link types (the file's LINKTYPE_ numbers)
LT_NULL, LT_EN10MB, LT_RAW, LT_LOOP, LT_SLL = 0, 1, 101, 108, 113
LT_USER0, LT_IPV4, LT_IPV6, LT_SLL2 = 147, 228, 229, 276

TS_SEC = 1700000000		# 2023-11-14T22:13:20Z

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
MAC_BCAST = b"\xff" * 6
IP_A = bytes([10, 1, 0, 1])
IP_B = bytes([10, 1, 0, 2])
IP6_A = bytes.fromhex("fd000001000000000000000000000001")
IP6_B = bytes.fromhex("fd000001000000000000000000000002")

# TCP flags
FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, NS = (
    0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x100)




def ether(dst, src, etype, payload, pad=True):
    f = dst + src + struct.pack("!H", etype) + payload
    if pad and len(f) < 60:
        f += b"\0" * (60 - len(f))	# what a NIC does to short frames
    return f


def ipv4(src, dst, proto, payload, ident=1, flags=0x2, frag=0, ttl=64,
         tos=0, options=b"", tot=None, ihl=None, version=4):
    if ihl is None:
        ihl = 5 + len(options) // 4
    if tot is None:
        tot = 20 + len(options) + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, tos, tot, ident,
                    flags << 13 | frag, ttl, proto, 0, src, dst) + options
    c = cksum(h)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def ipv6(src, dst, nh, payload, hlim=64, tc=0, fl=0, plen=None):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", 6 << 28 | tc << 20 | fl, plen, nh,
                       hlim, src, dst) + payload


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=65535,
        options=b"", urg=0, doff=None):
    if doff is None:
        doff = 5 + len(options) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack,
                    doff << 4 | (flags >> 8 & 0xf), flags & 0xff, win, 0,
                    urg) + options
    seg = h + payload
    c = cksum(pseudo(src, dst, 6, len(seg)) + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, length=None):
    if length is None:
        length = 8 + len(payload)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + payload
    c = cksum(pseudo(src, dst, 17, len(seg)) + seg) or 0xffff
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def icmp4(typ, code, rest, payload=b""):
    m = struct.pack("!BBH", typ, code, 0) + rest + payload
    return m[:2] + struct.pack("!H", cksum(m)) + m[4:]


def icmp6(src, dst, typ, code, body):
    m = struct.pack("!BBH", typ, code, 0) + body
    c = cksum(pseudo(src, dst, 58, len(m)) + m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


# TCP options of a Linux SYN: MSS, SACK permitted, timestamps, NOP, WS
SYN_OPTS = (bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10]) + struct.pack("!II", 1, 0)
            + bytes([1, 3, 3, 7]))
DATA = bytes(range(100))


class Capture:
    def __init__(self, name, linktype, decoded=True):
        self.name = name
        self.linktype = linktype
        self.decoded = decoded		# a link type ncagentd decodes
        self.frames = []

    def add(self, label, frame, records, error=None, unknown=None,
            snap=None):
        """records: the types the decoder emits for this frame;
        error: (type, "truncated" | "bogus"); unknown: the type whose
        unknown counter the frame bumps; snap: the captured length
        when the capture cut the frame."""
        assert label not in [f["label"] for f in self.frames], label
        for t in records:
            assert t in TYPES, t
        self.frames.append({"label": label, "data": frame,
                            "records": records, "error": error,
                            "unknown": unknown, "snap": snap})

    def counts(self):
        c = {t: {"records": 0, "errors": 0, "truncated": 0, "unknown": 0}
             for t in TYPES}
        for f in self.frames:
            for t in f["records"]:
                c[t]["records"] += 1
            if f["error"]:
                t, kind = f["error"]
                c[t]["errors"] += 1
                if kind == "truncated":
                    c[t]["truncated"] += 1
            if f["unknown"]:
                c[f["unknown"]]["unknown"] += 1
        return c

    def write(self, outdir):
        base = os.path.join(outdir, self.name)
        with open(base + ".pcap", "wb") as fp:
            fp.write(pcap_header(self.linktype))
            for i, f in enumerate(self.frames):
                data = f["data"]
                cap = data if f["snap"] is None else data[:f["snap"]]
                fp.write(pcap_record(TS_SEC + i, i * 1000, cap, len(data)))
        counts = self.counts()
        with open(base + ".expect", "w") as fp:
            fp.write("# generated by regress/captures/gen.py\n")
            fp.write("linktype %d\n" % self.linktype)
            fp.write("decoded %s\n" % ("yes" if self.decoded else "no"))
            for i, f in enumerate(self.frames):
                fp.write(" ".join(["frame", str(i + 1), f["label"]] +
                                  f["records"]) + "\n")
            for t in TYPES:
                c = counts[t]
                fp.write("count %s %d %d %d %d\n" % (
                    t, c["records"], c["errors"], c["truncated"],
                    c["unknown"]))
        doc = {"file": self.name + ".pcap", "linktype": self.linktype,
               "decoded": self.decoded,
               "frames": [{"frame": i + 1, "label": f["label"],
                           "records": f["records"],
                           "error": f["error"], "unknown": f["unknown"],
                           "caplen": len(f["data"]) if f["snap"] is None
                           else f["snap"], "wirelen": len(f["data"])}
                          for i, f in enumerate(self.frames)],
               "counts": counts}
        with open(base + ".json", "w") as fp:
            json.dump(doc, fp, indent=1, sort_keys=True)
            fp.write("\n")
        return counts


def e4(payload, proto, **kw):
    """Ethernet + IPv4 from A to B."""
    return ether(MAC_B, MAC_A, 0x0800, ipv4(IP_A, IP_B, proto, payload, **kw))


def e6(payload, nh, src=IP6_A, dst=IP6_B, dmac=MAC_B, **kw):
    return ether(dmac, MAC_A, 0x86dd, ipv6(src, dst, nh, payload, **kw))


def ethernet_capture():
    c = Capture("decode-ether", LT_EN10MB)
    E, A, I4, I6 = "Ethernet", "ARP", "IPv4", "IPv6"

    # ARP, padded to the 60-byte minimum
    c.add("arp-request", ether(MAC_BCAST, MAC_A, 0x0806,
          arp(1, MAC_A, IP_A, b"\0" * 6, IP_B)), [E, A])
    c.add("arp-reply", ether(MAC_A, MAC_B, 0x0806,
          arp(2, MAC_B, IP_B, MAC_A, IP_A)), [E, A])

    # a TCP connection over IPv4
    t4 = [E, I4, "TCP"]
    c.add("tcp-syn", e4(tcp(IP_A, IP_B, 40000, 8080, 1000, 0, SYN,
          options=SYN_OPTS, win=64240), 6, ident=0x1001), t4)
    c.add("tcp-synack", ether(MAC_A, MAC_B, 0x0800, ipv4(IP_B, IP_A, 6,
          tcp(IP_B, IP_A, 8080, 40000, 5000, 1001, SYN | ACK,
              options=SYN_OPTS, win=65160))), t4)
    # 54 bytes, padded to 60: the padding is no TCP payload
    c.add("tcp-ack", e4(tcp(IP_A, IP_B, 40000, 8080, 1001, 5001, ACK), 6),
          t4)
    c.add("tcp-data", e4(tcp(IP_A, IP_B, 40000, 8080, 1001, 5001,
          PSH | ACK, DATA), 6, ident=0x1002, tos=0x10, ttl=63), t4)
    c.add("tcp-fin", e4(tcp(IP_A, IP_B, 40000, 8080, 1101, 5001,
          FIN | ACK), 6), t4)
    c.add("tcp-rst", ether(MAC_A, MAC_B, 0x0800, ipv4(IP_B, IP_A, 6,
          tcp(IP_B, IP_A, 8080, 40000, 5001, 0, RST, win=0))), t4)
    c.add("tcp-allflags", e4(tcp(IP_A, IP_B, 40001, 8080, 7, 9,
          0x1ff, b"x", urg=1), 6), t4)

    # UDP, ICMP
    c.add("udp", e4(udp(IP_A, IP_B, 5999, 9999, DATA[:20]), 17),
          [E, I4, "UDP"])
    c.add("icmp-echo", e4(icmp4(8, 0, struct.pack("!HH", 0x1234, 7),
          DATA[:32]), 1), [E, I4, "ICMPv4"])
    c.add("icmp-echoreply", ether(MAC_A, MAC_B, 0x0800, ipv4(IP_B, IP_A, 1,
          icmp4(0, 0, struct.pack("!HH", 0x1234, 7), DATA[:32]))),
          [E, I4, "ICMPv4"])
    c.add("icmp-tstamp", e4(icmp4(13, 0, struct.pack("!HH", 0x4321, 2),
          b"\0" * 12), 1), [E, I4, "ICMPv4"])
    # fragmentation needed, next-hop MTU 1400 where an echo's seq is;
    # the quoted IPv4 and UDP headers are not decoded
    quoted = ipv4(IP_B, IP_A, 17, udp(IP_B, IP_A, 9999, 5999, b"q" * 8))
    c.add("icmp-unreach", e4(icmp4(3, 4, struct.pack("!HH", 0, 1400),
          quoted), 1), [E, I4, "ICMPv4"])

    # IPv4 options (router alert), fragments, IP in IP, AH, TSO
    c.add("ipv4-options", e4(udp(IP_A, IP_B, 5000, 5001, b"opt"), 17,
          options=bytes([0x94, 4, 0, 0])), [E, I4, "UDP"])
    # a 108-byte datagram in two fragments, 56 and 52 bytes
    dgram = udp(IP_A, IP_B, 5002, 5003, DATA)
    c.add("ipv4-frag-first", e4(dgram[:56], 17, ident=0x2222, flags=0x1),
          [E, I4, "UDP"])
    c.add("ipv4-frag-second", e4(dgram[56:], 17, ident=0x2222, flags=0,
          frag=7), [E, I4])
    c.add("ipv4-in-ipv4", e4(ipv4(IP_B, IP_A, 17, udp(IP_B, IP_A, 5300, 5300,
          b"tun")), 4), [E, I4, I4, "UDP"])
    ah = struct.pack("!BBHII", 6, 4, 0, 0x100, 1) + b"\xaa" * 12
    c.add("ipv4-ah-tcp", e4(ah + tcp(IP_A, IP_B, 40002, 22, 1, 0, SYN), 51),
          [E, I4, "TCP"])
    c.add("ipv4-tso", e4(tcp(IP_A, IP_B, 40003, 8080, 1, 1, ACK, DATA), 6,
          tot=0), [E, I4, "TCP"])

    # IPv6
    t6 = [E, I6, "TCP"]
    c.add("ip6-tcp-syn", e6(tcp(IP6_A, IP6_B, 40010, 443, 77, 0, SYN,
          options=SYN_OPTS), 6, fl=0x12345, tc=0xb8), t6)
    c.add("ip6-udp", e6(udp(IP6_A, IP6_B, 5999, 5999, DATA[:10]), 17),
          [E, I6, "UDP"])
    c.add("ip6-echo", e6(icmp6(IP6_A, IP6_B, 128, 0,
          struct.pack("!HH", 0x55, 1) + DATA[:16]), 58), [E, I6, "ICMPv6"])
    snm = bytes.fromhex("ff0200000000000000000001ff000002")
    ns = struct.pack("!I", 0) + IP6_B + bytes([1, 1]) + MAC_A
    c.add("ip6-ns", e6(icmp6(IP6_A, snm, 135, 0, ns), 58, dst=snm,
          dmac=bytes.fromhex("3333ff000002"), hlim=255),
          [E, I6, "ICMPv6", T_NS])
    # hop-by-hop with a router alert and padding, then UDP
    hbh = bytes([17, 0, 5, 2, 0, 0, 1, 0])
    c.add("ip6-hbh-udp", e6(hbh + udp(IP6_A, IP6_B, 546, 547, b"hbh"), 0),
          [E, I6, HBH, "UDP"])
    fh_first = struct.pack("!BBHI", 17, 0, 0 << 3 | 1, 0xabcd)
    c.add("ip6-frag-first", e6(fh_first + udp(IP6_A, IP6_B, 6000, 6001,
          DATA[:16], length=8 + 64), 44), [E, I6, FRAG, "UDP"])
    fh_next = struct.pack("!BBHI", 17, 0, 3 << 3, 0xabcd)
    c.add("ip6-frag-next", e6(fh_next + DATA[:40], 44), [E, I6, FRAG])
    # hop-by-hop, destination options (16 bytes), first fragment, TCP
    dst16 = bytes([44, 1, 1, 12]) + b"\0" * 12
    chain = (bytes([60, 0, 1, 4, 0, 0, 0, 0]) + dst16 +
             struct.pack("!BBHI", 6, 0, 1, 0x77) +
             tcp(IP6_A, IP6_B, 40011, 80, 5, 0, SYN))
    c.add("ip6-chain-tcp", e6(chain, 0), [E, I6, HBH, FRAG, "TCP"])
    c.add("ip6-nonext", e6(b"", 59), [E, I6])

    # what we do not decode: counted as unknown on the enclosing layer
    c.add("ether-unknown", ether(MAC_B, MAC_A, 0x88b5, b"local"), [E],
          unknown=E)
    llc = bytes([0x42, 0x42, 0x03]) + b"\0" * 35
    c.add("ether-8023", ether(bytes.fromhex("0180c2000000"), MAC_A,
          len(llc), llc), [E], unknown=E)
    c.add("ipv4-gre", e4(struct.pack("!HH", 0, 0x0800) + b"\0" * 20, 47),
          [E, I4], unknown=I4)
    c.add("ip6-sctp", e6(bytes([132, 0, 1, 4, 0, 0, 0, 0]) + b"\0" * 12,
          60), [E, I6], unknown=I6)

    # cut by the snap length inside every header
    tdata = e4(tcp(IP_A, IP_B, 40000, 8080, 1, 1, ACK, options=SYN_OPTS,
                   payload=DATA), 6)
    c.add("cut-ether", tdata, [], error=(E, "truncated"), snap=10)
    c.add("cut-arp", ether(MAC_BCAST, MAC_A, 0x0806,
          arp(1, MAC_A, IP_A, b"\0" * 6, IP_B)), [E],
          error=(A, "truncated"), snap=14 + 20)
    c.add("cut-ipv4", tdata, [E], error=(I4, "truncated"), snap=14 + 12)
    c.add("cut-ipv4-options", e4(udp(IP_A, IP_B, 1, 2, b""), 17,
          options=b"\x01" * 8), [E], error=(I4, "truncated"),
          snap=14 + 24)
    c.add("cut-tcp", tdata, [E, I4], error=("TCP", "truncated"),
          snap=14 + 20 + 10)
    c.add("cut-tcp-options", tdata, [E, I4], error=("TCP", "truncated"),
          snap=14 + 20 + 30)
    c.add("cut-udp", e4(udp(IP_A, IP_B, 1, 2, DATA), 17), [E, I4],
          error=("UDP", "truncated"), snap=14 + 20 + 5)
    c.add("cut-icmp", e4(icmp4(8, 0, b"\0\1\0\1", DATA), 1), [E, I4],
          error=("ICMPv4", "truncated"), snap=14 + 20 + 6)
    c.add("cut-ipv6", e6(udp(IP6_A, IP6_B, 1, 2, DATA), 17), [E],
          error=(I6, "truncated"), snap=14 + 30)
    c.add("cut-ip6-hbh", e6(bytes([17, 1]) + b"\1\0" * 7 +
          udp(IP6_A, IP6_B, 1, 2, DATA), 0), [E, I6],
          error=(HBH, "truncated"), snap=14 + 40 + 12)
    c.add("cut-ip6-frag", e6(fh_first + udp(IP6_A, IP6_B, 1, 2, DATA), 44),
          [E, I6], error=(FRAG, "truncated"), snap=14 + 40 + 6)
    c.add("cut-icmp6", e6(icmp6(IP6_A, IP6_B, 128, 0, b"\0" * 8), 58),
          [E, I6], error=("ICMPv6", "truncated"), snap=14 + 40 + 3)
    c.add("cut-ip6-tcp", e6(tcp(IP6_A, IP6_B, 1, 2, 3, 4, SYN), 6),
          [E, I6], error=("TCP", "truncated"), snap=14 + 40 + 19)

    # bogus lengths and versions in complete frames
    c.add("bad-ihl", e4(udp(IP_A, IP_B, 1, 2, b"x"), 17, ihl=4), [E],
          error=(I4, "bogus"))
    c.add("bad-totlen", e4(udp(IP_A, IP_B, 1, 2, b"x"), 17, tot=10), [E],
          error=(I4, "bogus"))
    c.add("bad-version", e4(udp(IP_A, IP_B, 1, 2, b"x"), 17, version=5),
          [E], error=(I4, "bogus"))
    c.add("bad-tcp-doff", e4(tcp(IP_A, IP_B, 1, 2, 3, 4, ACK, doff=3), 6),
          [E, I4], error=("TCP", "bogus"))
    # data offset 15: 60 bytes of header in a 20-byte segment
    c.add("bad-tcp-doff-long", e4(tcp(IP_A, IP_B, 1, 2, 3, 4, ACK,
          doff=15), 6, ident=0x3333), [E, I4], error=("TCP", "truncated"))
    # total length ends inside the TCP header; the rest is padding
    c.add("bad-tcp-past-totlen", e4(tcp(IP_A, IP_B, 1, 2, 3, 4, ACK), 6,
          tot=20 + 10), [E, I4], error=("TCP", "truncated"))
    # total length past the frame: decoded up to the end of the capture
    c.add("long-totlen", e4(udp(IP_A, IP_B, 7, 7, b"long"), 17, tot=1000),
          [E, I4, "UDP"])
    # a UDP length below the header's own
    c.add("bad-udp-len", e4(udp(IP_A, IP_B, 1, 2, b"abcd", length=4), 17),
          [E, I4], error=("UDP", "bogus"))

    # added later: new frames go at the end, as tshark-differences.txt
    # names frames by number
    # addresses as long as the header says: 16-byte protocol addresses
    odd = (struct.pack("!HHBBH", 1, 0x86dd, 6, 16, 1) + MAC_A + IP6_A +
           b"\0" * 6 + IP6_B)
    c.add("arp-odd-sizes", ether(MAC_BCAST, MAC_A, 0x0806, odd), [E, A])
    atmarp = struct.pack("!HHBBH", 19, 0x0800, 0, 0, 1) + b"\0" * 20
    c.add("arp-atm", ether(MAC_BCAST, MAC_A, 0x0806, atmarp), [E],
          unknown=E)
    # the reserved bits count as flags too
    c.add("tcp-reserved", e4(tcp(IP_A, IP_B, 40004, 8080, 1, 1,
          0xe00 | ACK), 6), t4)
    # RFC 8335 extended echo: 16-bit id, 8-bit seq, then the L bit
    c.add("icmp-xecho", e4(icmp4(42, 0, struct.pack("!HBB", 0x0102, 5, 1),
          struct.pack("!HxxHBB", 0x2000, 8, 2, 1) + IP_B), 1),
          [E, I4, "ICMPv4"])
    return c


def raw_capture():
    c = Capture("decode-raw", LT_RAW)
    c.add("raw-udp", ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B, 1230, 1230,
          b"\0" * 48)), ["IPv4", "UDP"])
    c.add("raw-ip6-echo", ipv6(IP6_B, IP6_A, 58, icmp6(IP6_B, IP6_A, 129, 0,
          struct.pack("!HH", 0x55, 1))), ["IPv6", "ICMPv6"])
    # version 0: neither IPv4 nor IPv6, nothing to blame
    c.add("raw-noversion", b"\x00" * 20, [])
    c.add("raw-cut", ipv4(IP_A, IP_B, 1, icmp4(8, 0, b"\0\0\0\0")), [],
          error=("IPv4", "truncated"), snap=10)
    return c


def null_capture():
    c = Capture("decode-null", LT_NULL)
    # the sender's byte order: little-endian AF_INET, then big-endian
    # AF_INET6 of OpenBSD (24) and of macOS (30)
    c.add("null-icmp", struct.pack("<I", 2) + ipv4(IP_A, IP_B, 1,
          icmp4(8, 0, struct.pack("!HH", 9, 9))), ["IPv4", "ICMPv4"])
    c.add("null-ip6-udp", struct.pack("<I", 24) + ipv6(IP6_A, IP6_B, 17,
          udp(IP6_A, IP6_B, 1, 2, b"")), ["IPv6", "UDP"])
    c.add("null-ip6-tcp", struct.pack(">I", 30) + ipv6(IP6_A, IP6_B, 6,
          tcp(IP6_A, IP6_B, 1, 2, 3, 0, SYN)), ["IPv6", "TCP"])
    c.add("null-unknown-af", struct.pack("<I", 7) + b"\0" * 20, [])
    return c


def loop_capture():
    c = Capture("decode-loop", LT_LOOP)
    c.add("loop-udp", struct.pack(">I", 2) + ipv4(IP_A, IP_B, 17,
          udp(IP_A, IP_B, 1, 2, b"lo")), ["IPv4", "UDP"])
    c.add("loop-ip6-echo", struct.pack(">I", 24) + ipv6(IP6_A, IP6_B, 58,
          icmp6(IP6_A, IP6_B, 128, 0, b"\0\1\0\1")), ["IPv6", "ICMPv6"])
    return c


def ipv4_capture():
    c = Capture("decode-ipv4", LT_IPV4)
    c.add("ipv4-udp", ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B, 1, 2, b"")),
          ["IPv4", "UDP"])
    return c


def ipv6_capture():
    c = Capture("decode-ipv6", LT_IPV6)
    c.add("ipv6-tcp", ipv6(IP6_A, IP6_B, 6, tcp(IP6_A, IP6_B, 1, 2, 3, 4,
          ACK)), ["IPv6", "TCP"])
    return c


def sll(proto, payload, hatype=1, pkttype=0):
    """Linux cooked capture v1: packet type, ARPHRD type, address
    length, 8 address bytes, protocol."""
    return struct.pack("!HHH8sH", pkttype, hatype, 6, MAC_A + b"\0\0",
                       proto) + payload


def sll2(proto, payload, hatype=1, pkttype=4, ifindex=2):
    """v2: protocol, reserved, interface index, ARPHRD type, packet
    type, address length, 8 address bytes."""
    return struct.pack("!HHIHBB8s", proto, 0, ifindex, hatype, pkttype, 6,
                       MAC_B + b"\0\0") + payload


def vlan(tci_pcp, dei, vid, etype, payload):
    return struct.pack("!HH", tci_pcp << 13 | dei << 12 | vid,
                       etype) + payload


def igmp(typ, mrt, group, rest=b""):
    m = struct.pack("!BBH4s", typ, mrt, 0, group) + rest
    return m[:2] + struct.pack("!H", cksum(m)) + m[4:]


def ndopt(typ, body):
    """an ND option: its length in 8-byte units, body padded to fit"""
    n = (2 + len(body) + 7) // 8
    return bytes([typ, n]) + body + b"\0" * (n * 8 - 2 - len(body))


def pfx_opt(prefix, plen, flags=0xc0, valid=86400, pref=14400):
    return bytes([3, 4, plen, flags]) + struct.pack("!III", valid, pref,
                                                    0) + prefix


ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
ALL_ROUTERS = bytes.fromhex("ff020000000000000000000000000002")
LL_A = bytes.fromhex("fe800000000000000000000000000001")
LL_B = bytes.fromhex("fe800000000000000000000000000002")
ZERO6 = b"\0" * 16
PFX1 = bytes.fromhex("fd000001000000000000000000000000")
PFX2 = bytes.fromhex("20010db8000100000000000000000000")


def sll_capture():
    """Linux cooked capture v1 (capturing on "any")."""
    c = Capture("decode-sll", LT_SLL)
    c.add("sll-ipv4", struct.pack("!HHH8sH", 0, 1, 6, MAC_A + b"\0\0",
          0x0800) + ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B, 1, 2, b"")),
          ["IPv4", "UDP"])
    c.add("sll-ipv6-tcp", sll(0x86dd, ipv6(IP6_A, IP6_B, 6, tcp(IP6_A, IP6_B,
          40020, 22, 1, 0, SYN)), pkttype=4), ["IPv6", "TCP"])
    c.add("sll-arp", sll(0x0806, arp(1, MAC_A, IP_A, b"\0" * 6, IP_B)),
          ["ARP"])
    c.add("sll-vlan", sll(0x8100, vlan(3, 0, 42, 0x0800, ipv4(IP_A, IP_B,
          17, udp(IP_A, IP_B, 7000, 7001, b"vlan")))),
          ["Dot1Q", "IPv4", "UDP"])
    c.add("sll-igmp", sll(0x0800, ipv4(IP_A, bytes([224, 0, 0, 22]), 2,
          igmp(0x16, 0, bytes([239, 1, 2, 3])), ttl=1)), ["IPv4", "IGMP"])
    # ETH_P_802_2: an LLC frame follows, no ethertype
    c.add("sll-llc", sll(0x0004, bytes([0x42, 0x42, 0x03]) + b"\0" * 35),
          [])
    # ARPHRD_NETLINK: the protocol is a netlink family
    c.add("sll-netlink", sll(0x0000, b"\x14\0\0\0" + b"\0" * 16,
          hatype=824), [])
    # an ethertype nobody decodes: nothing to count it against
    c.add("sll-unknown", sll(0x88b5, b"local"), [])
    c.add("cut-sll", sll(0x0800, ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B, 1, 2,
          b""))), [], snap=10)
    c.add("cut-sll-ipv4", sll(0x0800, ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B,
          1, 2, b""))), [], error=("IPv4", "truncated"), snap=16 + 12)
    return c


def sll2_capture():
    """Linux cooked capture v2."""
    c = Capture("decode-sll2", LT_SLL2)
    c.add("sll2-ipv4", sll2(0x0800, ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B,
          7100, 7101, b"two"))), ["IPv4", "UDP"])
    ra = struct.pack("!BBHII", 64, 0, 1800, 0, 0) + ndopt(1, MAC_B) + \
        pfx_opt(PFX1, 64)
    c.add("sll2-ra", sll2(0x86dd, ipv6(LL_B, ALL_NODES, 58,
          icmp6(LL_B, ALL_NODES, 134, 0, ra), hlim=255), pkttype=0),
          ["IPv6", "ICMPv6", T_RA])
    c.add("sll2-arp", sll2(0x0806, arp(2, MAC_B, IP_B, MAC_A, IP_A)),
          ["ARP"])
    c.add("sll2-qinq", sll2(0x88a8, vlan(0, 0, 10, 0x8100, vlan(0, 0, 20,
          0x86dd, ipv6(IP6_A, IP6_B, 17, udp(IP6_A, IP6_B, 7200, 7201,
                                              b"qq"))))),
          ["Dot1Q", "Dot1Q", "IPv6", "UDP"])
    c.add("sll2-netlink", sll2(0x0000, b"\x14\0\0\0" + b"\0" * 16,
          hatype=824), [])
    c.add("cut-sll2", sll2(0x0800, ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B, 1,
          2, b""))), [], snap=18)
    return c


def unknown_linktype_capture():
    """A link type the decoder refuses: reported once, counted."""
    c = Capture("decode-user0", LT_USER0, decoded=False)
    c.add("user0", b"\0" * 20, [])
    return c


def net_capture():
    """VLAN tags, IPv6 extension headers, neighbour discovery, IGMP."""
    c = Capture("decode-net", LT_EN10MB)
    E, V, I4, I6, I6C = "Ethernet", "Dot1Q", "IPv4", "IPv6", "ICMPv6"

    # 802.1Q: priority 5, drop eligible, VLAN 100
    c.add("vlan-udp", ether(MAC_B, MAC_A, 0x8100, vlan(5, 1, 100, 0x0800,
          ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B, 7300, 7301, b"tagged")))),
          [E, V, I4, "UDP"])
    # 802.1ad outer tag, 802.1Q inner tag
    c.add("qinq-tcp", ether(MAC_B, MAC_A, 0x88a8, vlan(1, 0, 200, 0x8100,
          vlan(6, 0, 300, 0x86dd, ipv6(IP6_A, IP6_B, 6, tcp(IP6_A, IP6_B,
                                                            40030, 22, 9, 0,
                                                            SYN))))),
          [E, V, V, I6, "TCP"])
    # the old QinQ ethertype, carrying ARP
    c.add("vlan9100-arp", ether(MAC_BCAST, MAC_A, 0x9100, vlan(0, 0, 4094,
          0x0806, arp(1, MAC_A, IP_A, b"\0" * 6, IP_B))), [E, V, "ARP"])
    c.add("vlan-unknown", ether(MAC_B, MAC_A, 0x8100, vlan(0, 0, 7, 0x88b5,
          b"local")), [E, V], unknown=V)
    c.add("vlan-vid0", ether(MAC_B, MAC_A, 0x8100, vlan(7, 0, 0, 0x0800,
          ipv4(IP_A, IP_B, 1, icmp4(8, 0, struct.pack("!HH", 3, 4))))),
          [E, V, I4, "ICMPv4"])
    c.add("cut-vlan", ether(MAC_B, MAC_A, 0x8100, vlan(0, 0, 5, 0x0800,
          ipv4(IP_A, IP_B, 17, udp(IP_A, IP_B, 1, 2, b"")))), [E],
          error=(V, "truncated"), snap=14 + 3)
    c.add("cut-qinq-inner", ether(MAC_B, MAC_A, 0x88a8, vlan(0, 0, 5,
          0x8100, vlan(0, 0, 6, 0x0800, ipv4(IP_A, IP_B, 17,
                                              udp(IP_A, IP_B, 1, 2, b""))))),
          [E, V], error=(V, "truncated"), snap=14 + 4 + 2)

    # IGMP: v1 report, v2 query, report and leave (with the router
    # alert option), v3 query and report
    ra_opt = bytes([0x94, 4, 0, 0])
    g1 = bytes([239, 1, 1, 1])
    c.add("igmp-v1-report", e4(igmp(0x12, 0, bytes([224, 1, 2, 3])), 2,
          ttl=1), [E, I4, "IGMP"])
    c.add("igmp-v2-query", ether(MAC_B, MAC_A, 0x0800, ipv4(IP_A,
          bytes([224, 0, 0, 1]), 2, igmp(0x11, 100, b"\0" * 4), ttl=1,
          options=ra_opt)), [E, I4, "IGMP"])
    c.add("igmp-v2-report", ether(MAC_B, MAC_A, 0x0800, ipv4(IP_A, g1, 2,
          igmp(0x16, 0, g1), ttl=1, options=ra_opt)), [E, I4, "IGMP"])
    c.add("igmp-v2-leave", ether(MAC_B, MAC_A, 0x0800, ipv4(IP_A,
          bytes([224, 0, 0, 2]), 2, igmp(0x17, 0, g1), ttl=1,
          options=ra_opt)), [E, I4, "IGMP"])
    g2 = bytes([239, 2, 2, 2])
    c.add("igmp-v3-query", ether(MAC_B, MAC_A, 0x0800, ipv4(IP_A, g2, 2,
          igmp(0x11, 0x64, g2, struct.pack("!BBH4s", 2, 125, 1, IP_B)),
          ttl=1, options=ra_opt)), [E, I4, "IGMP"])
    # one record: change to exclude mode, no sources, group 239.3.3.3
    rec = struct.pack("!BBH4s", 4, 0, 0, bytes([239, 3, 3, 3]))
    c.add("igmp-v3-report", ether(MAC_B, MAC_A, 0x0800, ipv4(IP_A,
          bytes([224, 0, 0, 22]), 2, igmp(0x22, 0, struct.pack("!HH", 0, 1),
                                          rec), ttl=1, options=ra_opt)),
          [E, I4, "IGMP"])
    c.add("cut-igmp", e4(igmp(0x16, 0, g1), 2, ttl=1), [E, I4],
          error=("IGMP", "truncated"), snap=14 + 20 + 5)

    # IPv6 hop-by-hop (router alert) before an MLDv2 report, which has
    # no record of its own; fragments
    mld = icmp6(LL_A, bytes.fromhex("ff020000000000000000000000000016"),
                143, 0, struct.pack("!HH", 0, 1) +
                struct.pack("!BBH16s", 4, 0, 0, bytes.fromhex(
                    "ff050000000000000000000000010003")))
    c.add("hbh-mld", e6(bytes([58, 0, 5, 2, 0, 0, 1, 0]) + mld, 0,
          src=LL_A, dst=bytes.fromhex("ff020000000000000000000000000016"),
          dmac=bytes.fromhex("333300000016"), hlim=1),
          [E, I6, HBH, I6C])
    # 24 bytes of hop-by-hop options (a PadN), then the echo
    hbh24 = bytes([58, 2, 1, 20]) + b"\0" * 20
    c.add("hbh-long-echo", e6(hbh24 + icmp6(IP6_A, IP6_B, 128, 0,
          b"\0\1\0\2"), 0), [E, I6, HBH, I6C])
    # an atomic fragment (offset 0, no more fragments)
    c.add("frag-atomic", e6(struct.pack("!BBHI", 17, 0, 0, 0x01020304) +
          udp(IP6_A, IP6_B, 7400, 7401, b"atom"), 44), [E, I6, FRAG, "UDP"])
    c.add("frag-middle", e6(struct.pack("!BBHI", 6, 0, 185 << 3 | 1,
          0xfedcba98) + DATA[:32], 44), [E, I6, FRAG])
    c.add("cut-frag-short", e6(struct.pack("!BBHI", 17, 0, 1, 5) +
          udp(IP6_A, IP6_B, 1, 2, DATA), 44), [E, I6],
          error=(FRAG, "truncated"), snap=14 + 40 + 7)
    c.add("cut-hbh-len", e6(bytes([17, 0]), 0), [E, I6],
          error=(HBH, "truncated"))

    # neighbour discovery
    rsm = icmp6(LL_A, ALL_ROUTERS, 133, 0, b"\0" * 4 + ndopt(1, MAC_A))
    c.add("nd-rs", e6(rsm, 58, src=LL_A, dst=ALL_ROUTERS,
          dmac=bytes.fromhex("333300000002"), hlim=255),
          [E, I6, I6C, T_RS])
    c.add("nd-rs-noopt", e6(icmp6(ZERO6, ALL_ROUTERS, 133, 0, b"\0" * 4), 58,
          src=ZERO6, dst=ALL_ROUTERS, dmac=bytes.fromhex("333300000002"),
          hlim=255), [E, I6, I6C, T_RS])
    # M, O, high preference; source link-layer address, MTU, two
    # prefixes, RDNSS
    rabody = (struct.pack("!BBHII", 64, 0xc8, 1800, 30000, 1000) +
              ndopt(1, MAC_B) + ndopt(5, struct.pack("!HI", 0, 1500)) +
              pfx_opt(PFX1, 64) + pfx_opt(PFX2, 48, flags=0x80) +
              ndopt(25, struct.pack("!HI", 0, 600) + IP6_B))
    c.add("nd-ra", e6(icmp6(LL_B, ALL_NODES, 134, 0, rabody), 58, src=LL_B,
          dst=ALL_NODES, dmac=bytes.fromhex("333300000001"), hlim=255),
          [E, I6, I6C, T_RA])
    c.add("nd-ra-bare", e6(icmp6(LL_B, ALL_NODES, 134, 0,
          struct.pack("!BBHII", 0, 0, 0, 0, 0)), 58, src=LL_B,
          dst=ALL_NODES, hlim=255), [E, I6, I6C, T_RA])
    # duplicate address detection: from ::, no source address option
    tgt = bytes.fromhex("fd000001000000000000000000000009")
    snm9 = bytes.fromhex("ff0200000000000000000001ff000009")
    c.add("nd-ns-dad", e6(icmp6(ZERO6, snm9, 135, 0, b"\0" * 4 + tgt), 58,
          src=ZERO6, dst=snm9, dmac=bytes.fromhex("3333ff000009"),
          hlim=255), [E, I6, I6C, T_NS])
    # solicited, override; target link-layer address
    c.add("nd-na", e6(icmp6(IP6_B, IP6_A, 136, 0, struct.pack("!I",
          0x60000000) + IP6_B + ndopt(2, MAC_B)), 58, src=IP6_B, dst=IP6_A,
          dmac=MAC_A, hlim=255), [E, I6, I6C, T_NA])
    # a router's unsolicited advertisement, all three flags
    c.add("nd-na-router", e6(icmp6(LL_B, ALL_NODES, 136, 0, struct.pack(
          "!I", 0xe0000000) + LL_B), 58, src=LL_B, dst=ALL_NODES,
          hlim=255), [E, I6, I6C, T_NA])
    # an option of length 0 is invalid: the message is bogus
    c.add("nd-optlen0", e6(icmp6(IP6_A, IP6_B, 135, 0, b"\0" * 4 + IP6_B +
          bytes([1, 0]) + MAC_A), 58, hlim=255), [E, I6, I6C],
          error=(T_NS, "bogus"))
    c.add("nd-ra-optlen0", e6(icmp6(LL_B, ALL_NODES, 134, 0,
          struct.pack("!BBHII", 64, 0, 1800, 0, 0) + ndopt(1, MAC_B) +
          bytes([3, 0]) + b"\0" * 6), 58, src=LL_B, dst=ALL_NODES,
          hlim=255), [E, I6, I6C], error=(T_RA, "bogus"))
    # an option running past the end of the message
    c.add("nd-ns-optlong", e6(icmp6(IP6_A, IP6_B, 135, 0, b"\0" * 4 +
          IP6_B + bytes([1, 2]) + MAC_A), 58, hlim=255), [E, I6, I6C],
          error=(T_NS, "truncated"))
    # cut by the snap length: in the fixed part, in an option, and
    # between two options (the message is still incomplete)
    ram = e6(icmp6(LL_B, ALL_NODES, 134, 0, rabody), 58, src=LL_B,
             dst=ALL_NODES, hlim=255)
    cut_ra = (T_RA, "truncated")
    c.add("cut-nd-ra-fixed", ram, [E, I6, I6C], error=cut_ra,
          snap=14 + 40 + 10)
    c.add("cut-nd-ra-prefix", ram, [E, I6, I6C], error=cut_ra,
          snap=14 + 40 + 16 + 8 + 8 + 20)
    c.add("cut-nd-ra-between", ram, [E, I6, I6C], error=cut_ra,
          snap=14 + 40 + 16 + 8 + 8)
    c.add("cut-nd-na", e6(icmp6(IP6_B, IP6_A, 136, 0, struct.pack("!I",
          0x40000000) + IP6_B), 58), [E, I6, I6C],
          error=(T_NA, "truncated"), snap=14 + 40 + 20)
    # a longer link-layer address option (two units: 14 bytes)
    c.add("nd-ns-ll14", e6(icmp6(IP6_A, IP6_B, 135, 0, b"\0" * 4 + IP6_B +
          ndopt(1, bytes(range(1, 15)))), 58, hlim=255),
          [E, I6, I6C, T_NS])
    # other ICMPv6 types have no record of their own and are no unknown
    c.add("icmp6-redirect", e6(icmp6(LL_B, LL_A, 137, 0, b"\0" * 4 + IP6_B +
          IP6_A), 58, src=LL_B, dst=LL_A, hlim=255), [E, I6, I6C])
    # DVMRP (IGMP type 0x13) shares IP protocol 2: not group membership
    c.add("igmp-dvmrp", e4(igmp(0x13, 0, bytes([0, 0, 0x0b, 0x0f])), 2,
          ttl=1), [E, I4], unknown=I4)
    return c


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    for cap in (ethernet_capture(), raw_capture(), null_capture(),
                loop_capture(), ipv4_capture(), ipv6_capture(),
                sll_capture(), sll2_capture(), unknown_linktype_capture(),
                net_capture()):
        counts = cap.write(outdir)
        print("%s.pcap: %d frames" % (cap.name, len(cap.frames)))
        for t in TYPES:
            k = counts[t]
            if any(k.values()):
                print("  %-27s records %3d errors %2d truncated %2d "
                      "unknown %2d" % (t, k["records"], k["errors"],
                                       k["truncated"], k["unknown"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
