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

# dumpstream.py: what t_dumpstream.sh needs done outside the shell.
#
#	split SPOOL OUT PREFIX SEED
#		the records of every SPOOL/SENSOR/TYPE.ncap, its header cut
#		off, in payloads of 1 to 4 records (OUT/N), one line
#		"PREFIX.SENSOR.TYPE OUT/N" each, in a shuffled order
#	records json|csv DUMP
#		the records of an ncctl dump, one line each, "SENSOR TYPE
#		record": the sensor and type those of the header line (JSON)
#		or comment (CSV) before it; sorted, so that two of them are
#		equal as multisets when they are equal as files
#	range JSONDUMP BEGIN END
#		the same of the records whose timestamp (timestamp, or
#		Connection's timestamp_first) is in [BEGIN, END)
#	bounds JSONDUMP
#		two timestamps of records, a quarter and three quarters
#		into their sorted list, as ns
#	seconds NS / iso NS
#		NS as seconds since the epoch with 9 decimals, or as
#		YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ
#	frame FILE
#		the first record of an .ncap file, with its length
import csv
import io
import json
import os
import random
import sys
import time


def varint(buf, i):
    """value, next offset"""
    v = shift = 0
    while True:
        b = buf[i]
        i += 1
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return v, i


def frames(path):
    """the framed records of an .ncap file, header left out"""
    buf = open(path, "rb").read()
    n, i = varint(buf, 0)
    i += n
    out = []
    while i < len(buf):
        n, j = varint(buf, i)
        out.append(buf[i:j + n])
        i = j + n
    return out


def split(spool, out, prefix, seed):
    rnd = random.Random(int(seed))
    lines = []
    k = 0
    for sensor in sorted(os.listdir(spool)):
        d = os.path.join(spool, sensor)
        if sensor.startswith(".") or not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(".ncap"):
                continue
            recs = frames(os.path.join(d, name))
            while recs:
                m = rnd.randint(1, 4)
                k += 1
                p = os.path.join(out, str(k))
                with open(p, "wb") as f:
                    f.write(b"".join(recs[:m]))
                recs = recs[m:]
                lines.append("%s.%s.%s %s" % (prefix, sensor, name[:-5], p))
    rnd.shuffle(lines)
    print("\n".join(lines))


def records_json(path):
    cur = None
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if "magic" in r:
            cur = (r["sensor"], r["record_type"])
            continue
        yield cur, line.rstrip("\n"), r


def records_csv(path):
    cur, columns = None, False
    text = open(path, encoding="utf-8", newline="").read()
    for row in csv.reader(io.StringIO(text, newline="")):
        if row and row[0].startswith("# ncap "):
            f = dict(w.split("=", 1) for w in ",".join(row)[7:].split())
            cur, columns = (f["sensor"], f["type"]), True
            continue
        if columns:
            columns = False
            continue
        yield cur, json.dumps(row)


def when(r):
    return r["timestamp"] if "timestamp" in r else r["timestamp_first"]


def show(recs):
    for (sensor, rtype), line in sorted(recs):
        print("%s %s %s" % (sensor, rtype, line))


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "split":
        split(*args)
    elif cmd == "records" and args[0] == "json":
        show((k, line) for k, line, _ in records_json(args[1]))
    elif cmd == "records":
        show(records_csv(args[1]))
    elif cmd == "range":
        b, e = int(args[1]), int(args[2])
        show((k, line) for k, line, r in records_json(args[0])
             if b <= when(r) < e)
    elif cmd == "bounds":
        ts = sorted(when(r) for _, _, r in records_json(args[0]))
        print(ts[len(ts) // 4], ts[3 * len(ts) // 4])
    elif cmd == "seconds":
        ns = int(args[0])
        print("%d.%09d" % (ns // 10**9, ns % 10**9))
    elif cmd == "iso":
        ns = int(args[0])
        print(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ns // 10**9)) +
              ".%09dZ" % (ns % 10**9))
    elif cmd == "frame":
        sys.stdout.buffer.write(frames(args[0])[0])
    else:
        sys.exit("unknown command " + cmd)


main()
