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
# acksensor.py: a sensor written from the manual's WIRE FORMAT with
# PyNaCl, for t_ack.sh.  It seals known datagrams of one session, sends
# them from one UDP port and reads the collector's acks on it, opening
# them with A computed the collector's way: K from the certificate's E
# and the collector's secret key, A = BLAKE2b-256 of "ncap v2 ack" keyed
# with K.  Its state (the session, what was sent, what the acks said)
# lives in a JSON file, so that it outlives the collectors it talks to.
#
#	acksensor.py init STATE IDDIR COLLDIR PORT NAME [recs=N] [BAD...]
#		a new session of the identity in IDDIR (ncctl keygen) to
#		the collector of COLLDIR, sent to 127.0.0.1 PORT, N (3)
#		records a datagram; the datagrams numbered BAD have an
#		unknown encoding byte
#	acksensor.py port STATE PORT
#		the collector is on another port now
#	acksensor.py from STATE
#		send from another local port from now on
#	acksensor.py send STATE FIRST LAST [WAIT]
#		datagrams FIRST to LAST, then acks for up to WAIT seconds
#		(2), or until all sent are acknowledged and an ack came
#	acksensor.py resend STATE [EXTRA] [WAIT]
#		every datagram sent and not acknowledged, and EXTRA (0)
#		that were, then acks as above
#	acksensor.py listen STATE [WAIT]
#		acks only
#	acksensor.py status STATE
#		"sent N acked N unacked N D N credit N acks N first-ms N
#		resent N lport N": acks and first-ms (to the first ack)
#		since the last send
#	acksensor.py expect STATE
#		a line per record the collector must hold: type,
#		timestamp, src_port, dst_port; from each good datagram sent
#	acksensor.py stored FILE...
#		the same from `ncctl dump -j` outputs
#	acksensor.py acked STATE SEQ...
#		"yes" or "no" for each
#
# Each datagram n carries N records: UDP or, for odd n, ICMPv4, whose
# time stamps say n; it is done once any ack says so, for good.

import hashlib
import json
import os
import select
import socket
import struct
import sys
import time

import nacl.bindings as nb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ncpb import batch, fvarint, varint  # noqa: E402

BASE = 1700000000000000000


def key(path):
    with open(path) as f:
        return bytes.fromhex(f.read().strip())


def load(path):
    with open(path) as f:
        return json.load(f)


def save(path, st):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(st, f)
    os.rename(tmp, path)


def records(st, n):
    """(type, timestamp, src_port, dst_port) of datagram n's records"""
    t = "ICMPv4" if n % 2 else "UDP"
    return [(t, BASE + n * 1000 + k, k + 1, n) for k in range(st["recs"])]


def plaintext(st, n):
    recs = b""
    rtype = None
    for t, ts, a, b in records(st, n):
        rtype = t
        if t == "UDP":
            r = fvarint(1, ts) + fvarint(4, a) + fvarint(5, b)
        else:
            # ICMPv4: type (4) and seq (8) carry what UDP's ports do
            r = fvarint(1, ts) + fvarint(4, a) + fvarint(8, b)
        recs += varint(len(r)) + r
    enc = b"\x07" if n in st["bad"] else b"\x00"
    return enc + batch(st["name"].encode(), rtype.encode(), st["recs"],
                       recs)


def datagram(st, n):
    k = bytes.fromhex(st["k"])
    nonce = bytes(16) + struct.pack(">Q", n)
    box = nb.crypto_box_afternm(plaintext(st, n), nonce, k)
    return bytes.fromhex(st["hdr"]) + struct.pack(">Q", n) + box


def cmd_init(a):
    state, iddir, colldir, port, name = a[:5]
    isk = key(os.path.join(iddir, "priv.key"))
    ipk = nb.crypto_scalarmult_base(isk)
    cpk = key(os.path.join(colldir, "pub.key"))
    csk = key(os.path.join(colldir, "priv.key"))
    epk, esk = nb.crypto_box_keypair()
    n = os.urandom(24)
    t = time.time_ns()
    cert = nb.crypto_box(epk + struct.pack(">Q", t), n, cpk, isk)
    assert len(cert) == 56
    hdr = bytes([2]) + ipk + n + cert
    recs = [int(x[5:]) for x in a[5:] if x.startswith("recs=")]
    st = {
        "name": name, "port": int(port), "recs": (recs + [3])[0],
        "bad": [int(x) for x in a[5:] if not x.startswith("recs=")],
        "hdr": hdr.hex(), "nonce": n.hex(),
        # the sensor's K, from E's secret
        "k": nb.crypto_box_beforenm(cpk, esk).hex(),
        # the collector's, from the certificate's E: A comes from this
        "kc": nb.crypto_box_beforenm(
            nb.crypto_box_open(cert, n, ipk, csk)[:32], csk).hex(),
        "sent": [], "done": [], "acks": 0, "last": None, "first_ms": None,
        "lport": 0,
    }
    save(state, st)


def open_ack(st, d):
    """(D, credit, bitmap) of an ack, or None if it is not ours"""
    if len(d) < 80 or d[0] != 2 or d[1] != 1 or d[26] != 0xff:
        return None
    if d[2:26] != bytes.fromhex(st["nonce"]):
        return None
    a = hashlib.blake2b(b"ncap v2 ack", digest_size=32,
                        key=bytes.fromhex(st["kc"])).digest()
    try:
        pt = nb.crypto_box_open_afternm(d[50:], d[26:50], a)
    except Exception:
        return None
    dd, credit, m = struct.unpack(">QIH", pt[:14])
    if len(pt) != 14 + m:
        return None
    return dd, credit, pt[14:]


def ack_done(dd, bitmap, n):
    if n <= dd:
        return True
    j = n - dd - 2
    return j >= 0 and j < len(bitmap) * 8 and bool(bitmap[j // 8] >>
                                                    (j % 8) & 1)


def sock(st):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", st["lport"]))
    st["lport"] = s.getsockname()[1]
    return s


def listen(st, s, wait, t0):
    """acks until wait seconds pass, or all sent are done and one came"""
    end = time.monotonic() + wait
    sent = set(st["sent"])
    done = set(st["done"])
    st["acks"] = 0
    st["first_ms"] = None
    while sent - done or st["acks"] == 0:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            break
        d = s.recv(65536)
        ack = open_ack(st, d)
        if ack is None:
            st.setdefault("junk", 0)
            st["junk"] += 1
            continue
        dd, credit, bitmap = ack
        st["acks"] += 1
        if st["first_ms"] is None:
            st["first_ms"] = int((time.monotonic() - t0) * 1000)
        st["last"] = [dd, credit, bitmap.hex()]
        for n in sent:
            if n not in done and ack_done(dd, bitmap, n):
                done.add(n)
        st["done"] = sorted(done)


def send(st, s, seqs):
    for n in seqs:
        s.sendto(datagram(st, n), ("127.0.0.1", st["port"]))
        if n not in st["sent"]:
            st["sent"].append(n)
        # a sanitizer build drains a flood as it comes, or not at all
        time.sleep(0.0005)


def main():
    c, a = sys.argv[1], sys.argv[2:]
    if c == "init":
        cmd_init(a)
        return
    if c == "stored":
        out = []
        for path in a:
            with open(path) as f:
                lines = f.read().splitlines()
            t = json.loads(lines[0])["record_type"]
            for l in lines[1:]:
                r = json.loads(l)
                if t == "UDP":
                    out.append((t, r["timestamp"], r["src_port"],
                                r["dst_port"]))
                else:
                    out.append((t, r["timestamp"], r["type"], r["seq"]))
        for r in sorted(out):
            print(*r)
        return
    st = load(a[0])
    if c == "send":
        s = sock(st)
        t0 = time.monotonic()
        send(st, s, range(int(a[1]), int(a[2]) + 1))
        listen(st, s, float(a[3]) if len(a) > 3 else 2.0, t0)
    elif c == "resend":
        s = sock(st)
        extra = int(a[1]) if len(a) > 1 else 0
        done = set(st["done"])
        again = [n for n in st["sent"] if n not in done]
        again += [n for n in st["done"]][:extra]
        st["resent"] = len(again)
        t0 = time.monotonic()
        send(st, s, again)
        listen(st, s, float(a[2]) if len(a) > 2 else 2.0, t0)
    elif c == "listen":
        s = sock(st)
        listen(st, s, float(a[1]) if len(a) > 1 else 2.0, time.monotonic())
    elif c == "status":
        sent, done = set(st["sent"]), set(st["done"])
        last = st["last"] or [0, 0, ""]
        print("sent %d acked %d unacked %d D %d credit %d acks %d "
              "first-ms %s resent %d lport %d" % (
                  len(sent), len(done), len(sent - done), last[0], last[1],
                  st["acks"], st["first_ms"], st.get("resent", 0),
                  st["lport"]))
        return
    elif c == "port":
        st["port"] = int(a[1])
    elif c == "from":
        st["lport"] = 0
    elif c == "expect":
        out = []
        for n in sorted(set(st["sent"])):
            if n not in st["bad"]:
                out += records(st, n)
        for r in sorted(out):
            print(*r)
        return
    elif c == "acked":
        done = set(st["done"])
        print(" ".join("yes" if int(n) in done else "no" for n in a[1:]))
        return
    else:
        sys.exit("unknown command " + c)
    save(a[0], st)


main()
