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

# udpreplay.py: what a sensor sent, kept and sent again at a set rate,
# so that a collector can be given more than one sensor on this machine
# could make (make bench-collector).
#
#	udpreplay.py record PORT FILE	take datagrams on 127.0.0.1:PORT
#					until none came for 2 s after the
#					first; FILE gets each after its
#					length (4 bytes, big endian)
#	udpreplay.py replay FILE PORT RATE
#					send them to 127.0.0.1:PORT, RATE
#					a second; print "sent N in S s"

import socket
import struct
import sys
import time


def record(port, path):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 << 20)
    s.bind(("127.0.0.1", port))
    print("listening", file=sys.stderr, flush=True)
    n = 0
    with open(path, "wb") as f:
        s.settimeout(None)
        while True:
            try:
                d = s.recv(65536)
            except socket.timeout:
                break
            f.write(struct.pack(">I", len(d)) + d)
            n += 1
            s.settimeout(2)
    print("recorded %d" % n)


def replay(path, port, rate):
    dgrams = []
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off < len(data):
        (n,) = struct.unpack_from(">I", data, off)
        dgrams.append(data[off + 4:off + 4 + n])
        off += 4 + n
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect(("127.0.0.1", port))
    start = time.monotonic()
    i = 0
    # in steps of a millisecond: as many as the rate says are due
    while i < len(dgrams):
        due = min(len(dgrams), int((time.monotonic() - start) * rate) + 1)
        while i < due:
            s.send(dgrams[i])
            i += 1
        ahead = i / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    print("sent %d in %.3f s" % (i, time.monotonic() - start))


if sys.argv[1] == "record":
    record(int(sys.argv[2]), sys.argv[3])
else:
    replay(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
