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
    # UDP applications (area "udpapp").  "list[].f" fields compare a
    # repeated field with the values of each entry of a tshark section
    # (see repeated() below)
    "DNS": [("id", "dns.id", 1), ("flags", "dns.flags", 1),
            ("qr", "dns.flags.response", 1),
            ("opcode", "dns.flags.opcode", 1),
            ("tc", "dns.flags.truncated", 1),
            ("rcode", "dns.flags.rcode", 1),
            ("qdcount", "dns.count.queries", 1),
            ("ancount", "dns.count.answers", 1),
            ("questions[].name", "Queries/dns.qry.name", 1),
            ("questions[].type", "Queries/dns.qry.type", 1),
            ("answers[].name", "Answers/dns.resp.name", 1),
            ("answers[].type", "Answers/dns.resp.type", 1),
            ("answers[].ttl", "Answers/dns.resp.ttl", 1),
            ("answers[].data", "Answers/dns.a|dns.aaaa|dns.cname|dns.ns|"
             "dns.ptr.domain_name|dns.dname|"
             "dns.mx.preference+dns.mx.mail_exchange", 1),
            ("authorities[].type",
             "Authoritative nameservers/dns.resp.type", 1),
            ("authorities[].data", "Authoritative nameservers/"
             "dns.soa.mname+dns.soa.rname+dns.soa.serial_number+"
             "dns.soa.refresh_interval+dns.soa.retry_interval+"
             "dns.soa.expire_limit+dns.soa.minimum_ttl|dns.ns", 1),
            ("additionals[].type", "Additional records/dns.resp.type", 1)],
    "DHCPv4": [("op", "dhcp.type", 1), ("xid", "dhcp.id", 1),
               ("client_ip", "dhcp.ip.client", 1),
               ("your_ip", "dhcp.ip.your", 1),
               ("server_ip", "dhcp.ip.server", 1),
               ("message_type", "dhcp.option.dhcp", 1),
               ("hostname", "dhcp.option.hostname", 1),
               ("requested_ip", "dhcp.option.requested_ip_address", 1),
               ("parameter_list[]", "dhcp.option.request_list_item", 1)],
    "NTP": [("version", "ntp.flags.vn", 1), ("mode", "ntp.flags.mode", 1),
            ("stratum", "ntp.stratum", 1), ("poll", "ntp.ppoll", 1)],
    # TCP applications (area "tcpapp"); tshark's ja3 is the hash
    "TLSClientHello": [("version", "tls.handshake.version", 1),
                       ("server_name",
                        "tls.handshake.extensions_server_name", 1),
                       ("ja3", "tls.handshake.ja3_full", 1),
                       ("ja3_hash", "tls.handshake.ja3", 1),
                       ("cipher_suites[]", "tls.handshake.ciphersuite", 1),
                       ("extensions[]", "tls.handshake.extension.type", 1),
                       ("alpn[]", "tls.handshake.extensions_alpn_str", 1)],
    "HTTP": [("method", "http.request.method", 1),
             ("uri", "http.request.uri", 1),
             ("version", "http.request.version|http.response.version", 1),
             ("status_code", "http.response.code", 1),
             ("host", "http.host", 1), ("user_agent", "http.user_agent", 1),
             ("content_type", "http.content_type", 1)],
    # link and network layers (area "net"); "_x" fields are made by
    # tshark_layers.derived(); an NA's R/S/O are the top bits of 32
    "Dot1Q": [("priority", "vlan.priority|ieee8021ad.priority", 1),
              ("drop_eligible", "vlan.dei|ieee8021ad.dei", 1),
              ("vlan_id", "vlan.id|ieee8021ad.id", 1),
              ("ethertype", "vlan.etype|vlan.len|ieee8021ah.etype", 1)],
    "IPv6HopByHop": [("next_header", "ipv6.hopopts.nxt", 1),
                     ("options_size", "_options_size", 1)],
    "IPv6Fragment": [("next_header", "ipv6.fraghdr.nxt", 1),
                     ("frag_offset", "ipv6.fraghdr.offset", 1),
                     ("more_fragments", "ipv6.fraghdr.more", 1),
                     ("identification", "ipv6.fraghdr.ident", 1)],
    "ICMPv6RouterSolicitation": [("source_mac", "_src_ll", 1)],
    "ICMPv6RouterAdvertisement": [
        ("hop_limit", "icmpv6.nd.ra.cur_hop_limit", 1),
        ("flags", "icmpv6.nd.ra.flag", 1),
        ("router_lifetime", "icmpv6.nd.ra.router_lifetime", 1),
        ("reachable_time", "icmpv6.nd.ra.reachable_time", 1),
        ("retrans_timer", "icmpv6.nd.ra.retrans_timer", 1),
        ("prefixes[]", "_prefixes", 1), ("source_mac", "_src_ll", 1)],
    "ICMPv6NeighborSolicitation": [
        ("target", "icmpv6.nd.ns.target_address", 1),
        ("source_mac", "_src_ll", 1)],
    "ICMPv6NeighborAdvertisement": [
        ("target", "icmpv6.nd.na.target_address", 1),
        ("flags", "icmpv6.nd.na.flag", 1 << 29),
        ("target_mac", "_tgt_ll", 1)],
    "IGMP": [("type", "igmp.type", 1), ("max_resp_time", "_max_resp", 1),
             ("group", "_group", 1)],
}
NETWORK = {"IPv4": ("ip.src", "ip.dst"), "IPv6": ("ipv6.src", "ipv6.dst")}


# tshark's words for values we write as text
TSHARK_WORDS = {"<Root>": "."}


def norm(v):
    """tshark's 'show' text or our JSON value, in one comparable form"""
    v = TSHARK_WORDS.get(v, v) if isinstance(v, str) else v
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


def pick(entry, alts):
    """the first of alternatives a|b present in entry; a+b joins the
    values of fields a and b with a space"""
    for alt in alts.split("|"):
        vals = []
        for part in alt.split("+"):
            v = next((e.get("show") for e in entry.iter("field")
                      if e.get("name") == part), None)
            if v is None:
                break
            vals.append(v)
        else:
            return " ".join(vals)
    return None


def repeated(proto, theirs):
    """tshark's values of a repeated field: for "Section/alts", one
    value per entry of the section of that title (None when the entry
    has none of the alternatives); for a plain field name, every
    occurrence in the layer"""
    sect, _, alts = theirs.rpartition("/")
    if not sect:
        return [e.get("show") for e in proto.iter("field")
                if e.get("name") == alts]
    out = []
    for s in proto:
        if s.tag == "field" and s.get("name") == "" and \
                s.get("show") == sect:
            out.extend(pick(entry, alts) for entry in s)
    return out


def ours_list(rec, ours):
    """our values of list[] or list[].field"""
    head, _, sub = ours.partition("[]")
    items = rec.get(head) or []
    sub = sub.lstrip(".")
    return [i.get(sub) if sub else i for i in items]


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
        layers = []
        # the records' layers, each with the element it is read from
        for t, proto in tl.frame_protos(e):
            f = tl.fields(proto)
            for ours, theirs, _ in FIELDS.get(t, []):
                if "[]" in ours:
                    f["[]" + theirs] = repeated(proto, theirs)
            f.update(tl.derived(t, proto))
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
            if rtype in ("ICMPv4", "ICMPv6", "TCP", "UDP",
                         "TLSClientHello", "HTTP") or \
            rtype in tl.NET_ADDRESSED else []
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
                if "[]" in ours:
                    if excepted(ex, num, rtype, ours):
                        continue
                    ol = ours_list(rec, ours)
                    tl_ = tf.get("[]" + theirs, [])
                    if len(ol) != len(tl_):
                        checked += 1
                        bad.append("frame %d %s %s: %d values, tshark %d" %
                                   (num, rtype, ours, len(ol), len(tl_)))
                        continue
                    for i, (o, t) in enumerate(zip(ol, tl_)):
                        if t is None:
                            continue
                        checked += 1
                        if norm(o) == norm(t):
                            matched += 1
                        else:
                            bad.append("frame %d %s %s[%d]=%r, tshark %r" %
                                       (num, rtype, ours, i, o, t))
                    continue
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
