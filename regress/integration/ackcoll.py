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

# ackcoll.py: a collector that acknowledges, written with PyNaCl from
# the comments of common/wire.h, for the sensor's delivery tests.  It
# opens every datagram (the certificate with the collector's secret
# key, the box with K = crypto_box_beforenm(E, sk)), counts it done
# and acknowledges each session at most every -i ms with D, a bitmap
# and a credit, sealed with A = BLAKE2b-256 of "ncap v2 ack" keyed
# with K, to the address the datagram came from.  A sequence number
# behind the 1024 wide replay window counts as done, as one that came
# now would be refused for good.
#
# usage: ackcoll.py [-c credit] [-d fraction] [-s seed] [-D] [-l ms]
#	    [-i ms] [-S] [-f fifo] [-o summary.json] [-r records]
#	    port priv.key
#
# -d: drop that fraction of what arrives unseen (no ack); -D: every ack
# twice; -l: each ack that much later; -S: start silent.  -r: "type
# hex" for every record of each datagram the first time it arrives.
# The summary (JSON), with each session's T, K and A, is written at
# SIGTERM, which ends it, and at the command "dump".
#
# Commands, one a line on the fifo:
#	silent		datagrams are dropped unseen, no ack goes out
#	hold		datagrams are taken, no ack goes out
#	ack		back to acknowledging, at once for every session
#	dump		write the summary now
#	forge random N	N datagrams of random bytes, half of them with
#			an ack's header and a random session
#	forge unknown	an ack for a session nobody started
#	forge wrongkey	an ack of the newest session, under a random key
#	forge other	the last ack of an older session, naming the newest
#	forge claim	an authentic ack of the newest session whose D is
#			past anything the sensor sent
#	forge stale	the last ack of an older session, as it was
import hashlib
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time
import zlib

from nacl import bindings as nb

VERSION = 2
KIND_ACK = 1
OFF_ID, OFF_SNONCE, OFF_CERT, OFF_SEQ, HDRLEN = 1, 33, 57, 113, 121
MINLEN = HDRLEN + 16 + 1
WINDOW = 1024
BITMAP_MAX = 128


def usage():
    sys.exit("usage: ackcoll.py [-c credit] [-d fraction] [-s seed] [-D] "
             "[-l ms] [-i ms] [-S] [-f fifo] [-o summary] [-r records] "
             "port priv.key")


args = sys.argv[1:]
opt = {"-c": "960", "-d": "0", "-s": "1", "-l": "0", "-i": "2"}
flags = set()
while args and args[0].startswith("-"):
    o = args.pop(0)
    if o in ("-D", "-S"):
        flags.add(o)
    elif o in ("-c", "-d", "-s", "-l", "-i", "-f", "-o", "-r"):
        if not args:
            usage()
        opt[o] = args.pop(0)
    else:
        usage()
if len(args) != 2:
    usage()
port = int(args[0])
with open(args[1]) as f:
    sk = bytes.fromhex(f.read().strip())
credit = int(opt["-c"])
dropfrac = float(opt["-d"])
rnd = random.Random(int(opt["-s"]))
delay = float(opt["-l"]) / 1000
interval = float(opt["-i"]) / 1000
mode = "silent" if "-S" in flags else "ack"

recfile = open(opt["-r"], "w") if "-r" in opt else None

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
sock.bind(("127.0.0.1", port))
fifo = None
if "-f" in opt:
    fifo = os.open(opt["-f"], os.O_RDONLY | os.O_NONBLOCK)
    # a writer of our own keeps it from reading EOF between commands
    fifo_w = os.open(opt["-f"], os.O_WRONLY)

sessions = {}           # N -> session
order = []              # sessions as they began
stats = {"datagrams": 0, "dropped": 0, "ignored": 0, "unique": 0,
         "duplicates": 0, "bad": 0, "acks": 0, "forged": 0, "late": 0,
         "types": {}}


class Session:
    def __init__(self, n, ident, e, t, k):
        self.n, self.ident, self.e, self.t, self.k = n, ident, e, t, k
        self.a = hashlib.blake2b(b"ncap v2 ack", key=k,
                                 digest_size=32).digest()
        self.done = 0           # D
        self.above = set()      # done, past D + 1
        self.highest = 0
        self.datagrams = 0
        self.addr = None
        self.due = None         # when its next ack goes
        self.last_ack = 0.0
        self.last_sealed = None

    def mark(self, seq):
        if seq > self.highest:
            self.highest = seq
        if seq > self.done:
            self.above.add(seq)
        # behind the window is refused for good: done
        if self.highest > WINDOW and self.done < self.highest - WINDOW:
            self.done = self.highest - WINDOW
        while self.done + 1 in self.above:
            self.done += 1
        self.above = {s for s in self.above if s > self.done}

    def is_done(self, seq):
        return seq <= self.done or seq in self.above

    def ack(self, d=None, nonce=None, key=None):
        d = self.done if d is None else d
        bitmap = bytearray(BITMAP_MAX)
        m = 0
        for s in self.above:
            j = s - d - 2
            if 0 <= j < BITMAP_MAX * 8:
                bitmap[j // 8] |= 1 << (j % 8)
                m = max(m, j // 8 + 1)
        pt = struct.pack("!QIH", d, credit, m) + bytes(bitmap[:m])
        an = b"\xff" + os.urandom(23)
        box = nb.crypto_box_afternm(pt, an, key or self.a)
        return (bytes([VERSION, KIND_ACK]) + (nonce or self.n) + an + box)


def be_varint(buf, off):
    v, shift = 0, 0
    while True:
        if off >= len(buf):
            raise ValueError("varint past the end")
        b = buf[off]
        off += 1
        v |= (b & 0x7F) << shift
        if not b & 0x80:
            return v, off
        shift += 7


def fields(buf):
    off, out = 0, {}
    while off < len(buf):
        key, off = be_varint(buf, off)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, off = be_varint(buf, off)
        elif wt == 2:
            ln, off = be_varint(buf, off)
            v = buf[off:off + ln]
            off += ln
        else:
            raise ValueError("wire type %d" % wt)
        out[num] = v
    return out


def records(pt):
    enc = pt[0]
    body = pt[1:]
    if enc & 0x80:
        body = body.rstrip(b"\0")
        if not body or body[-1] != 0x80:
            raise ValueError("bad padding")
        body = body[:-1]
    if enc & 0x40:
        # the origin: the session nonce and number it first went out in
        if len(body) < 32 or struct.unpack("!Q", body[24:32])[0] == 0:
            raise ValueError("bad origin")
        body = body[32:]
    if enc & 0x3F == 1:
        body = zlib.decompress(body)
    elif enc & 0x3F != 0:
        raise ValueError("encoding %d" % enc)
    b = fields(body)
    rtype = b[2].decode()
    recs, off, raw = [], 0, b.get(4, b"")
    while off < len(raw):
        ln, off = be_varint(raw, off)
        recs.append(raw[off:off + ln])
        off += ln
    if len(recs) != b.get(3, 0):
        raise ValueError("count %d, %d records" % (b.get(3, 0), len(recs)))
    return rtype, recs


def session_of(d):
    n = d[OFF_SNONCE:OFF_SNONCE + 24]
    s = sessions.get(n)
    if s is not None:
        return s
    ident = d[OFF_ID:OFF_ID + 32]
    cpt = nb.crypto_box_open(d[OFF_CERT:OFF_SEQ], n, ident, sk)
    e, t = cpt[:32], struct.unpack("!Q", cpt[32:40])[0]
    s = Session(n, ident, e, t, nb.crypto_box_beforenm(e, sk))
    sessions[n] = s
    order.append(s)
    return s


def take(d, addr, now):
    stats["datagrams"] += 1
    if mode == "silent":
        stats["ignored"] += 1
        return
    if dropfrac > 0 and rnd.random() < dropfrac:
        stats["dropped"] += 1
        return
    try:
        if len(d) < MINLEN or d[0] != VERSION:
            raise ValueError("not a datagram")
        s = session_of(d)
        seq = struct.unpack("!Q", d[OFF_SEQ:HDRLEN])[0]
        pt = nb.crypto_box_open_afternm(d[HDRLEN:], bytes(16) +
                                        d[OFF_SEQ:HDRLEN], s.k)
    except Exception:
        stats["bad"] += 1
        return
    s.addr = addr
    # a session with two newer ones (by T, as the collector keeps
    # them) should have nothing left to send
    if sum(1 for o in order if o.t > s.t) >= 2:
        stats["late"] += 1
    if s.is_done(seq):
        stats["duplicates"] += 1
    else:
        stats["unique"] += 1
        s.datagrams += 1
        try:
            rtype, recs = records(pt)
        except Exception:
            stats["bad"] += 1
            return
        stats["types"][rtype] = stats["types"].get(rtype, 0) + len(recs)
        if recfile:
            for r in recs:
                recfile.write("%s %s\n" % (rtype, r.hex()))
    s.mark(seq)
    if mode == "ack":
        schedule(s, now)


def schedule(s, now):
    if s.due is None:
        s.due = max(now + delay, s.last_ack + interval)


def send_ack(s, now):
    a = s.ack()
    s.last_sealed = a
    for _ in range(2 if "-D" in flags else 1):
        sock.sendto(a, s.addr)
        stats["acks"] += 1
    s.last_ack = now
    s.due = None


def newest_addr():
    for s in reversed(order):
        if s.addr is not None:
            return s, s.addr
    return None, None


def forge(words):
    s, addr = newest_addr()
    if addr is None:
        return
    what = words[0]
    out = []
    if what == "random":
        for i in range(int(words[1])):
            b = os.urandom(rnd.randrange(1, 300))
            if i % 2:
                b = (bytes([VERSION, KIND_ACK]) + os.urandom(24) + b"\xff" +
                     os.urandom(23 + 16 + 14 + rnd.randrange(0, 129)))
            out.append(b)
    elif what == "unknown":
        out.append(s.ack(nonce=os.urandom(24), key=os.urandom(32)))
    elif what == "wrongkey":
        out.append(s.ack(d=s.highest, key=os.urandom(32)))
    elif what in ("other", "stale"):
        old = [o for o in order if o is not s and o.last_sealed]
        if not old:
            return
        a = old[-1].last_sealed
        out.append(a[:2] + s.n + a[26:] if what == "other" else a)
    elif what == "claim":
        out.append(s.ack(d=s.highest + 10))
    for b in out:
        sock.sendto(b, addr)
        stats["forged"] += 1


def dump():
    if recfile:
        recfile.flush()
    if "-o" not in opt:
        return
    summary = dict(stats)
    summary["sessions"] = [{"nonce": s.n.hex(), "t": s.t, "k": s.k.hex(),
                            "a": s.a.hex(), "datagrams": s.datagrams,
                            "highest": s.highest, "done": s.done}
                           for s in order]
    summary["nsessions"] = len(order)
    summary["mode"] = mode
    with open(opt["-o"] + ".tmp", "w") as f:
        json.dump(summary, f)
    os.rename(opt["-o"] + ".tmp", opt["-o"])


def command(line):
    global mode
    words = line.split()
    if not words:
        return
    if words[0] in ("silent", "hold"):
        mode = words[0]
    elif words[0] == "ack":
        mode = "ack"
        now = time.monotonic()
        for s in order:
            if s.addr is not None:
                schedule(s, now)
    elif words[0] == "dump":
        dump()
    elif words[0] == "forge" and len(words) > 1:
        forge(words[1:])


stop = False


def on_term(sig, frame):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
print("ackcoll: listening on port %d" % port, file=sys.stderr, flush=True)
pending = b""
while not stop:
    now = time.monotonic()
    due = [s.due for s in order if s.due is not None]
    timeout = max(0.0, min(due) - now) if due else 0.5
    fds = [sock] + ([fifo] if fifo is not None else [])
    try:
        r, _, _ = select.select(fds, [], [], timeout)
    except InterruptedError:
        continue
    now = time.monotonic()
    if sock in r:
        for _ in range(256):
            try:
                d, addr = sock.recvfrom(70000, socket.MSG_DONTWAIT)
            except BlockingIOError:
                break
            take(d, addr, now)
    if fifo is not None and fifo in r:
        pending += os.read(fifo, 4096)
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            command(line.decode())
    now = time.monotonic()
    for s in order:
        if s.due is not None and s.due <= now and mode == "ack":
            send_ack(s, now)
        elif mode != "ack":
            s.due = None
dump()
