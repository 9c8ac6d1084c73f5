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

# relay.py: a UDP relay on 127.0.0.1 between sensors and a collector
# that duplicates and reorders, both ways: datagrams to the collector,
# acks back.  Each sensor address gets a socket of its own towards the
# collector, so that the acks find their way back.
#
# usage: relay.py [-d fraction] [-r fraction] [-s seed] [-o stats.json]
#	    [-w record] port collector-port
#
# -d: that fraction of what passes is sent twice, the copy right after;
# -r: that fraction is held back and sent after 1 to 8 more have passed
# the same way, or 10 to 100 ms later, whichever comes first.  It says
# "listening" on stderr once it is, and at SIGTERM writes its counts,
# each way: "in", "out", "duplicated", "held" (a JSON object of "data"
# and "acks"), and ends.  -w: each datagram from a sensor, as it came,
# is appended to the file record: its length (4 bytes, big-endian),
# then its bytes, to be sent again (t_replay.sh).
import getopt
import json
import random
import select
import signal
import socket
import struct
import sys
import time

SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


class Stop(Exception):
    pass


class Way:
    """one direction: its faults, its held datagrams, its counts"""

    def __init__(self, rnd, dup, reorder):
        self.rnd, self.dup, self.reorder = rnd, dup, reorder
        self.held = []		# [after, deadline, sock, data, to]
        self.count = {"in": 0, "out": 0, "duplicated": 0, "held": 0}

    def send(self, sock, data, to):
        try:
            sock.sendto(data, to)
            self.count["out"] += 1
        except OSError:
            pass

    def passes(self, sock, data, to):
        self.count["in"] += 1
        if self.rnd.random() < self.reorder:
            self.count["held"] += 1
            self.held.append([self.rnd.randint(1, 8), time.monotonic() +
                              self.rnd.uniform(0.01, 0.1), sock, data, to])
        else:
            self.send(sock, data, to)
            self.release(False)
        if self.rnd.random() < self.dup:
            self.count["duplicated"] += 1
            self.send(sock, data, to)

    def release(self, timer):
        """one more has passed, or time went by: the held ones due"""
        now, keep = time.monotonic(), []
        for h in self.held:
            if not timer:
                h[0] -= 1
            if h[0] <= 0 or h[1] <= now:
                self.send(h[2], h[3], h[4])
            else:
                keep.append(h)
        self.held = keep

    def next(self):
        return min((h[1] for h in self.held), default=None)


def bigbuf(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)


def main():
    opts, args = getopt.getopt(sys.argv[1:], "d:r:s:o:w:")
    dup = reorder = 0.0
    seed, out, rec = 1, None, None
    for o, v in opts:
        if o == "-d":
            dup = float(v)
        elif o == "-r":
            reorder = float(v)
        elif o == "-s":
            seed = int(v)
        elif o == "-o":
            out = v
        elif o == "-w":
            rec = open(v, "ab")
    if len(args) != 2:
        sys.exit("usage: relay.py [-d fraction] [-r fraction] [-s seed] "
                 "[-o stats.json] [-w record] port collector-port")
    rnd = random.Random(seed)
    collector = ("127.0.0.1", int(args[1]))
    data, acks = Way(rnd, dup, reorder), Way(rnd, dup, reorder)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    bigbuf(lsock)
    lsock.bind(("127.0.0.1", int(args[0])))
    up = {}			# a sensor address -> its socket
    back = {}		# that socket -> the sensor address

    def stop(sig, frame):
        raise Stop()
    signal.signal(signal.SIGTERM, stop)
    print("listening", file=sys.stderr, flush=True)
    try:
        while True:
            due = [t for t in (data.next(), acks.next()) if t is not None]
            wait = None
            if due:
                wait = max(0.0, min(due) - time.monotonic())
            ready, _, _ = select.select([lsock] + list(back), [], [], wait)
            for s in ready:
                try:
                    d, frm = s.recvfrom(65536)
                except OSError:
                    continue
                if s is lsock:
                    if rec is not None:
                        rec.write(struct.pack(">I", len(d)) + d)
                        rec.flush()
                    if frm not in up:
                        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                        bigbuf(u)
                        u.bind(("127.0.0.1", 0))
                        up[frm], back[u] = u, frm
                    data.passes(up[frm], d, collector)
                else:
                    acks.passes(lsock, d, back[s])
            data.release(True)
            acks.release(True)
    except Stop:
        pass
    if out is not None:
        with open(out, "w") as f:
            json.dump({"data": data.count, "acks": acks.count}, f)


main()
