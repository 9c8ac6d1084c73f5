#!/usr/bin/python3
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

# inject.py IFACE PCAP RATE: send each Ethernet frame of a classic pcap
# file as it is out of IFACE (a packet socket, root), RATE frames a
# second at most, and print how many went.
import socket
import struct
import sys
import time


def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xa1b2c3d4, 0xa1b23c4d):
            endian = "<"
        elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
            endian = ">"
        else:
            sys.exit("%s: not a pcap file" % path)
        if struct.unpack(endian + "I", hdr[20:24])[0] != 1:
            sys.exit("%s: not Ethernet" % path)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            caplen = struct.unpack(endian + "IIII", rec)[2]
            yield f.read(caplen)


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: inject.py iface pcap rate")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((sys.argv[1], 0))
    step = 1.0 / float(sys.argv[3])
    start, n = time.monotonic(), 0
    for frame in frames(sys.argv[2]):
        ahead = start + n * step - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        s.send(frame)
        n += 1
    print(n)


main()
