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

"""Captures of TCP applications (TLS ClientHello, HTTP) for the
decoders of ncagentd/decode_tls.c and decode_http.c.

usage: gen_tcpapp.py [outdir]

For each capture NAME it writes NAME.pcap and NAME.expect, which
regress/unit/t_tcpapp.c reads: one line per frame,

  N<TAB>LABEL<TAB>OUTCOME[<TAB>field=value...]

OUTCOME is what the application decoder makes of the frame's TCP
payload: "TLSClientHello" or "HTTP" (a record, with the fields it
must hold; a repeated field as values joined by ','), or "none",
"truncated TYPE", "error TYPE" (no record; that type's counter).
The expected JA3 strings and hashes are computed here, from the
values this script put in the hellos, with Python's own MD5.
Output is deterministic.
"""

import hashlib
import os
import struct
import sys

from pcapgen import cksum, pcap_header, pcap_record

TS_SEC = 1700000000
MAC_C = bytes.fromhex("020000000a01")
MAC_S = bytes.fromhex("020000000a02")
IP_C = bytes([192, 168, 7, 10])
IP_S = bytes([203, 0, 113, 5])
IP6_C = bytes.fromhex("20010db8000000070000000000000010")
IP6_S = bytes.fromhex("20010db8000000ff0000000000000005")

GREASE = [0x0a0a + 0x1010 * i for i in range(16)]



def tcp(src, dst, sport, dport, seq, payload, flags=0x18):
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, 1, 5 << 4, flags,
                    64240, 0, 0)
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, 6, len(h) + len(payload))
    else:
        ph = src + dst + struct.pack("!IxxxB", len(h) + len(payload), 6)
    c = cksum(ph + h + payload)
    return h[:16] + struct.pack("!H", c) + h[18:] + payload


def frame(src, dst, sport, dport, payload, seq=1000, ident=1):
    seg = tcp(src, dst, sport, dport, seq, payload)
    if len(src) == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ident,
                         0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", cksum(ip)) + ip[12:]
        et = 0x0800
    else:
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(seg), 6, 64, src, dst)
        et = 0x86dd
    if src in (IP_C, IP6_C):
        macs = MAC_S + MAC_C
    else:
        macs = MAC_C + MAC_S
    return macs + struct.pack("!H", et) + ip + seg


class Capture:
    def __init__(self, name):
        self.name = name
        self.frames = []

    def add(self, label, data, outcome, fields=None, caplen=None):
        self.frames.append((label, data, outcome, fields or [], caplen))

    def write(self, outdir):
        with open(os.path.join(outdir, self.name + ".pcap"), "wb") as f:
            f.write(pcap_header(1))
            for i, (label, data, _, _, caplen) in enumerate(self.frames):
                cap = data[:caplen] if caplen is not None else data
                f.write(pcap_record(TS_SEC + i // 1000, (i % 1000) * 1000,
                                    cap, len(data)))
        with open(os.path.join(outdir, self.name + ".expect"), "w") as f:
            f.write("# %s.pcap, written by gen_tcpapp.py\n" % self.name)
            for i, (label, _, outcome, fields, _) in enumerate(self.frames):
                f.write("\t".join([str(i + 1), label, outcome] +
                                  ["%s=%s" % kv for kv in fields]) + "\n")


# TLS ClientHello, from its parts

def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def ext(t, body):
    return u16(t) + vec16(body)


def sni(name):
    return ext(0, vec16(u8(0) + vec16(name.encode())))


def alpn(protos):
    return ext(16, vec16(b"".join(vec8(p.encode()) for p in protos)))


def groups(gs):
    return ext(10, vec16(b"".join(u16(g) for g in gs)))


def point_formats(pf):
    return ext(11, vec8(bytes(pf)))


def versions(vs):
    return ext(43, vec8(b"".join(u16(v) for v in vs)))


class Hello:
    """a ClientHello and what ncap must make of it"""

    def __init__(self, version, ciphers, exts, name="", protos=(),
                 gs=(), pf=(), vs=(), sid=32, rec_version=0x0301):
        self.version, self.ciphers, self.exts = version, ciphers, exts
        self.name, self.protos, self.gs, self.pf, self.vs = \
            name, protos, gs, pf, vs
        body = u16(version) + bytes(range(32)) + vec8(bytes([7] * sid))
        body += vec16(b"".join(u16(c) for c in ciphers)) + vec8(b"\0")
        if exts is not None:
            body += vec16(b"".join(e for _, e in exts))
        hs = u8(1) + struct.pack("!I", len(body))[1:] + body
        self.bytes = u8(22) + u16(rec_version) + vec16(hs)

    def ja3(self):
        def j(vals):
            return "-".join(str(v) for v in vals if v not in GREASE)
        types = [t for t, _ in self.exts or []]
        return ",".join([str(self.version), j(self.ciphers), j(types),
                         j(self.gs), j(self.pf)])

    def fields(self, sport, dport):
        types = [t for t, _ in self.exts or []]
        maxv = max([v for v in self.vs if v not in GREASE] or [0])
        ja3 = self.ja3()
        return [("src_ip", "192.168.7.10"), ("dst_ip", "203.0.113.5"),
                ("src_port", sport), ("dst_port", dport),
                ("version", self.version), ("max_version", maxv),
                ("server_name", self.name),
                ("alpn", ",".join(self.protos)),
                ("cipher_suites", ",".join(str(c) for c in self.ciphers)),
                ("extensions", ",".join(str(t) for t in types)),
                ("ja3", ja3),
                ("ja3_hash", hashlib.md5(ja3.encode()).hexdigest())]


def chrome():
    """Chrome-like: GREASE in suites, extensions, groups and versions"""
    gs = [GREASE[2], 29, 23, 24]
    vs = [GREASE[5], 0x0304, 0x0303]
    protos = ["h2", "http/1.1"]
    exts = [
        (GREASE[0], ext(GREASE[0], b"")),
        (0, sni("www.example.com")),
        (23, ext(23, b"")),
        (65281, ext(65281, b"\0")),
        (10, groups(gs)),
        (11, point_formats([0])),
        (35, ext(35, b"")),
        (16, alpn(protos)),
        (5, ext(5, b"\x01\0\0\0\0")),
        (13, ext(13, vec16(b"".join(u16(a) for a in
                                   [0x0403, 0x0804, 0x0401, 0x0503,
                                    0x0805, 0x0501, 0x0806, 0x0601])))),
        (18, ext(18, b"")),
        (51, ext(51, vec16(u16(GREASE[2]) + vec16(b"\0") +
                           u16(29) + vec16(bytes(range(32)))))),
        (45, ext(45, vec8(b"\x01"))),
        (43, versions(vs)),
        (27, ext(27, vec8(u16(2)))),
        (17513, ext(17513, vec16(vec8(b"h2")))),
        (GREASE[9], ext(GREASE[9], b"\0")),
        (21, ext(21, bytes(40))),
    ]
    ciphers = [GREASE[3], 4865, 4866, 4867, 49195, 49199, 49196, 49200,
               52393, 52392, 49171, 49172, 156, 157, 47, 53]
    return Hello(0x0303, ciphers, exts, "www.example.com", protos, gs,
                 [0], vs)


def firefox():
    gs = [29, 23, 24, 25, 256, 257]
    vs = [0x0304, 0x0303]
    protos = ["h2", "http/1.1"]
    exts = [
        (0, sni("mozilla.org")), (23, ext(23, b"")),
        (65281, ext(65281, b"\0")), (10, groups(gs)),
        (11, point_formats([0])), (35, ext(35, b"")),
        (16, alpn(protos)), (5, ext(5, b"\x01\0\0\0\0")),
        (34, ext(34, vec16(u16(0x0403) + u16(0x0503)))),
        (51, ext(51, vec16(u16(29) + vec16(bytes(32))))),
        (43, versions(vs)),
        (13, ext(13, vec16(u16(0x0403) + u16(0x0804)))),
        (28, ext(28, u16(16385))), (45, ext(45, vec8(b"\x01"))),
    ]
    ciphers = [4865, 4867, 4866, 49195, 49199, 52393, 52392, 49196,
               49200, 49162, 49161, 49171, 49172, 156, 157, 47, 53]
    return Hello(0x0303, ciphers, exts, "mozilla.org", protos, gs, [0], vs)


def curl12():
    """an older OpenSSL client: TLS 1.2, three point formats, ALPN
    http/1.1 only, an empty session id"""
    gs = [29, 23, 30, 25, 24]
    exts = [(0, sni("api.example.net")), (11, point_formats([0, 1, 2])),
            (10, groups(gs)), (35, ext(35, b"")),
            (16, alpn(["http/1.1"])), (22, ext(22, b"")),
            (23, ext(23, b"")),
            (13, ext(13, vec16(u16(0x0403) + u16(0x0503) + u16(0x0601))))]
    ciphers = [49196, 49200, 159, 52393, 52392, 52394, 49195, 49199, 158,
               49188, 49192, 107, 49187, 49191, 103, 49162, 49172, 57,
               49161, 49171, 51, 157, 156, 61, 60, 53, 47, 255]
    return Hello(0x0303, ciphers, exts, "api.example.net", ["http/1.1"],
                 gs, [0, 1, 2], (), sid=0)


def ja3_readme():
    """the hello of the example in the JA3 description, TLS 1.0"""
    gs = [23, 24, 25]
    exts = [(0, sni("ja3.example")), (10, groups(gs)),
            (11, point_formats([0]))]
    ciphers = [47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4]
    return Hello(0x0301, ciphers, exts, "ja3.example", (), gs, [0], ())


def bare10():
    """no extensions at all"""
    return Hello(0x0301, [47, 53, 10], None)


def tls_capture():
    cap = Capture("tcpapp-tls")
    sport = 50000
    for label, h in [("chrome", chrome()), ("firefox", firefox()),
                     ("curl", curl12()), ("ja3readme", ja3_readme()),
                     ("bare", bare10())]:
        cap.add(label, frame(IP_C, IP_S, sport, 443, h.bytes),
                "TLSClientHello", h.fields(sport, 443))
        sport += 1
    h = chrome()
    cap.add("chrome6", frame(IP6_C, IP6_S, 50100, 443, h.bytes),
            "TLSClientHello", [("src_ip", "2001:db8:0:7::10"),
                               ("dst_ip", "2001:db8:0:ff::5")] +
            h.fields(50100, 443)[2:])
    for port in (8443, 465, 853, 993, 995):
        h = firefox()
        cap.add("port%d" % port, frame(IP_C, IP_S, 50200, port, h.bytes),
                "TLSClientHello", h.fields(50200, port))
    # what a server sends: a ServerHello, application data
    sh = u8(2) + struct.pack("!I", 38)[1:] + u16(0x0303) + bytes(32) + \
        b"\0" + u16(4865) + b"\0"
    cap.add("serverhello", frame(IP_S, IP_C, 443, 50000,
                                 u8(22) + u16(0x0303) + vec16(sh)), "none")
    cap.add("appdata", frame(IP_S, IP_C, 443, 50000,
                             u8(23) + u16(0x0303) + vec16(bytes(48))), "none")
    cap.add("garbage", frame(IP_C, IP_S, 50000, 443, b"hello there\r\n"),
            "none")
    # bogus lengths inside a hello that is all there
    good = chrome().bytes
    exts_at = len(good) - sum(len(e) for _, e in chrome().exts) - 2
    b = bytearray(good)
    # the first extension (GREASE, empty) claims 200 bytes
    struct.pack_into("!H", b, exts_at + 4, 200)
    cap.add("bogus-ext-len", frame(IP_C, IP_S, 50300, 443, bytes(b)),
            "error TLSClientHello")
    b = bytearray(good)
    # the extensions block is one byte longer than what remains
    struct.pack_into("!H", b, exts_at, len(good) - exts_at - 2 + 1)
    cap.add("bogus-exts-len", frame(IP_C, IP_S, 50301, 443, bytes(b)),
            "error TLSClientHello")
    b = bytearray(good)
    # an odd cipher suite length
    at = 5 + 4 + 2 + 32 + 1 + 32
    struct.pack_into("!H", b, at, 31)
    cap.add("bogus-odd-suites", frame(IP_C, IP_S, 50302, 443, bytes(b)),
            "error TLSClientHello")
    # the SNI list is one byte shorter than its extension
    sni_at = exts_at + 2 + 4 + 4
    b = bytearray(good)
    struct.pack_into("!H", b, sni_at, struct.unpack_from("!H", b, sni_at)[0]
                     - 1)
    cap.add("bogus-sni-list", frame(IP_C, IP_S, 50303, 443, bytes(b)),
            "error TLSClientHello")
    # cut by the snap length rather than by the segment
    cap.add("snapcut", frame(IP_C, IP_S, 50304, 443, good),
            "truncated TLSClientHello", caplen=14 + 20 + 20 + 100)
    return cap


def tlscut_capture():
    """the Chrome hello cut by the end of the segment at every length"""
    cap = Capture("tcpapp-tlscut")
    good = chrome().bytes
    for n in range(1, len(good) + 1):
        if n == len(good):
            out, fields = "TLSClientHello", chrome().fields(50400, 443)
        elif n < 6:
            out, fields = "none", None
        else:
            out, fields = "truncated TLSClientHello", None
        cap.add("cut%d" % n, frame(IP_C, IP_S, 50400, 443, good[:n],
                                   ident=n), out, fields)
    return cap


def hreq(label, cap, payload, sport, dport, outcome, **kw):
    fields = None
    if outcome == "HTTP":
        ips = ["192.168.7.10", "203.0.113.5"]
        if sport < 1024:
            ips.reverse()
        fields = [("src_ip", ips[0]), ("dst_ip", ips[1]),
                  ("src_port", sport), ("dst_port", dport)]
        for k in ("method", "uri", "version", "host", "user_agent",
                  "status_code", "content_type", "truncated"):
            dflt = 0 if k in ("status_code", "truncated") else ""
            fields.append((k, kw.get(k, dflt)))
    src, dst = (IP_C, IP_S) if sport > 1024 else (IP_S, IP_C)
    cap.add(label, frame(src, dst, sport, dport, payload), outcome, fields)


def http_capture():
    cap = Capture("tcpapp-http")
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0"
    hreq("get", cap, (
        "GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\n"
        "User-Agent: %s\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n"
        % ua).encode(), 51000, 80, "HTTP", method="GET",
        uri="/index.html?q=1", version="HTTP/1.1", host="www.example.com",
        user_agent=ua)
    body = b"name=ncap&value=42"
    hreq("post", cap, (
        "POST /api/v1/submit HTTP/1.1\r\nhost:   api.example.com  \r\n"
        "USER-AGENT: curl/7.88.1\r\nContent-Type: application/"
        "x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
        % len(body)).encode() + body, 51001, 80, "HTTP", method="POST",
        uri="/api/v1/submit", version="HTTP/1.1", host="api.example.com",
        user_agent="curl/7.88.1",
        content_type="application/x-www-form-urlencoded")
    page = b"<html><body>hello</body></html>\n"
    hreq("200", cap, (
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; "
        "charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(page)).encode()
        + page, 80, 51000, "HTTP", version="HTTP/1.1", status_code=200,
        content_type="text/html; charset=utf-8")
    hreq("404", cap, (
        b"HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
        b"Content-Length: 9\r\n\r\nnot found"), 80, 51001, "HTTP",
        version="HTTP/1.0", status_code=404, content_type="text/plain")
    # one request in two segments: the first is decoded as far as its
    # whole lines go, the second is the rest of a header, not HTTP
    split = ("GET /two/segments HTTP/1.1\r\nHost: split.example\r\n"
             "User-Agent: Wget/1.21.3\r\nAccept: */*\r\n\r\n").encode()
    cut = split.index(b"Wget") + 2
    hreq("split1", cap, split[:cut], 51002, 80, "HTTP", method="GET",
         uri="/two/segments", version="HTTP/1.1", host="split.example")
    cap.add("split2", frame(IP_C, IP_S, 51002, 80, split[cut:],
                            seq=1000 + cut), "none")
    hreq("garbage", cap, bytes(range(0, 256, 3)), 51003, 80, "none")
    hreq("body", cap, b"more of a page that started earlier\n", 80, 51000,
         "none")
    hreq("port8080", cap, b"HEAD / HTTP/1.1\r\nHost: proxy:8080\r\n\r\n",
         51004, 8080, "HTTP", method="HEAD", uri="/", version="HTTP/1.1",
         host="proxy:8080")
    hreq("port8000", cap, b"OPTIONS * HTTP/1.1\r\nHost: dev:8000\r\n\r\n",
         51005, 8000, "HTTP", method="OPTIONS", uri="*",
         version="HTTP/1.1", host="dev:8000")
    long_uri = "/" + "a" * 1500
    hreq("longuri", cap, ("GET %s HTTP/1.1\r\nHost: long.example\r\n\r\n"
                          % long_uri).encode(), 51006, 80, "HTTP",
         method="GET", uri=long_uri[:1024], version="HTTP/1.1",
         host="long.example", truncated=1)
    hreq("ctlchar", cap, b"GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n", 51007,
         80, "error HTTP")
    hreq("nocrlf", cap, b"GET /never/ends HTTP/1.1", 51008, 80,
         "truncated HTTP")
    hreq("badversion", cap, b"GET / HTTP/x\r\n\r\n", 51009, 80,
         "error HTTP")
    hreq("lf-only", cap, b"DELETE /item/7 HTTP/1.1\nHost: lf.example\n\n",
         51010, 80, "HTTP", method="DELETE", uri="/item/7",
         version="HTTP/1.1", host="lf.example")
    hreq("badstatus", cap, b"HTTP/one 200 OK\r\n\r\n", 80, 51010,
         "error HTTP")
    hreq("204", cap, b"HTTP/1.1 204\r\n\r\n", 80, 51010, "HTTP",
         version="HTTP/1.1", status_code=204)
    return cap


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    for cap in (tls_capture(), tlscut_capture(), http_capture()):
        cap.write(outdir)
        print("%s: %d frames" % (cap.name, len(cap.frames)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
