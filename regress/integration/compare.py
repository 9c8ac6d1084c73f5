#!/usr/bin/python3
# compare.py [-x differences.txt] CAPTURE SPOOLDIR NCCTL: compare the
# records ncap stored for a capture (SPOOLDIR/<Type>.ncap) with tshark's
# dissection of the same capture, type by type: the number of records
# equals the number of frames tshark decodes with that layer (as
# tshark_layers.py counts them), and the key fields are equal.
#
# Prints TAP lines ("ok"/"not ok") and, per type, a comment line
# "# stats TYPE RECORDS FIELDS-CHECKED FIELDS-MATCHED".
#
# A differences file lists deliberate differences, one per line:
#	CAPTURE FRAME TYPE FIELD reason...
# CAPTURE is a file name (or *), FRAME a frame number (or *), FIELD a
# field name or * for the whole record.
import fnmatch
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tshark_layers as tl  # noqa: E402

# our field <- (tshark field, how ours is scaled to tshark's unit)
FIELDS = {
    "Ethernet": [("src_mac", "eth.src", 1), ("dst_mac", "eth.dst", 1),
                 ("ethertype", "eth.type|eth.len", 1)],
    "ARP": [("operation", "arp.opcode", 1), ("src_hw", "arp.src.hw_mac", 1),
            ("src_ip", "arp.src.proto_ipv4", 1),
            ("dst_hw", "arp.dst.hw_mac", 1),
            ("dst_ip", "arp.dst.proto_ipv4", 1)],
    "IPv4": [("version", "ip.version", 1), ("ihl", "ip.hdr_len", 4),
             ("tos", "ip.dsfield", 1), ("length", "ip.len", 1),
             ("id", "ip.id", 1), ("flags", "ip.flags", 1),
             ("frag_offset", "ip.frag_offset", 1), ("ttl", "ip.ttl", 1),
             ("protocol", "ip.proto", 1), ("checksum", "ip.checksum", 1),
             ("src_ip", "ip.src", 1), ("dst_ip", "ip.dst", 1)],
    "IPv6": [("traffic_class", "ipv6.tclass", 1),
             ("flow_label", "ipv6.flow", 1),
             ("payload_length", "ipv6.plen", 1),
             ("next_header", "ipv6.nxt", 1), ("hop_limit", "ipv6.hlim", 1),
             ("src_ip", "ipv6.src", 1), ("dst_ip", "ipv6.dst", 1)],
    "ICMPv4": [("type", "icmp.type", 1), ("code", "icmp.code", 1),
               ("checksum", "icmp.checksum", 1), ("id", "icmp.ident", 1),
               ("seq", "icmp.seq", 1)],
    "ICMPv6": [("type", "icmpv6.type", 1), ("code", "icmpv6.code", 1),
               ("checksum", "icmpv6.checksum", 1)],
    "TCP": [("src_port", "tcp.srcport", 1), ("dst_port", "tcp.dstport", 1),
            ("seq_num", "tcp.seq_raw", 1), ("ack_num", "tcp.ack_raw", 1),
            ("data_offset", "tcp.hdr_len", 4), ("flags", "tcp.flags", 1),
            ("window", "tcp.window_size_value", 1),
            ("checksum", "tcp.checksum", 1),
            ("urgent", "tcp.urgent_pointer", 1),
            ("payload_size", "tcp.len", 1)],
    "UDP": [("src_port", "udp.srcport", 1), ("dst_port", "udp.dstport", 1),
            ("length", "udp.length", 1), ("checksum", "udp.checksum", 1)],
}
NETWORK = {"IPv4": ("ip.src", "ip.dst"), "IPv6": ("ipv6.src", "ipv6.dst")}


def norm(v):
    """tshark's 'show' text or our JSON value, in one comparable form"""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if v is None:
        return None
    try:
        return int(v, 0)
    except ValueError:
        return v.lower()


def tshark_frames(path):
    """per frame: number, timestamp (ns), [(type, {field: show})] in
    layer order; a type may occur twice (IP in IP)"""
    cmd = ["tshark", "-n", "-r", path, "-T", "pdml"] + tl.TSHARK_OPTS
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    out = []
    for _, e in ET.iterparse(p.stdout, events=("end",)):
        if e.tag != "packet":
            continue
        ts, net = None, None
        for proto in e:
            if proto.tag == "proto" and proto.get("name") == "frame":
                f = tl.fields(proto)
                ts = int(Decimal(f["frame.time_epoch"]) * 10**9)
        types = tl.frame_layers(e)
        layers = []
        # frame_layers walks the top-level layers in this same order
        for proto in e:
            name = proto.get("name")
            if len(layers) == len(types):
                break
            if proto.tag != "proto" or name not in tl.LAYERS or \
                    tl.LAYERS[name][0] != types[len(layers)]:
                continue
            t = tl.LAYERS[name][0]
            f = tl.fields(proto)
            # transport records carry the innermost IP layer's addresses
            if t in NETWORK:
                net = (f.get(NETWORK[t][0]), f.get(NETWORK[t][1]))
            elif net is not None:
                f["_src"], f["_dst"] = net
            layers.append((t, f))
        out.append((len(out) + 1, ts, layers))
        e.clear()
    p.wait()
    return out


def load_exceptions(path, capture):
    ex = []
    if not path:
        return ex
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            w = line.split(None, 4)
            if len(w) >= 4 and fnmatch.fnmatch(capture, w[0]):
                ex.append((w[1], w[2], w[3]))
    return ex


def excepted(ex, frame, rtype, field):
    for fr, t, fl in ex:
        if (fr == "*" or fr == str(frame)) and t == rtype and \
                (fl == "*" or fl == field):
            return True
    return False


def main():
    args = sys.argv[1:]
    xfile = None
    if args[:1] == ["-x"]:
        xfile, args = args[1], args[2:]
    capture, spool, ncctl = args
    name = os.path.basename(capture)
    ex = load_exceptions(xfile, name)
    frames = tshark_frames(capture)
    status = 0
    for rtype, fmap in FIELDS.items():
        want = []
        for num, ts, layers in frames:
            if excepted(ex, num, rtype, "*"):
                continue
            want.extend((ts, num, f) for t, f in layers if t == rtype)
        path = os.path.join(spool, rtype + ".ncap")
        got = []
        if os.path.exists(path):
            dump = subprocess.run([ncctl, "dump", "-j", path],
                                  capture_output=True, text=True,
                                  check=True).stdout.splitlines()
            got = [json.loads(l) for l in dump[1:]]
        # records whose whole frame is excepted are left out of both
        xts = {ts for num, ts, layers in frames
               if excepted(ex, num, rtype, "*")}
        got = [r for r in got if r.get("timestamp") not in xts]
        if len(got) != len(want):
            print("not ok - %s %s: %d records, tshark decodes %d" %
                  (name, rtype, len(got), len(want)))
            status = 1
            continue
        extra = [("src_ip", "_src", 1), ("dst_ip", "_dst", 1)] \
            if rtype in ("ICMPv4", "ICMPv6", "TCP", "UDP") else []
        checked = matched = 0
        bad = []
        # both sides in capture order: ours by timestamp, stable
        got.sort(key=lambda r: r["timestamp"])
        want.sort(key=lambda w: w[0])
        for rec, (ts, num, tf) in zip(got, want):
            checked += 1
            if rec["timestamp"] == ts:
                matched += 1
            else:
                bad.append("frame %d timestamp %s != %s" %
                           (num, rec["timestamp"], ts))
            for ours, theirs, scale in fmap + extra:
                tv = None
                for alt in theirs.split("|"):
                    if alt in tf:
                        tv = tf[alt]
                        break
                if tv is None or excepted(ex, num, rtype, ours):
                    continue
                ov = norm(rec.get(ours))
                if isinstance(ov, int):
                    ov *= scale
                checked += 1
                if ov == norm(tv):
                    matched += 1
                else:
                    bad.append("frame %d %s %s=%r, tshark %s=%r" %
                               (num, rtype, ours, ov, theirs, tv))
        print("# stats %s %d %d %d" % (rtype, len(got), checked, matched))
        if bad:
            status = 1
            print("not ok - %s %s: %d of %d fields differ" %
                  (name, rtype, len(bad), checked))
            for b in bad[:10]:
                print("#   " + b)
        else:
            print("ok - %s %s: %d records, %d fields equal" %
                  (name, rtype, len(got), checked))
    return status


if __name__ == "__main__":
    sys.exit(main())
