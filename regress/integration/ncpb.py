#!/usr/bin/python3
# ncpb.py: just enough protobuf to write a Batch by hand, for tests that
# hand the collector batches no sensor would make.

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def fbytes(num, b):
    return varint(num << 3 | 2) + varint(len(b)) + b


def fvarint(num, v):
    return varint(num << 3) + varint(v)


def batch(sensor, rtype, count, records):
    return (fbytes(1, sensor) + fbytes(2, rtype) + fvarint(3, count) +
            fbytes(4, records))


# a valid UDP record: just its timestamp (field 1)
REC = fvarint(1, 1700000000000000000)
FRAMED = varint(len(REC)) + REC
# and one with an unknown field that makes it 70 kB
BIG = REC + fbytes(100, bytes(70000))
