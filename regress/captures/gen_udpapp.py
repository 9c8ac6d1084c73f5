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

"""Write the captures of the UDP applications (DNS, DHCPv4, NTP):
udpapp-*.pcap, and for each an udpapp-*.expect that
regress/unit/t_udpapp.c reads:

  frame N LABEL APPTYPE|- ERROR|- WHOLE

APPTYPE is the application record the frame yields (DNS, DHCPv4,
NTP) or "-", ERROR what the frame counts against that type: "trunc"
(errors and truncated), "bad" (errors) or "unknown" (UDP unknown).
WHOLE is the shortest captured length that yields the record (the
frame to the end of its IP packet, unless the message ends earlier).
A frame labelled "cut-LABEL-N" is frame LABEL captured to N bytes.

Deterministic: fixed timestamps, addresses and payloads.
"""

import os
import struct
import sys

from pcapgen import cksum, pcap_header, pcap_record

TS_SEC = 1700000000

MAC_C = bytes.fromhex("020000000011")		# client
MAC_S = bytes.fromhex("020000000022")		# server
MAC_BCAST = b"\xff" * 6
IP_C = bytes([10, 9, 0, 2])
IP_S = bytes([10, 9, 0, 53])
IP_ZERO = bytes(4)
IP_BCAST = bytes([255] * 4)
IP6_C = bytes.fromhex("fd000009000000000000000000000002")
IP6_S = bytes.fromhex("fd000009000000000000000000000053")
MDNS4 = bytes([224, 0, 0, 251])
MDNS_MAC = bytes.fromhex("01005e0000fb")



def ip_frame(src, dst, proto, seg, dmac=MAC_S, smac=MAC_C):
    if len(src) == 4:
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000,
                        64, proto, 0, src, dst)
        h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
        et = 0x0800
        ph = src + dst + struct.pack("!BBH", 0, proto, len(seg))
    else:
        h = struct.pack("!IHBB16s16s", 6 << 28, len(seg), proto, 64, src,
                        dst)
        et = 0x86dd
        ph = src + dst + struct.pack("!IxxxB", len(seg), proto)
    off = 6 if proto == 17 else 16
    c = cksum(ph + seg)
    if proto == 17 and c == 0:
        c = 0xffff
    seg = seg[:off] + struct.pack("!H", c) + seg[off + 2:]
    f = dmac + smac + struct.pack("!H", et) + h + seg
    return f + b"\0" * max(0, 60 - len(f))


def udp(src, dst, sport, dport, payload, **kw):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return ip_frame(src, dst, 17, seg, **kw)


def tcp(src, dst, sport, dport, payload, seq=1000, ack=2000, **kw):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, 0x18,
                      65535, 0, 0) + payload
    return ip_frame(src, dst, 6, seg, **kw)


# DNS ------------------------------------------------------------------

def name(n):
    """a name in wire form, no compression; n ends without a dot"""
    if n in ("", "."):
        return b"\0"
    out = b""
    for lab in n.split("."):
        b = lab.encode()
        out += bytes([len(b)]) + b
    return out + b"\0"


def ptr(off):
    return struct.pack("!H", 0xc000 | off)


def dnshdr(ident, flags, qd, an, ns, ar):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def question(nm, qtype, qclass=1):
    return (nm if isinstance(nm, bytes) else name(nm)) + \
        struct.pack("!HH", qtype, qclass)


def rr(nm, rtype, rdata, ttl=300, rclass=1):
    return (nm if isinstance(nm, bytes) else name(nm)) + \
        struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


A, NS, CNAME, SOA, PTR, MX, TXT, AAAA, OPT = 1, 2, 5, 6, 12, 15, 16, 28, 41
QR, AA, TC, RD, RA = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080
OPT_RR = rr(b"\0", OPT, b"", ttl=0, rclass=1232)


def soa_rdata(mname, rname, serial, refresh, retry, expire, minimum):
    return name(mname) + name(rname) + struct.pack(
        "!IIIII", serial, refresh, retry, expire, minimum)


def dns_query(ident, qname, qtype, opt=True):
    return dnshdr(ident, RD, 1, 0, 0, 1 if opt else 0) + \
        question(qname, qtype) + (OPT_RR if opt else b"")


def cname_response():
    """www.example.com: a CNAME chain to two addresses, with NS in the
    authority and OPT in the additional section, names compressed"""
    h = dnshdr(0x1234, QR | RD | RA, 1, 4, 1, 1)
    q = question("www.example.com", A)
    # offsets: header 12, "www" at 12, "example" at 16, "com" at 24
    www, example = ptr(12), ptr(16)
    web = b"\x03web" + example			# web.example.com
    body = h + q
    a1 = rr(www, CNAME, web)
    web_off = len(body) + len(a1) - len(web)	# where "web" starts
    body += a1
    cdn = b"\x03cdn\x07example\x03net\x00"
    a2 = rr(ptr(web_off), CNAME, cdn)
    cdn_off = len(body) + len(a2) - len(cdn)
    body += a2
    body += rr(ptr(cdn_off), A, bytes([192, 0, 2, 10]), ttl=60)
    body += rr(ptr(cdn_off), A, bytes([192, 0, 2, 11]), ttl=60)
    body += rr(example, NS, b"\x03ns1" + example, ttl=86400)
    body += OPT_RR
    return body


def aaaa_response():
    h = dnshdr(0x2222, QR | RD | RA, 1, 1, 0, 0)
    return h + question("v6.example.org", AAAA) + rr(
        ptr(12), AAAA, bytes.fromhex("20010db8000000000000000000000001"))


def mx_response():
    h = dnshdr(0x3333, QR | RD | RA, 1, 2, 0, 0)
    return h + question("example.com", MX) + \
        rr(ptr(12), MX, struct.pack("!H", 10) + b"\x04mail" + ptr(12)) + \
        rr(ptr(12), MX, struct.pack("!H", 20) + name("backup.example.net"))


def txt_response():
    h = dnshdr(0x4444, QR | RD | RA | AA, 1, 1, 0, 0)
    strings = [b"v=spf1 -all", b'say "hi" \\ there', b"\x01bin"]
    rdata = b"".join(bytes([len(s)]) + s for s in strings)
    return h + question("txt.example.com", TXT) + rr(ptr(12), TXT, rdata)


def nxdomain_response():
    h = dnshdr(0x5555, QR | RD | RA | 3, 1, 0, 1, 1)
    return h + question("nope.example.com", A) + rr(
        ptr(17), SOA, b"\x02ns" + ptr(17) + b"\x0ahostmaster" + ptr(17) +
        struct.pack("!IIIII", 2023111401, 7200, 3600, 1209600, 300),
        ttl=300) + OPT_RR


def ptr_response():
    h = dnshdr(0x6666, QR | RD | RA, 1, 1, 0, 0)
    return h + question("10.2.0.192.in-addr.arpa", PTR) + \
        rr(ptr(12), PTR, name("host.example.com"))


def unknown_type_response():
    """a type without a text form (HINFO, 13) and an A whose rdata is
    not 4 bytes: both as hex"""
    h = dnshdr(0x7777, QR | RD | RA, 1, 2, 0, 0)
    return h + question("odd.example.com", 13) + \
        rr(ptr(12), 13, b"\x03x86\x05linux") + \
        rr(ptr(12), A, b"\x01\x02\x03")


def escaped_response():
    """labels holding a dot, a space, a backslash and a byte 0xff"""
    h = dnshdr(0x8888, QR, 1, 0, 0, 0)
    return h + question(b"\x03a.b\x06c d\\\x01\xff\x03com\x00", A)


def many_response():
    """70 answers: all are read, those that fit the record's budget
    (2048 bytes, 16 for each entry and its text) are kept"""
    h = dnshdr(0x9999, QR | RD | RA, 1, 70, 0, 0)
    body = h + question("many.example.com", A)
    for i in range(70):
        body += rr(ptr(12), A, bytes([198, 51, 100, i]))
    return body


def cap_response():
    """70 empty answers (type NULL, owner the root): 64 are kept"""
    h = dnshdr(0x9998, QR | RD | RA, 1, 70, 0, 0)
    body = h + question("cap.example", 10)
    for i in range(70):
        body += rr(b"\0", 10, b"", ttl=i)
    return body


def loop_message():
    """the question name is a pointer to itself"""
    return dnshdr(0xaaaa, RD, 1, 0, 0, 0) + ptr(12) + struct.pack("!HH", 1, 1)


def loop2_message():
    """a label, then a pointer back to that label: a loop whose every
    pointer points backwards"""
    return dnshdr(0xaaab, RD, 1, 0, 0, 0) + b"\x01a" + ptr(12) + \
        struct.pack("!HH", 1, 1)


def forward_message():
    """a pointer to a name after it"""
    return dnshdr(0xbbbb, QR, 1, 1, 0, 0) + question("fwd.example", A) + \
        rr(ptr(45), A, bytes(4)) + name("later.example")


def badlabel_message():
    """label type 0x40 (extended label, RFC 6891 made it obsolete)"""
    return dnshdr(0xcccc, RD, 1, 0, 0, 0) + b"\x41\x00" + \
        struct.pack("!HH", 1, 1)


def longname_message():
    """a name of 256 bytes on the wire: one too many"""
    n = b"".join(b"\x3f" + b"a" * 63 for _ in range(4)) + b"\0"
    return dnshdr(0xdddd, RD, 1, 0, 0, 0) + n + struct.pack("!HH", 1, 1)


def mdns_response():
    h = dnshdr(0, QR | AA, 0, 1, 0, 0)
    return h + rr("printer.local", A, bytes([10, 9, 0, 7]), ttl=120,
                  rclass=0x8001)


# DHCP -----------------------------------------------------------------

XID = 0x3903f326
DISCOVER, OFFER, REQUEST, ACK = 1, 2, 3, 5
PARAMS = bytes([1, 3, 6, 15, 28, 42, 119, 252])


def bootp(op, xid, ciaddr=IP_ZERO, yiaddr=IP_ZERO, siaddr=IP_ZERO,
          chaddr=MAC_C, options=None, flags=0x8000):
    h = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, xid, 0,
                    flags, ciaddr, yiaddr, siaddr, IP_ZERO, chaddr,
                    b"", b"")
    if options is None:
        return h
    return h + struct.pack("!I", 0x63825363) + options


def opt(code, data):
    return bytes([code, len(data)]) + data


def dhcp_client(mtype, reqip=None):
    o = opt(53, bytes([mtype])) + opt(61, b"\x01" + MAC_C)
    if reqip:
        o += opt(50, reqip)
    o += opt(12, b"iot-cam-7") + opt(55, PARAMS) + b"\xff"
    return o


def dhcp_server(mtype):
    return (opt(53, bytes([mtype])) + opt(54, IP_S) +
            opt(51, struct.pack("!I", 3600)) +
            opt(1, bytes([255, 255, 255, 0])) + opt(3, IP_S) + b"\xff")


# NTP ------------------------------------------------------------------

NTP_T = (1700000000 + 2208988800) << 32 | 0x80000000


def ntp(li, vn, mode, stratum, poll, prec, refid, xmt):
    return struct.pack("!BBbbII4sQQQQ", li << 6 | vn << 3 | mode, stratum,
                       poll, prec, 0x00000123, 0x00000456, refid,
                       xmt - (1 << 32), xmt - (2 << 32), xmt - (1 << 31), xmt)


class Capture:
    def __init__(self, name):
        self.name = name
        self.frames = []

    def add(self, label, frame, app, err=None, snap=None, whole=None):
        assert label not in [f[0] for f in self.frames], label
        if whole is None:
            if frame[12:14] == b"\x08\x00":
                whole = 14 + struct.unpack("!H", frame[16:18])[0]
            else:
                whole = 54 + struct.unpack("!H", frame[18:20])[0]
        self.frames.append((label, frame, app, err, snap, whole))

    def cuts(self, label, frame, app, start):
        """the frame captured to every length from start on (the
        whole frame excluded): each yields nothing of app, and counts
        it truncated once app's first byte is there"""
        for n in range(start, len(frame)):
            self.add("cut-%s-%d" % (label, n), frame, "-",
                     (app, "trunc") if n > 42 else None, snap=n)

    def write(self, outdir):
        base = os.path.join(outdir, self.name)
        with open(base + ".pcap", "wb") as fp:
            fp.write(pcap_header(1))
            for i, (label, data, app, err, snap, _) in \
                    enumerate(self.frames):
                cap = data if snap is None else data[:snap]
                fp.write(pcap_record(TS_SEC + i, i * 1000, cap, len(data)))
        with open(base + ".expect", "w") as fp:
            fp.write("# generated by regress/captures/gen_udpapp.py\n")
            for i, (label, data, app, err, snap, whole) in \
                    enumerate(self.frames):
                e = "-"
                if err:
                    e = "%s:%s" % err
                fp.write("frame %d %s %s %s %d\n" % (i + 1, label, app, e,
                                                     whole))


def dns_capture():
    c = Capture("udpapp-dns")
    C, S = IP_C, IP_S
    c.add("q-a", udp(C, S, 40000, 53, dns_query(0x1234, "www.example.com",
                                                  A)), "DNS")
    c.add("r-cname", udp(S, C, 53, 40000, cname_response(),
                         dmac=MAC_C, smac=MAC_S), "DNS")
    c.add("q-aaaa", udp(IP6_C, IP6_S, 40001, 53,
                        dns_query(0x2222, "v6.example.org", AAAA, False)),
          "DNS")
    c.add("r-aaaa", udp(IP6_S, IP6_C, 53, 40001, aaaa_response(),
                        dmac=MAC_C, smac=MAC_S), "DNS")
    c.add("r-mx", udp(S, C, 53, 40002, mx_response()), "DNS")
    c.add("r-txt", udp(S, C, 53, 40003, txt_response()), "DNS")
    c.add("r-nxdomain", udp(S, C, 53, 40004, nxdomain_response()), "DNS")
    c.add("r-ptr", udp(S, C, 53, 40005, ptr_response()), "DNS")
    c.add("r-hex", udp(S, C, 53, 40006, unknown_type_response()), "DNS")
    c.add("r-escaped", udp(S, C, 53, 40007, escaped_response()), "DNS")
    c.add("r-many", udp(S, C, 53, 40008, many_response()), "DNS")
    c.add("mdns", udp(C, MDNS4, 5353, 5353, mdns_response(),
                      dmac=MDNS_MAC), "DNS")
    c.add("header-only", udp(C, S, 40009, 53, dnshdr(0x0101, 0, 0, 0, 0,
                                                     0)), "DNS")
    c.add("loop", udp(C, S, 40010, 53, loop_message()), "-", ("DNS", "bad"))
    c.add("loop2", udp(C, S, 40011, 53, loop2_message()), "-",
          ("DNS", "bad"))
    c.add("forward", udp(S, C, 53, 40012, forward_message()), "-",
          ("DNS", "bad"))
    c.add("badlabel", udp(C, S, 40013, 53, badlabel_message()), "-",
          ("DNS", "bad"))
    c.add("longname", udp(C, S, 40014, 53, longname_message()), "-",
          ("DNS", "bad"))
    c.add("short", udp(C, S, 40015, 53, b"\x01\x02\x03\x04\x05"), "-",
          ("DNS", "trunc"))
    c.add("count-past-end", udp(C, S, 40016, 53,
                                dnshdr(0x0202, 0, 1, 0, 0, 0)), "-",
          ("DNS", "trunc"))
    q = dns_query(0x0303, "tcp.example.com", A, False)
    r = cname_response()
    c.add("tcp-q", tcp(C, S, 40017, 53, struct.pack("!H", len(q)) + q,
                       seq=1000, ack=5000), "DNS")
    c.add("tcp-r", tcp(S, C, 53, 40017, struct.pack("!H", len(r)) + r,
                       seq=5000, ack=1002 + len(q), dmac=MAC_C,
                       smac=MAC_S), "DNS")
    c.add("tcp-short", tcp(C, S, 40018, 53, struct.pack("!H", 40) + q[:20]),
          "-", ("DNS", "trunc"))
    c.add("r-cap", udp(S, C, 53, 40019, cap_response()), "DNS")
    return c


def dns_cut_capture():
    c = Capture("udpapp-dns-cut")
    f = udp(IP_S, IP_C, 53, 40000, cname_response(), dmac=MAC_C,
            smac=MAC_S)
    c.add("r-cname", f, "DNS")
    c.cuts("r-cname", f, "DNS", 34)
    return c


def dhcp_capture():
    c = Capture("udpapp-dhcp")
    Z, B = IP_ZERO, IP_BCAST
    yi = bytes([10, 9, 0, 100])
    c.add("discover", udp(Z, B, 68, 67, bootp(1, XID, options=dhcp_client(
        DISCOVER)), dmac=MAC_BCAST), "DHCPv4")
    c.add("offer", udp(IP_S, B, 67, 68, bootp(2, XID, yiaddr=yi, siaddr=IP_S,
          options=dhcp_server(OFFER)), dmac=MAC_BCAST, smac=MAC_S),
          "DHCPv4")
    c.add("request", udp(Z, B, 68, 67, bootp(1, XID, options=dhcp_client(
        REQUEST, yi)), dmac=MAC_BCAST), "DHCPv4")
    c.add("ack", udp(IP_S, B, 67, 68, bootp(2, XID, yiaddr=yi, siaddr=IP_S,
          options=dhcp_server(ACK)), dmac=MAC_BCAST, smac=MAC_S), "DHCPv4")
    c.add("renew", udp(yi, IP_S, 68, 67, bootp(1, XID + 1, ciaddr=yi,
          options=dhcp_client(REQUEST) + b"\0" * 20, flags=0)), "DHCPv4",
          whole=42 + 240 + len(dhcp_client(REQUEST)))
    # without the cookie: no options, but the vendor area is there
    c.add("bootp", udp(Z, B, 68, 67, bootp(1, 0x01020304) + bytes(64),
                       dmac=MAC_BCAST), "DHCPv4", whole=42 + 240)
    c.add("no-end", udp(Z, B, 68, 67, bootp(1, XID, options=opt(
        53, b"\x01")), dmac=MAC_BCAST), "-", ("DHCPv4", "trunc"))
    c.add("opt-past-end", udp(Z, B, 68, 67, bootp(1, XID, options=opt(
        53, b"\x01") + b"\x0c\x10abc"), dmac=MAC_BCAST), "-",
        ("DHCPv4", "trunc"))
    c.add("short", udp(Z, B, 68, 67, bootp(1, XID)[:200], dmac=MAC_BCAST),
          "-", ("DHCPv4", "trunc"))
    return c


def dhcp_cut_capture():
    c = Capture("udpapp-dhcp-cut")
    f = udp(IP_ZERO, IP_BCAST, 68, 67, bootp(1, XID, options=dhcp_client(
        REQUEST, bytes([10, 9, 0, 100]))), dmac=MAC_BCAST)
    c.add("request", f, "DHCPv4")
    c.cuts("request", f, "DHCPv4", 34)
    return c


def ntp_capture():
    c = Capture("udpapp-ntp")
    c.add("client", udp(IP_C, IP_S, 123, 123, ntp(0, 4, 3, 0, 6, -20,
                                                    bytes(4), NTP_T)), "NTP")
    c.add("server", udp(IP_S, IP_C, 123, 123, ntp(0, 4, 4, 2, 6, -23,
          bytes([192, 0, 2, 1]), NTP_T + (1 << 32)), dmac=MAC_C,
          smac=MAC_S), "NTP")
    c.add("stratum1", udp(IP_S, IP_C, 123, 50123, ntp(0, 3, 4, 1, 10, -29,
          b"GPS\0", NTP_T + (2 << 32)), dmac=MAC_C, smac=MAC_S), "NTP")
    c.add("broadcast", udp(IP_S, IP_BCAST, 123, 123, ntp(3, 4, 5, 3, 6,
          -18, bytes([10, 9, 0, 1]), NTP_T + (3 << 32)), dmac=MAC_BCAST,
          smac=MAC_S), "NTP")
    c.add("control", udp(IP_C, IP_S, 50124, 123, bytes(
        [0x16, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])), "-",
        ("UDP", "unknown"))
    c.add("short", udp(IP_C, IP_S, 50125, 123, bytes([0x23]) + bytes(30)),
          "-", ("NTP", "trunc"))
    f = udp(IP_C, IP_S, 50126, 123, ntp(0, 4, 3, 0, 6, -20, bytes(4),
                                         NTP_T + (4 << 32)))
    c.add("client2", f, "NTP")
    c.cuts("client2", f, "NTP", 34)
    return c


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    for cap in (dns_capture(), dns_cut_capture(), dhcp_capture(),
                dhcp_cut_capture(), ntp_capture()):
        cap.write(outdir)
        print("%s.pcap: %d frames" % (cap.name, len(cap.frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
