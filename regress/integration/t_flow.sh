#!/bin/sh
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
# Connection records end to end: each regress/captures/flow-*.pcap goes
# through ncagentd -r and nccollectd.  tshark is the independent
# reference: its TCP and UDP conversation tables (-z conv,tcp and
# conv,udp) list as many conversations as we have distinct 5-tuples,
# and the frames and bytes of each direction of each conversation,
# ICMP included, summed from tshark's own dissection, equal ours.  The
# records must also be those gen_flow.py worked out (flow-*.expect),
# and the evictions counted in the sensor's totals.
. "$REGRESS/integration/lib.sh"

command -v tshark >/dev/null || { skip "tshark not installed"; finish; exit; }

cat >"$T/cmp.py" <<'EOP'
import json, subprocess, sys

cap, dump, expect = sys.argv[1:4]


def tshark(args):
    return subprocess.run(["tshark", "-n", "-r", cap] + args,
                          capture_output=True, text=True,
                          check=True).stdout


# the conversations tshark lists: "A:port <-> B:port ..." lines
nconv = 0
for line in tshark(["-q", "-z", "conv,tcp", "-z", "conv,udp"]).splitlines():
    if "<->" in line:
        nconv += 1

# per (protocol, sender, receiver): frames and bytes, from tshark's fields
ref = {}
fields = ["frame.len", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "ip.proto", "ipv6.nxt", "tcp.srcport", "tcp.dstport",
          "udp.srcport", "udp.dstport"]
out = tshark(["-T", "fields", "-E", "occurrence=f"] +
             [a for f in fields for a in ("-e", f)])
for line in out.splitlines():
    f = dict(zip(fields, line.split("\t")))
    src = f["ip.src"] or f["ipv6.src"]
    dst = f["ip.dst"] or f["ipv6.dst"]
    proto = int(f["ip.proto"] or f["ipv6.nxt"] or 0)
    if proto == 6:
        sp, dp = int(f["tcp.srcport"]), int(f["tcp.dstport"])
    elif proto == 17:
        sp, dp = int(f["udp.srcport"]), int(f["udp.dstport"])
    elif proto in (1, 58):
        sp = dp = 0
    else:
        continue
    k = (proto, src, sp, dst, dp)
    r = ref.setdefault(k, [0, 0])
    r[0] += 1
    r[1] += int(f["frame.len"])

# ours, summed over the records of one 5-tuple (timeouts split them)
recs = [json.loads(l) for l in open(dump).read().splitlines()[1:]]
ours = {}
tuples = set()
for r in recs:
    c = (r["protocol"], r["src_ip"], r["src_port"], r["dst_ip"],
         r["dst_port"])
    s = (r["protocol"], r["dst_ip"], r["dst_port"], r["src_ip"],
         r["src_port"])
    if r["protocol"] in (6, 17):
        tuples.add(frozenset((c[1:3], s[1:3])) | {r["protocol"]})
    for k, p, b in ((c, r["packets_client"], r["bytes_client"]),
                    (s, r["packets_server"], r["bytes_server"])):
        if p == 0:
            continue
        o = ours.setdefault(k, [0, 0])
        o[0] += p
        o[1] += b

want = []
for line in open(expect):
    w = line.split()
    if w and w[0] == "conn":
        want.append([int(x) if x.isdigit() else x for x in w[1:]])
got = [[r["timestamp_first"], r["timestamp_last"], r["protocol"],
        r["src_ip"], r["dst_ip"], r["src_port"], r["dst_port"],
        r["packets_client"], r["packets_server"], r["bytes_client"],
        r["bytes_server"], r["tcp_flags_seen"], r["duration"], r["state"]]
       for r in recs]

ok = lambda c, m: print("%sok - %s" % ("" if c else "not ", m))
ok(len(tuples) == nconv, "%d TCP and UDP 5-tuples, tshark lists %d "
   "conversations" % (len(tuples), nconv))
ok(ours == ref, "frames and bytes per direction of %d directed flows "
   "equal tshark's%s" % (len(ref), "" if ours == ref else
                        ": ours %r tshark %r" % (ours, ref)))
ok(sorted(got) == sorted(want), "the %d records are those of the .expect "
   "file" % len(got))
ok(got == want, "and come in the order they ended")
EOP

start_collector "$T/c" || exit 1
for cap in "$CAPDIR"/flow-*.pcap; do
	name=$(basename "$cap" .pcap)
	table=$(sed -n 's/^table //p' "${cap%.pcap}.expect")
	run_sensor "$T/$name" "$name" "$cap" "connection-table-size $table"
	is $? 0 "$name: the replay exits 0"
	is "$(sed -n 's/.*totals:.* connections-evicted \([0-9]*\).*/\1/p' \
	    "$T/$name/sensor.log")" \
	    "$(sed -n 's/^evicted //p' "${cap%.pcap}.expect")" \
	    "$name: evictions counted in the totals"
done
stop_collector
is $? 0 "the collector exits 0"

for cap in "$CAPDIR"/flow-*.pcap; do
	name=$(basename "$cap" .pcap)
	f="$T/c/spool/$name/Connection.ncap"
	if [ ! -f "$f" ]; then
		notok "$name: no Connection.ncap"
		continue
	fi
	"$NCCTL" dump -j "$f" >"$T/$name.json"
	"$PYTHON" "$T/cmp.py" "$cap" "$T/$name.json" "${cap%.pcap}.expect" \
	    >"$T/$name.cmp" 2>&1
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "$name: ${line#ok - }" ;;
		"not ok - "*) notok "$name: ${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done <"$T/$name.cmp"
done
finish
