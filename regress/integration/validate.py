#!/usr/bin/python3
# validate.py PORT COLLECTOR_PUB SENSOR_SECRET_HEX NCFORGE: as a trusted
# sensor (ncforge with a listed key), send the collector one datagram
# per case below: records a strict proto3 reader refuses or reads
# otherwise, and good ones between them.  Prints what it sent, a line
# per record, for t_validate.sh to check:
#	bad D TYPE TIMESTAMP WHY	in datagram D, to drop for WHY (the
#					log's "record N: ..." text)
#	good D TYPE TIMESTAMP		in datagram D, to store
#	marker TYPE TEXT		bytes of an unknown field, to store
# Every record has its own timestamp, so the test finds each one.
import subprocess
import sys
import time

from ncpb import batch, fbytes, fvarint, varint

port, pub, skhex, forge = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
TS0 = 1700000000000000000
seq = [0]
dgrams = [0]


def ts():
    seq[0] += 1
    return TS0 + seq[0]


def tag(num, wt):
    return varint(num << 3 | wt)


def send(rtype, recs):
    framed = b"".join(varint(len(r)) + r for r in recs)
    pt = b"\0" + batch(b"vs", rtype.encode(), len(recs), framed)
    subprocess.run([forge, "-k", pub, "-s", skhex, "127.0.0.1", port],
                   input=pt, check=True)
    dgrams[0] += 1
    return dgrams[0]


def good(rtype, *fields):
    t = ts()
    d = send(rtype, [fvarint(1, t) + b"".join(fields)])
    print("good", d, rtype, t)


def bad(rtype, why, *fields, before=0):
    # before: good records ahead of the bad one in the same batch
    recs, stamps = [], []
    for _ in range(before + 1):
        stamps.append(ts())
        recs.append(fvarint(1, stamps[-1]))
    recs[-1] += b"".join(fields)
    d = send(rtype, recs)
    for t in stamps:
        print("bad", d, rtype, t, "record %d: %s" % (len(recs), why))
    # at most 5 lines a second per cause are logged: stay under it
    time.sleep(0.25)


V4 = bytes([10, 0, 0, 1])
V6 = bytes([0xfd, 0] + [0] * 13 + [2])
MAC = bytes([2, 0, 0, 0, 0, 1])
NEG6 = (1 << 64) - 6            # -6 as an int32 on the wire: 10 bytes


def question(name):
    return fbytes(1, name) + fvarint(2, 1) + fvarint(3, 1)


good("UDP", fbytes(2, V4), fbytes(3, V6), fvarint(4, 53), fvarint(5, 40000))
bad("NTP", "NTP.reference_text (field 12): not UTF-8",
    fbytes(12, b"\xc0\x80"))
good("NTP", fvarint(7, NEG6), fbytes(12, "caf\u00e9 \u20ac \U0001f600"
                                      .encode()))
bad("NTP", "NTP.reference_text (field 12): not UTF-8",
    fbytes(12, b"\xed\xa0\x80"))
bad("NTP", "NTP.reference_text (field 12): NUL in a string",
    fbytes(12, b"GPS\0"))
bad("UDP", "UDP.src_port (field 4): uint32 out of range",
    fvarint(4, 1 << 32))
bad("DNS", "DNS.qr (field 7): bool neither 0 nor 1", fvarint(7, 2))
good("DNS", fvarint(7, 1), fbytes(14, question(b"example.org")))
bad("NTP", "NTP.poll (field 7): int32 out of range", fvarint(7, 1 << 31))
bad("UDP", "UDP.src_ip (field 2): address of a wrong length",
    fbytes(2, b"\1\2\3\4\5"))
bad("Ethernet", "Ethernet.src_mac (field 2): address of a wrong length",
    fbytes(2, MAC + b"\0"))
good("Ethernet", fbytes(2, MAC), fbytes(3, b"\xff" * 6), fvarint(4, 0x800))
bad("UDP", "UDP, unknown field 100: wire type 6 or 7, which none is",
    tag(100, 7), b"\0" * 8)
bad("UDP", "UDP.src_port (field 4): wrong wire type for its type",
    fbytes(4, b"\x35"))
bad("TLSClientHello",
    "TLSClientHello.cipher_suites (field 9): uint32 out of range",
    fbytes(9, varint(0x1301) + varint(1 << 32)))
good("TLSClientHello", fbytes(7, b"example.org"), fbytes(8, b"h2"),
     fbytes(9, varint(0x1301) + varint(0xc02f)), fvarint(10, 0),
     fvarint(10, 43))
bad("DNS", "DNS.Question.name (field 1): not UTF-8",
    fbytes(14, question(b"caf\xe9.example")))
bad("UDP", "UDP.timestamp (field 1): a varint longer than 64 bits",
    tag(1, 0), b"\x80" * 9 + b"\x7f")
bad("UDP", "UDP, unknown field 100: runs past the end of its message",
    tag(100, 2), varint(9), b"12345678")
bad("UDP", "UDP.src_ip (field 2): address of a wrong length",
    fbytes(2, b"\1\2\3\4\5"), before=2)
# ARP's addresses are as long as the packet says: 8-byte hardware
good("ARP", fvarint(2, 1), fbytes(3, b"\2" * 8), fbytes(4, V4),
     fbytes(5, b"\0" * 8), fbytes(6, V4))
# fields of a newer sensor: kept, whatever their wire type
MARK = b"from-a-newer-sensor"
good("UDP", fvarint(4, 53), fvarint(100, 1 << 40), fbytes(101, MARK),
     tag(102, 5), b"\1\2\3\4", tag(103, 1), b"\1" * 8)
print("marker UDP", MARK.decode())
