#!/usr/bin/python3
# trust.py: the datagram side of t_trust.sh.
#
#	trust.py replay PCAP PORT	send again, in order then shuffled,
#					every datagram to PORT in a capture
#	trust.py flood PORT N FRESH [SRC]
#					N random datagrams, then those ncforge
#					-c wrote to FRESH (2-byte lengths), at
#					about 10000 a second
#	trust.py send FILE PORT [I...]	datagrams ncforge -c wrote to FILE,
#					all in order, or those numbered I (from 0)
#	trust.py spray FILE PORT PER	the same, PER from each source address
#					in turn, from 127.0.0.2 on
#	trust.py batch NAME [N]		a raw plaintext: a Batch of N (1) UDP
#					records claiming sensor NAME
#	trust.py skey CSKHEX EPKHEX...	the session keys a collector secret
#					shares with session public keys
import random
import socket
import struct
import sys
import time

from ncpb import REC, batch, varint


def framed(path):
    with open(path, "rb") as f:
        data = f.read()
    off, out = 0, []
    while off + 2 <= len(data):
        ln = struct.unpack("!H", data[off:off + 2])[0]
        out.append(data[off + 2:off + 2 + ln])
        off += 2 + ln
    return out


def pcap_payloads(path, port):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic not in (0xa1b2c3d4, 0xa1b23c4d):
        sys.exit("not a little-endian pcap file")
    linktype = struct.unpack("<I", data[20:24])[0]
    if linktype != 1:
        sys.exit("link type %d, want Ethernet" % linktype)
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(pkt) < 14 + 20 + 8 or pkt[12:14] != b"\x08\x00":
            continue
        ihl = (pkt[14] & 0x0f) * 4
        if pkt[14 + 9] != 17:
            continue
        udp = pkt[14 + ihl:]
        if struct.unpack("!H", udp[2:4])[0] == port:
            out.append(udp[8:struct.unpack("!H", udp[4:6])[0]])
    return out


def pace(i):
    # a flood, but one a sanitizer build drains as it comes: what the
    # socket buffer cannot hold is lost for everyone, whatever we do
    if i % 500 == 499:
        time.sleep(0.05)


def main():
    cmd = sys.argv[1]
    if cmd == "replay":
        port = int(sys.argv[3])
        dgrams = pcap_payloads(sys.argv[2], port)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for d in dgrams:
            s.sendto(d, ("127.0.0.1", port))
        shuffled = list(dgrams)
        random.Random(7).shuffle(shuffled)
        for d in shuffled:
            s.sendto(d, ("127.0.0.1", port))
        print(len(dgrams))
    elif cmd == "flood":
        port, n = int(sys.argv[2]), int(sys.argv[3])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        if len(sys.argv) > 5:
            s.bind((sys.argv[5], 0))
        rnd = random.Random(99)
        v2 = 0
        for i in range(n):
            size = rnd.randrange(0, 1500)
            d = bytearray(rnd.randbytes(size))
            # half of them claim to be version 2
            if size and i % 2:
                d[0] = 2
                # long enough to carry a key the collector looks up
                v2 += size >= 138
            s.sendto(bytes(d), ("127.0.0.1", port))
            pace(i)
        fresh = framed(sys.argv[4])
        for i, d in enumerate(fresh):
            s.sendto(d, ("127.0.0.1", port))
            pace(i)
        print(n, len(fresh), v2)
    elif cmd == "send":
        dgrams, port = framed(sys.argv[2]), int(sys.argv[3])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        pick = [int(i) for i in sys.argv[4:]] or range(len(dgrams))
        for i in pick:
            s.sendto(dgrams[i], ("127.0.0.1", port))
    elif cmd == "spray":
        dgrams, port, per = framed(sys.argv[2]), int(sys.argv[3]), \
            int(sys.argv[4])
        socks = {}
        for i, d in enumerate(dgrams):
            src = "127.0.0.%d" % (2 + i // per)
            if src not in socks:
                socks[src] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks[src].bind((src, 0))
            socks[src].sendto(d, ("127.0.0.1", port))
    elif cmd == "batch":
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        recs = (varint(len(REC)) + REC) * n
        sys.stdout.buffer.write(b"\0" + batch(sys.argv[2].encode(), b"UDP",
                                               n, recs))
    elif cmd == "skey":
        import nacl.bindings as b
        csk = bytes.fromhex(sys.argv[2])
        for e in sys.argv[3:]:
            print(b.crypto_box_beforenm(bytes.fromhex(e), csk).hex())
    else:
        sys.exit("unknown command")


main()
