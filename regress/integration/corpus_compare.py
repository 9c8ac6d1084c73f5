#!/usr/bin/env python3
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

"""compare.py over many captures at once, for t_corpus.sh.

usage: corpus_compare.py [-x differences.txt] [-j jobs] [-n per-run]
           LIST SPOOLROOT NCCTL OUTDIR

LIST has lines "I CAPTURE"; capture I was stored by sensor cI under
SPOOLROOT.  Writes OUTDIR/cmpI (what compare.py prints for it) and
OUTDIR/cmprcI (its exit status).

tshark spends most of its time starting, so captures go to it
per-run at a time: mergecap -a puts them one after the other, capinfos
counts each one's frames, and the dissection of the whole is cut back
into captures, numbered from 1 again.  A group mergecap or the counts
do not agree with goes to tshark one capture at a time.  The
comparison itself is compare.py's main(), unchanged.
"""

import contextlib
import getopt
import io
import multiprocessing
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

tshark_one = compare.tshark_frames


def counts(paths):
    """frames per capture as wiretap reads them, None where unknown"""
    try:
        p = subprocess.run(["capinfos", "-T", "-c", "-r"] + paths,
                           capture_output=True, text=True)
    except OSError:         # no capinfos: one capture at a time
        return [None for _ in paths]
    n = {}
    for line in p.stdout.splitlines():
        w = line.rsplit("\t", 1)
        if len(w) == 2 and w[1].strip().isdigit():
            n[w[0]] = int(w[1])
    return [n.get(x) for x in paths]


def odd_times(path):
    """a classic pcap whose fractions of a second overflow: mergecap
    would carry them into the seconds, tshark alone shows them as
    they are"""
    with open(path, "rb") as f:
        data = f.read()
    magic = {b"\xd4\xc3\xb2\xa1": ("<", 10**6),
             b"\xa1\xb2\xc3\xd4": (">", 10**6),
             b"\x4d\x3c\xb2\xa1": ("<", 10**9),
             b"\xa1\xb2\x3c\x4d": (">", 10**9)}
    if data[:4] not in magic:
        return False
    e, unit = magic[data[:4]]
    off = 24
    while off + 16 <= len(data):
        frac, incl = struct.unpack(e + "II", data[off + 4:off + 12])
        if frac >= unit:
            return True
        off += 16 + incl
    return False


def dissect(paths):
    """path -> compare.tshark_frames(path), most in one tshark run"""
    out = {}
    for path in [p for p in paths if odd_times(p)]:
        out[path] = tshark_one(path)
    paths = [p for p in paths if p not in out]
    nums = counts(paths)
    if None not in nums and len(paths) > 1:
        with tempfile.TemporaryDirectory() as d:
            merged = os.path.join(d, "all.pcapng")
            r = subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w",
                                merged] + paths, capture_output=True)
            frames = tshark_one(merged) if r.returncode == 0 else []
        if len(frames) == sum(nums):
            off = 0
            for path, k in zip(paths, nums):
                out[path] = [(j + 1, ts, layers) for j, (_, ts, layers)
                             in enumerate(frames[off:off + k])]
                off += k
            return out
    for path in paths:
        out[path] = tshark_one(path)
    return out


def run_group(args):
    group, xfile, spoolroot, ncctl, outdir = args
    frames = dissect([cap for _, cap in group])
    compare.tshark_frames = lambda path: frames[path]
    for i, cap in group:
        argv = ([] if xfile is None else ["-x", xfile]) + \
            [cap, os.path.join(spoolroot, "c" + i), ncctl]
        buf = io.StringIO()
        sys.argv = ["compare.py"] + argv
        with contextlib.redirect_stdout(buf):
            try:
                rc = compare.main()
            except Exception as e:  # a failure of one capture only
                print("# compare.py: %r" % (e,))
                rc = 2
        with open(os.path.join(outdir, "cmp" + i), "w") as f:
            f.write(buf.getvalue())
        with open(os.path.join(outdir, "cmprc" + i), "w") as f:
            f.write("%d\n" % rc)


def main():
    opts, args = getopt.getopt(sys.argv[1:], "x:j:n:")
    xfile, jobs, per = None, 2, 25
    for o, v in opts:
        if o == "-x":
            xfile = v
        elif o == "-j":
            jobs = int(v)
        elif o == "-n":
            per = int(v)
    listfile, spoolroot, ncctl, outdir = args
    with open(listfile) as f:
        items = [line.rstrip("\n").split(" ", 1) for line in f if line.strip()]
    groups = [(items[k:k + per], xfile, spoolroot, ncctl, outdir)
              for k in range(0, len(items), per)]
    with multiprocessing.Pool(jobs) as pool:
        pool.map(run_group, groups, chunksize=1)


if __name__ == "__main__":
    main()
