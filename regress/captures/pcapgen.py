# pcapgen.py: what the capture generators share: the Internet checksum,
# the TCP and UDP pseudo-header, and the pcap file format (version 2.4,
# microseconds, little endian).
import struct


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!IxxxB", length, proto)


def pcap_header(linktype, snaplen=65535):
    return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(sec, usec, data, wirelen=None):
    """A frame as captured (data) and the length it had on the wire."""
    return struct.pack("<IIII", sec, usec, len(data),
                       len(data) if wirelen is None else wirelen) + data
