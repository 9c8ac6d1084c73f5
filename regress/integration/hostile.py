#!/usr/bin/python3
# hostile.py PORT COLLECTOR_PUB NCFORGE: send the collector one or more
# datagrams of every kind it must drop, each kind as many times as the
# table below says.  Sealed ones are made by ncforge, the rest here.
import os
import random
import socket
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
    "bomb": [sealed(b"\1" + zlib.compress(bytes(20 * 1024 * 1024), 9))],
    "zlib": [sealed(b"\1" + b"this is not a zlib stream")],
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

for cause, dgrams in cases.items():
    for d in dgrams:
        send(d)
    print(cause, len(dgrams))
