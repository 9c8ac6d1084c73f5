#!/usr/bin/python3
# hostile.py PORT COLLECTOR_PUB NCFORGE: send the collector one or more
# datagrams of every kind it must drop, each kind as many times as the
# table below says.  Sealed ones are made by ncforge, the rest here.
import os
import random
import socket
import struct
import subprocess
import sys
import zlib

from ncpb import BIG, FRAMED, batch, varint

port, pub, forge = int(sys.argv[1]), sys.argv[2], sys.argv[3]
dst = ("127.0.0.1", port)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rnd = random.Random(4200)


def sealed(pt, *opts):
    r = subprocess.run([forge, "-k", pub, *opts, "-o"], input=pt,
                       capture_output=True, check=True)
    return r.stdout


def send(d):
    s.sendto(d, dst)


def zframe(blocks, size=None):
    """A Zstandard frame (RFC 8878) by hand: its blocks, each raw bytes
    or (byte, n) for n of them (RLE), and the content size it states,
    none if size is None."""
    if size is None:
        # a window descriptor instead: 2^19 bytes, size unknown
        hdr = b"\x00\x48"
    else:
        # a single segment, its size in 4 bytes
        hdr = b"\xa0" + struct.pack("<I", size)
    out = b"\x28\xb5\x2f\xfd" + hdr
    for i, b in enumerate(blocks):
        last = 1 if i == len(blocks) - 1 else 0
        if isinstance(b, tuple):
            out += struct.pack("<I", last | 1 << 1 | b[1] << 3)[:3] + b[0]
        else:
            out += struct.pack("<I", last | len(b) << 3)[:3] + b
    return out


GOODZ = batch(b"forged", b"UDP", 1, FRAMED)


cases = {
    "short": [b"", b"0123456789"] + [b"x" * 72] * 48,
    "long": [bytes(65100)],
    # a datagram as long as a good one, of another format version
    "version": [bytes([v]) + bytes(rnd.getrandbits(8) for _ in range(300))
                for v in (0, 1, 3, 255)],
    # version 2, then noise
    "auth": [b"\2" + bytes(rnd.getrandbits(8) for _ in range(999))
             for _ in range(3)] +
            [sealed(b"\0" + batch(b"good", b"UDP", 1, FRAMED), "-t")],
    "bomb": [sealed(b"\1" + zlib.compress(bytes(20 * 1024 * 1024), 9)),
             # a frame that says 20 MB, and one a byte past the limit
             sealed(b"\2" + zframe([(b"\0", 65536)], 20 * 1024 * 1024)),
             sealed(b"\2" + zframe([(b"\0", 131072), (b"\0", 65537)],
                                    196609))],
    "zlib": [sealed(b"\1" + b"this is not a zlib stream")],
    "zstd": [sealed(b"\2" + b"this is not a zstd frame"),
             sealed(b"\2" + zframe([GOODZ], len(GOODZ))[:-1]),
             sealed(b"\2" + zframe([GOODZ])),
             sealed(b"\2" + zframe([GOODZ], len(GOODZ)) +
                    zframe([b""], 0))],
    "encoding": [sealed(b"\7" + batch(b"good", b"UDP", 1, FRAMED))],
    "protobuf": [sealed(b"\0\xff\xff\xff\xff")],
    "name": [sealed(b"\0" + batch(n, b"UDP", 1, FRAMED)) for n in
             (b"../x", b"a/b", b".hidden", b"", b"n" * 65,
              "s\u00e9nsor".encode(), b"..", b"/abs")],
    "type": [sealed(b"\0" + batch(b"good", b"Nope", 1, FRAMED)),
             sealed(b"\0" + batch(b"good", b"../../x", 1, FRAMED))],
    "framing": [sealed(b"\0" + batch(b"good", b"UDP", 2, FRAMED)),
                sealed(b"\0" + batch(b"good", b"UDP", 1, FRAMED[:-1])),
                sealed(b"\0" + batch(b"good", b"UDP", 0, b""))],
    "record": [sealed(b"\0" + batch(b"good", b"UDP", 1,
                                     varint(2) + b"\x0a\x7f")),
               # a valid UDP record, but longer than any reader takes
               sealed(b"\1" + zlib.compress(batch(b"good", b"UDP", 1,
                      varint(len(BIG)) + BIG)))],
}
# one good datagram, sent three times: stored once, two repeats
good = sealed(b"\0" + batch(b"forged", b"UDP", 1, FRAMED), "-q", "7")
cases["repeat"] = [good, good]
send(good)
# and one in a good frame: stored, the only zstd one
send(sealed(b"\2" + zframe([GOODZ], len(GOODZ))))
print("batches-zstd", 1)

for cause, dgrams in cases.items():
    for d in dgrams:
        send(d)
    print(cause, len(dgrams))
