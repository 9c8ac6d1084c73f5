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
  icmp element and is not counted, nor are IPv6 extension headers;
- only while the chain is one ncagentd follows: counting stops at the
  first layer it does not decode (VLAN tag, GRE, LLC, ATMARP, a link
  type other than Ethernet, null/loop and raw IP) and after a layer
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

TYPES = ["Ethernet", "ARP", "IPv4", "IPv6", "ICMPv4", "ICMPv6", "TCP", "UDP"]

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
}
# headers we walk without a record of our own
PASS = {"null", "raw", "ah"}

TSHARK_OPTS = ["-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
               "-o", "tcp.analyze_sequence_numbers:FALSE",
               "-o", "tcp.desegment_tcp_streams:FALSE"]


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
    return False


def frame_layers(packet):
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
        t, last = LAYERS[name]
        layers.append(t)
        if last:
            break
        # a later fragment carries no next header
        if name == "ip" and num(fields(e).get("ip.frag_offset")) > 0:
            break
    return layers


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
