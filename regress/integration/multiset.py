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

# multiset.py REF RUN: two directories of a file per record type, each
# the records of that type one a line, sorted (LC_ALL=C sort), compared
# as multisets.  One line per type found in either, then the whole:
#
#	TYPE ref N run N duplicated N lost N foreign N
#	total ref N run N duplicated N lost N foreign N
#
# duplicated: copies in RUN beyond those in REF of a record REF has;
# lost: copies in REF that RUN lacks; foreign: records REF has none of.
# The files are read side by side, never whole.
import os
import sys


def groups(path):
    """(line, count) of a sorted file, in order; nothing if absent"""
    if not os.path.exists(path):
        return
    last, count = None, 0
    with open(path, "rb") as f:
        for line in f:
            if line == last:
                count += 1
                continue
            if last is not None:
                yield last, count
            last, count = line, 1
    if last is not None:
        yield last, count


def compare(a, b):
    """ref, run, duplicated, lost, foreign of two sorted files"""
    ref = run = dup = lost = foreign = 0
    ga, gb = groups(a), groups(b)
    x, y = next(ga, None), next(gb, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[0] < y[0]):
            ref += x[1]
            lost += x[1]
            x = next(ga, None)
        elif x is None or y[0] < x[0]:
            run += y[1]
            foreign += y[1]
            y = next(gb, None)
        else:
            ref += x[1]
            run += y[1]
            if y[1] > x[1]:
                dup += y[1] - x[1]
            else:
                lost += x[1] - y[1]
            x, y = next(ga, None), next(gb, None)
    return ref, run, dup, lost, foreign


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: multiset.py REF RUN")
    ref, run = sys.argv[1], sys.argv[2]
    total = [0] * 5
    for t in sorted(set(os.listdir(ref)) | set(os.listdir(run))):
        c = compare(os.path.join(ref, t), os.path.join(run, t))
        total = [s + v for s, v in zip(total, c)]
        print("%s ref %d run %d duplicated %d lost %d foreign %d" % (t, *c))
    print("total ref %d run %d duplicated %d lost %d foreign %d" % tuple(total))


main()
