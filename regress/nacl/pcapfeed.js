#!/usr/bin/env node
/*
 * Copyright (c) 2026 The ncap developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * Feed a pcap file slowly, for a reader of a FIFO that should take a
 * while (ncagentd -r, to see it change session keys on the way).
 *
 * usage: pcapfeed.js in.pcap min_packets duration_ms out
 *
 * Writes the file header of in.pcap (classic pcap, either byte order,
 * micro- or nanosecond) and then its packets as many times as it takes
 * to write at least min_packets, each copy shifted one second past the
 * end of the one before, in chunks of 256 packets (what ncagentd reads
 * at a time) spread evenly over duration_ms.  The number of packets
 * written goes to stderr as "packets N".  It gives up when no reader
 * opens out within 20 s, or the reader goes away.
 */

'use strict';

const fs = require('fs');

const CHUNK = 256;

function usage()
{
	process.stderr.write('usage: pcapfeed.js in.pcap min_packets ' +
	    'duration_ms out\n');
	process.exit(2);
}

const a = process.argv.slice(2);
if (a.length !== 4)
	usage();
const minPackets = Number(a[1]);
const duration = Number(a[2]);
if (!Number.isInteger(minPackets) || minPackets < 1 ||
    !Number.isInteger(duration) || duration < 0)
	usage();

function fail(why)
{
	process.stderr.write('pcapfeed.js: ' + a[0] + ': ' + why + '\n');
	process.exit(1);
}

let buf;
try {
	buf = fs.readFileSync(a[0]);
} catch (e) {
	fail(e.message);
}
if (buf.length < 24)
	fail('no pcap file header');
const magic = buf.readUInt32LE(0);
let le;
if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d)
	le = true;
else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1)
	le = false;
else
	fail('not a classic pcap file');
const u32 = (off) => (le ? buf.readUInt32LE(off) : buf.readUInt32BE(off));

/* the packets: [header offset, total length, seconds] */
const pkts = [];
for (let off = 24; off < buf.length;) {
	if (buf.length - off < 16)
		fail('truncated packet header');
	const caplen = u32(off + 8);
	if (buf.length - off - 16 < caplen)
		fail('truncated packet');
	pkts.push([off, 16 + caplen, u32(off)]);
	off += 16 + caplen;
}
if (pkts.length === 0)
	fail('no packets');
const copies = Math.ceil(minPackets / pkts.length);
const delay = duration / Math.ceil(copies * pkts.length / CHUNK);
const secs = pkts.map((p) => p[2]);
const span = Math.max(...secs) - Math.min(...secs) + 1;

function sleep(ms)
{
	return (new Promise((res) => setTimeout(res, ms)));
}

/*
 * The FIFO, once a reader has opened it: waiting without blocking, so
 * that with no reader we give up instead of hanging.
 */
async function openWriter(file, secs)
{
	const flags = fs.constants.O_WRONLY | fs.constants.O_NONBLOCK;

	for (let i = 0; ; i++) {
		try {
			return (fs.openSync(file, flags));
		} catch (e) {
			if (e.code !== 'ENXIO' || i >= secs * 50)
				throw e;
		}
		await sleep(20);
	}
}

/* all of b, however much the pipe takes at once */
async function writeAll(fd, b)
{
	for (let off = 0; off < b.length;) {
		try {
			off += fs.writeSync(fd, b, off, b.length - off);
		} catch (e) {
			if (e.code !== 'EAGAIN')
				throw e;
			await sleep(2);
		}
	}
}

async function main()
{
	const fd = await openWriter(a[3], 20);
	let out = [buf.subarray(0, 24)];
	let inChunk = 0;
	let total = 0;

	for (let c = 0; c < copies; c++) {
		for (const [off, len, sec] of pkts) {
			const p = Buffer.from(buf.subarray(off, off + len));
			if (le)
				p.writeUInt32LE(sec + c * span, 0);
			else
				p.writeUInt32BE(sec + c * span, 0);
			out.push(p);
			total++;
			if (++inChunk === CHUNK) {
				await writeAll(fd, Buffer.concat(out));
				out = [];
				inChunk = 0;
				await sleep(delay);
			}
		}
	}
	if (out.length > 0)
		await writeAll(fd, Buffer.concat(out));
	fs.closeSync(fd);
	process.stderr.write('packets ' + total + '\n');
}

main().catch((e) => {
	process.stderr.write('pcapfeed.js: ' + e.message + '\n');
	process.exit(1);
});
