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

"""Seeds for fuzz_decode: one file per captured frame.

usage: seeds.py [-n max-per-capture] outdir capture-or-dir ...
       seeds.py -l capture-or-dir ...

Reads pcap and pcapng files (directories: every *.pcap, *.pcapng in
them) and writes, for each frame of a link type the decoder handles,
a file holding the link type's low byte and the frame: the input
fuzz_decode.c takes.  Equal frames are written once; at most
max-per-capture frames (default 64) are taken from one capture, so
that a few long captures do not crowd out the rest.

With -l, lists instead the captures that hold a frame of a link type
the decoder handles, one per line (regress/integration/t_corpus.sh).
"""

import getopt
import hashlib
import os
import struct
import sys

# pcap LINKTYPE_ -> the DLT_ value libpcap hands the decoder (on Linux)
LINKTYPE_DLT = {101: 12}
# what ncagentd decodes (decode.c, L_DLT): null, Ethernet, raw,
# loopback, Linux cooked v1, IPv4, IPv6, Linux cooked v2
DECODED = {0, 1, 12, 108, 113, 228, 229, 276}


def pcap_frames(data):
    """(linktype, frame) of a classic pcap file, either byte order"""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return
    if len(data) < 24:
        return
    lt = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        off += 16
        if incl > len(data) - off:
            return
        yield lt, data[off:off + incl]
        off += incl


def pcapng_frames(data):
    """(linktype, frame) of the enhanced and simple packet blocks"""
    e = "<"
    off = 0
    ifaces = []
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            bom = data[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:
            ifaces.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifc, _, _, cap = struct.unpack(e + "IIII", body[:16])
            if ifc < len(ifaces) and cap <= len(body) - 20:
                yield ifaces[ifc], body[20:20 + cap]
        elif btype == 3 and len(body) >= 4 and ifaces:
            yield ifaces[0], body[4:]
        off += blen


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return pcapng_frames(data)
    return pcap_frames(data)


def captures(args):
    for a in args:
        if os.path.isdir(a):
            for n in sorted(os.listdir(a)):
                if n.endswith((".pcap", ".pcapng")):
                    yield os.path.join(a, n)
        elif os.path.exists(a):
            yield a


def decoded(path):
    try:
        for lt, _ in frames(path):
            if LINKTYPE_DLT.get(lt, lt) in DECODED:
                return True
    except (OSError, struct.error):
        pass
    return False


def main():
    opts, args = getopt.getopt(sys.argv[1:], "ln:")
    maxper = 64
    for o, v in opts:
        if o == "-n":
            maxper = int(v)
        elif o == "-l":
            for path in captures(args):
                if decoded(path):
                    print(path)
            return
    if len(args) < 2:
        sys.exit(__doc__)
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    seen = set()
    ncap = nframes = 0
    for path in captures(args[1:]):
        taken = 0
        try:
            for lt, frame in frames(path):
                dlt = LINKTYPE_DLT.get(lt, lt)
                if dlt not in DECODED:
                    continue
                seed = bytes([dlt & 0xff]) + frame
                h = hashlib.sha1(seed).hexdigest()
                if h in seen:
                    continue
                seen.add(h)
                with open(os.path.join(outdir, h), "wb") as f:
                    f.write(seed)
                taken += 1
                if taken >= maxper:
                    break
        except (OSError, struct.error):
            continue
        if taken:
            ncap += 1
            nframes += taken
    print("%d frames from %d captures" % (nframes, ncap))


if __name__ == "__main__":
    main()
