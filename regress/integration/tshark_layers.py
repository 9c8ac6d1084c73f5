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

"""Count, per ncap record type, the layers tshark decodes in a capture.

usage: tshark_layers.py [-f] [-t] file.pcap ...

Prints one JSON object per file: {"file": ..., "Ethernet": n, ...},
every type of the first decoder set present, zeros included.  With -t
prints one total over all files instead; with -f prints, per frame,
"N Type Type ..." (the layers in order), which diffs against
`t_decode -l file.pcap`.

tshark is the reference, read through its PDML output.  A layer counts
the way ncagentd counts a record:
- only top-level layers: what an ICMP error quotes is nested in the
  icmp element and is not counted; but for the hop-by-hop and fragment
  headers nested in the ipv6 element, and neighbour discovery, a
  second record read from the icmpv6 element;
- only while the chain is one ncagentd follows: counting stops at the
  first layer it does not decode (GRE, LLC, ATMARP, a link type other
  than Ethernet, Linux cooked, null/loop and raw IP) and after a layer
  that ends the chain (ARP, ICMP, TCP, UDP): what those carry is not
  counted;
- only when tshark decoded the layer's whole fixed header: the field at
  its end is present (and, for TCP and ICMPv4, the captured layer is as
  long as the header).  tshark adds a layer's name even for a frame cut
  inside its header; we emit no record then.
IP reassembly is off, so a first fragment is dissected on its own.
"""

import getopt
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

TYPES = ["Ethernet", "ARP", "IPv4", "IPv6", "ICMPv4", "ICMPv6", "TCP", "UDP",
         "DNS", "DHCPv4", "NTP", "TLSClientHello", "HTTP",
         # link and network layers, second set (area "net")
         "Dot1Q", "IPv6HopByHop", "IPv6Fragment", "ICMPv6RouterSolicitation",
         "ICMPv6RouterAdvertisement", "ICMPv6NeighborSolicitation",
         "ICMPv6NeighborAdvertisement", "IGMP"]

# tshark protocol name -> (our record type, ends the chain)
LAYERS = {
    "eth": ("Ethernet", False),
    "arp": ("ARP", True),
    "ip": ("IPv4", False),
    "ipv6": ("IPv6", False),
    "icmp": ("ICMPv4", True),
    "icmpv6": ("ICMPv6", True),
    "tcp": ("TCP", False),
    "udp": ("UDP", False),
    # UDP applications (area "udpapp"); tshark 4.0 calls BOOTP "dhcp"
    "dns": ("DNS", True),
    "mdns": ("DNS", True),
    "dhcp": ("DHCPv4", True),
    "ntp": ("NTP", True),
    # TCP applications (area "tcpapp"): tls only for a ClientHello
    "tls": ("TLSClientHello", True),
    "http": ("HTTP", True),
    # link and network layers (area "net"): 802.1ad is tshark's name
    # for an outer tag of ethertype 0x88a8
    "vlan": ("Dot1Q", False),
    "ieee8021ad": ("Dot1Q", False),
    "igmp": ("IGMP", True),
}
# headers we walk without a record of our own
PASS = {"null", "raw", "ah", "sll"}
# IPv6 extension headers with a record: tshark nests them in the ipv6
# element, in header order (area "net")
EXTHDRS = {"ipv6.hopopts": "IPv6HopByHop", "ipv6.fraghdr": "IPv6Fragment"}
# ICMPv6 types with a record of their own, after the ICMPv6 record and
# read from the same icmpv6 element: (type, field at the end of the
# fixed part)
ND = {"133": ("ICMPv6RouterSolicitation", "icmpv6.reserved"),
      "134": ("ICMPv6RouterAdvertisement", "icmpv6.nd.ra.retrans_timer"),
      "135": ("ICMPv6NeighborSolicitation", "icmpv6.nd.ns.target_address"),
      "136": ("ICMPv6NeighborAdvertisement", "icmpv6.nd.na.target_address")}
ND_TYPES = {t for t, _ in ND.values()}
# records that carry the innermost IP layer's addresses (area "net")
NET_ADDRESSED = ND_TYPES | {"IPv6HopByHop", "IPv6Fragment", "IGMP"}
# messages that must be read to their end: tshark adds one of CUT after
# a message it could not (cut by the capture, or malformed), and we
# emit no record of it
WHOLE = {"dns", "mdns", "dhcp", "ntp"}
CUT = {"_ws.malformed", "_ws.short"}

TSHARK_OPTS = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
               "-o", "tcp.analyze_sequence_numbers:FALSE",
               "-o", "tcp.desegment_tcp_streams:FALSE",
               # ports ncagentd decodes that tshark does not by default
               "-d", "tcp.port==8443,tls", "-d", "tcp.port==8000,http"]


def fields(proto):
    """name -> show of the fields of one layer, nested layers excluded."""
    out = {}
    stack = list(proto)
    while stack:
        e = stack.pop()
        if e.tag != "field":
            continue
        out.setdefault(e.get("name"), e.get("show"))
        stack.extend(e)
    return out


def num(s):
    try:
        return int(s, 0)
    except (TypeError, ValueError):
        return -1


def complete(name, proto):
    f = fields(proto)
    size = num(proto.get("size"))
    if name == "eth":
        return "eth.type" in f or "eth.len" in f
    if name == "arp":
        hln, pln = num(f.get("arp.hw.size")), num(f.get("arp.proto.size"))
        return (hln >= 0 and pln >= 0 and "arp.opcode" in f and
                size >= 8 + 2 * (hln + pln))
    if name == "ip":
        return "ip.dst" in f and 20 <= num(f.get("ip.hdr_len")) <= size
    if name == "ipv6":
        return "ipv6.dst" in f
    if name == "icmp":
        return "icmp.checksum" in f and size >= 8
    if name == "icmpv6":
        return "icmpv6.checksum" in f
    if name == "tcp":
        hl = num(f.get("tcp.hdr_len"))
        return "tcp.urgent_pointer" in f and 20 <= hl <= size
    if name == "udp":
        return "udp.checksum" in f
    if name in ("dns", "mdns"):
        return "dns.flags" in f
    if name == "dhcp":
        return "dhcp.file" in f
    if name == "ntp":
        # modes 6 and 7 have another layout, without these
        return "ntp.xmt" in f
    if name == "tls":
        # a ClientHello first in the segment, all of it in the frame
        # and in its record, nothing tshark found amiss (expert info)
        hl = num(f.get("tls.handshake.length"))
        return (f.get("tls.record.content_type") == "22" and
                f.get("tls.handshake.type") == "1" and hl >= 0 and
                9 + hl <= size and
                4 + hl <= num(f.get("tls.record.length")) and
                "_ws.expert" not in f)
    if name == "http":
        # not the continuation data tshark also calls http
        return "http.request" in f or "http.response" in f
    if name == "vlan":
        return "vlan.etype" in f or "vlan.len" in f
    if name == "ieee8021ad":
        return "ieee8021ah.etype" in f
    if name == "igmp":
        # group membership only: DVMRP, PIMv1, mtrace are not decoded
        return (f.get("igmp.type") in ("0x11", "0x12", "0x16", "0x17",
                                       "0x22") and
                "igmp.checksum" in f and size >= 8)
    return False


def exthdrs(ip6, layers):
    """the extension headers of an ipv6 element with a record, onto
    layers; False when the chain ends in them (a header cut short, a
    fragment other than the first)"""
    for h in ip6:
        name = h.get("name")
        if h.tag != "proto" or name not in ("ipv6.hopopts", "ipv6.dstopts",
                                            "ipv6.routing", "ipv6.fraghdr"):
            continue
        f = fields(h)
        size = num(h.get("size"))
        if name == "ipv6.fraghdr":
            if "ipv6.fraghdr.ident" not in f or size < 8:
                return False
        elif size < num(f.get(name + ".len_oct")) or \
                num(f.get(name + ".len_oct")) < 8:
            return False
        if name in EXTHDRS:
            layers.append((EXTHDRS[name], h))
        if num(f.get("ipv6.fraghdr.offset")) > 0:
            return False
    return True


def nd_type(icmp6, packet):
    """the neighbour discovery record of a complete icmpv6 element:
    every option whole and of a valid length (tshark marks a bad one
    malformed inside the element, a cut one after it)"""
    f = fields(icmp6)
    nd = ND.get(f.get("icmpv6.type"))
    if nd is None or nd[1] not in f:
        return None
    if any(p.get("name") in CUT for p in packet) or \
            any(p.get("name") in CUT for p in icmp6.iter("proto")):
        return None
    return nd[0]


def frame_protos(packet):
    """[(type, element)]: the records of a frame in layer order, each
    with the element its fields are read from (a nested one for IPv6
    extension headers, the icmpv6 one for neighbour discovery)"""
    layers = []
    for e in packet:
        if e.tag != "proto":
            continue
        name = e.get("name")
        if name in ("geninfo", "frame"):
            continue
        if name in PASS:
            continue
        if name not in LAYERS:
            break
        if not complete(name, e):
            break
        if name in WHOLE and any(p.get("name") in CUT for p in packet):
            break
        t, last = LAYERS[name]
        layers.append((t, e))
        if name == "ipv6" and not exthdrs(e, layers):
            break
        if name == "icmpv6" and nd_type(e, packet) is not None:
            layers.append((nd_type(e, packet), e))
        if last:
            break
        # a later fragment carries no next header
        if name == "ip" and num(fields(e).get("ip.frag_offset")) > 0:
            break
    return layers


def frame_layers(packet):
    return [t for t, _ in frame_protos(packet)]


def derived(rtype, proto):
    """fields of ours that tshark shows in another form, made from its
    own: _src_ll/_tgt_ll the first link-layer address option, []_prefixes
    every prefix as prefix/length, _group the group of an IGMP message
    (none in a v3 report: its groups are in group records) and
    _max_resp its second byte, _options_size a hop-by-hop header's
    length less 2"""
    out = {}
    if rtype in ND_TYPES:
        for opt in proto:
            if opt.get("name") != "icmpv6.opt":
                continue
            of = {c.get("name"): c.get("show") for c in opt}
            # bytes as ncctl prints them: colons only in a MAC
            ll = of.get("icmpv6.opt.linkaddr")
            if ll is not None and ll.count(":") != 5:
                of["icmpv6.opt.linkaddr"] = ll.replace(":", "")
            if of.get("icmpv6.opt.type") == "1":
                out.setdefault("_src_ll", of.get("icmpv6.opt.linkaddr"))
            elif of.get("icmpv6.opt.type") == "2":
                out.setdefault("_tgt_ll", of.get("icmpv6.opt.linkaddr"))
            elif of.get("icmpv6.opt.type") == "3" and \
                    "icmpv6.opt.prefix" in of:
                out.setdefault("[]_prefixes", []).append("%s/%s" % (
                    of["icmpv6.opt.prefix"],
                    of.get("icmpv6.opt.prefix.length")))
        out.setdefault("[]_prefixes", [])
    elif rtype == "IGMP":
        out["_group"] = next((c.get("show") for c in proto
                              if c.get("name") == "igmp.maddr"), "0.0.0.0")
        # the byte as on the wire: tshark shows a v3 code as its time
        out["_max_resp"] = next((str(int(c.get("value"), 16)) for c in proto
                                 if c.get("name") == "igmp.max_resp" and
                                 c.get("value")), None)
    elif rtype == "IPv6HopByHop":
        out["_options_size"] = str(num(fields(proto).get(
            "ipv6.hopopts.len_oct")) - 2)
    return out


def run(path):
    cmd = ["tshark", "-n", "-r", path, "-T", "pdml"] + TSHARK_OPTS
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    frames = []
    for _, e in ET.iterparse(p.stdout, events=("end",)):
        if e.tag == "packet":
            frames.append(frame_layers(e))
            e.clear()
    p.wait()
    return frames


def main():
    opts, args = getopt.getopt(sys.argv[1:], "ft")
    opts = dict(opts)
    if not args:
        sys.stderr.write("usage: tshark_layers.py [-f] [-t] file ...\n")
        return 1
    total = {t: 0 for t in TYPES}
    for path in args:
        try:
            frames = run(path)
        except ET.ParseError:
            sys.stderr.write("%s: tshark output unreadable\n" % path)
            continue
        if "-f" in opts:
            for i, layers in enumerate(frames):
                print(" ".join([str(i + 1)] + layers))
            continue
        counts = {t: 0 for t in TYPES}
        for layers in frames:
            for t in layers:
                counts[t] += 1
                total[t] += 1
        if "-t" not in opts:
            print(json.dumps(dict([("file", path)] +
                                  [(t, counts[t]) for t in TYPES])))
    if "-t" in opts:
        print(json.dumps(total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
