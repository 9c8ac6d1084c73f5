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
 * A collector written against wire format v1 with tweetnacl instead of
 * libsodium.  It is strict where nccollectd is forgiving: the first
 * datagram that fails authentication, framing or the sequence check
 * (1, 2, 3, ... per session, one session per sensor key) ends it with
 * exit status 1.
 *
 * usage: collector.js [-a addr] [-p records.proto] [-t Type,...]
 *	      [-T deadline_s] port priv.key (count | idle_s"s")
 *
 * The third argument is either the number of datagrams to wait for or
 * an idle timeout such as "3s", counted from the last datagram (from
 * the start until the first one arrives, with at least 30 s for that).
 * SIGTERM ends it like an idle timeout.
 *
 * stdout, JSON lines: for each record of the types in -t (default
 * UDP,TCP,IPv4) { type, sensor, seq, fields: { number: value },
 * record: { name: dump-style value } }, where fields is the generic
 * decoding (varints as numbers, length-delimited as hex) and record the
 * same fields named and rendered by records.proto as `ncctl dump -j`
 * does; at the end { summary: { datagrams, raw, zlib, sessions,
 * batches, types: { Type: records } } }.
 */

'use strict';

const dgram = require('dgram');
const zlib = require('zlib');
const nacl = require('tweetnacl');
const pb = require('./pb.js');

function usage()
{
	process.stderr.write('usage: collector.js [-a addr] ' +
	    '[-p records.proto] [-t Type,...] [-T deadline_s] ' +
	    'port priv.key (count | idle_s"s")\n');
	process.exit(2);
}

const argv = process.argv.slice(2);
let addr = '127.0.0.1';
let protoFile = null;
let show = ['UDP', 'TCP', 'IPv4'];
let deadline = 300;

while (argv.length > 0 && argv[0].startsWith('-')) {
	const o = argv.shift();
	if (argv.length === 0)
		usage();
	if (o === '-a')
		addr = argv.shift();
	else if (o === '-p')
		protoFile = argv.shift();
	else if (o === '-t')
		show = argv.shift().split(',');
	else if (o === '-T')
		deadline = Number(argv.shift());
	else
		usage();
}
if (argv.length !== 3)
	usage();
const port = Number(argv[0]);
const keyFile = argv[1];
let wantCount = null;
let idle = null;
{
	const m = /^([0-9]+)(s?)$/.exec(argv[2]);
	if (m === null || !Number.isInteger(port) || port < 1 ||
	    port > 65535 || !(deadline > 0))
		usage();
	if (m[2] === 's')
		idle = Number(m[1]);
	else
		wantCount = Number(m[1]);
}

const schema = pb.loadProto(protoFile);
const sk = pb.readKey(keyFile);
const sessions = new Map();	/* sensor key (hex) -> session state */
const types = {};
const unknown = [];
const stats = { datagrams: 0, raw: 0, zlib: 0, batches: 0, bytes: 0 };
let idleTimer = null;
let done = false;

const sock = dgram.createSocket({ type: addr.includes(':') ? 'udp6' :
    'udp4', recvBufferSize: 4 * 1024 * 1024 });

function finish(status, why)
{
	if (done)
		return;
	done = true;
	if (why)
		process.stderr.write('collector.js: ' + why + '\n');
	process.stdout.write(pb.jsonText({ summary: {
		datagrams: stats.datagrams,
		bytes: stats.bytes,
		raw: stats.raw,
		zlib: stats.zlib,
		sessions: sessions.size,
		batches: stats.batches,
		types,
	} }) + '\n', () => {
		try {
			sock.close();
		} catch (e) {
			/* not bound yet */
		}
		process.exit(status);
	});
}

function fail(why)
{
	finish(1, 'FAIL: ' + why);
}

function armIdle(secs)
{
	if (idle === null)
		return;
	if (idleTimer !== null)
		clearTimeout(idleTimer);
	idleTimer = setTimeout(() => {
		if (stats.datagrams === 0)
			fail('no datagram in ' + secs + ' s');
		else
			finish(0, null);
	}, secs * 1000);
}

/* open, check and print one datagram; throws on any failure */
function handle(d)
{
	if (d.length < pb.OVERHEAD + 1)
		throw new Error('datagram of ' + d.length + ' bytes, short');
	const pk = new Uint8Array(d.subarray(0, pb.PKLEN));
	const nonce = d.subarray(pb.PKLEN, pb.PKLEN + pb.NONCELEN);
	const box = d.subarray(pb.PKLEN + pb.NONCELEN);
	const pkHex = Buffer.from(pk).toString('hex');
	const n = pb.nonceDecode(nonce);

	let s = sessions.get(pkHex);
	if (s === undefined) {
		s = { session: n.session, seq: 0n, sensor: null,
		    shared: nacl.box.before(pk, sk) };
		sessions.set(pkHex, s);
	}
	const pt = nacl.box.open.after(new Uint8Array(box),
	    new Uint8Array(nonce), s.shared);
	if (pt === null)
		throw new Error('authentication failed for datagram ' +
		    (stats.datagrams + 1) + ' from ' + pkHex);
	if (!n.session.equals(s.session))
		throw new Error('sensor ' + pkHex + ' changed session ' +
		    s.session.toString('hex') + ' -> ' +
		    n.session.toString('hex'));
	if (n.seq !== s.seq + 1n)
		throw new Error('sensor ' + pkHex + ': sequence ' + n.seq +
		    ' after ' + s.seq);
	s.seq = n.seq;

	const plain = Buffer.from(pt);
	let batchBuf;
	switch (plain[0]) {
	case pb.ENC_RAW:
		stats.raw++;
		batchBuf = plain.subarray(1);
		break;
	case pb.ENC_ZLIB:
		stats.zlib++;
		try {
			const r = zlib.inflateSync(plain.subarray(1),
			    { maxOutputLength: pb.MAX_BATCH, info: true });
			batchBuf = r.buffer;
			/* node stops at the stream end and ignores the rest */
			if (r.engine.bytesWritten !== plain.length - 1)
				throw new Error((plain.length - 1 -
				    r.engine.bytesWritten) +
				    ' bytes after the zlib stream');
		} catch (e) {
			throw new Error('datagram ' + n.seq + ': zlib: ' +
			    e.message);
		}
		break;
	default:
		throw new Error('datagram ' + n.seq + ': encoding byte ' +
		    plain[0]);
	}

	const b = pb.batchDecode(batchBuf);
	if (!/^[A-Za-z0-9._-]{1,64}$/.test(b.sensor))
		throw new Error('bad sensor name ' + JSON.stringify(b.sensor));
	if (s.sensor === null)
		s.sensor = b.sensor;
	else if (s.sensor !== b.sensor)
		throw new Error('sensor name changed from ' + s.sensor +
		    ' to ' + b.sensor + ' within a session');
	if (!schema.messages.has(b.type) || !schema.top.includes(b.type))
		throw new Error('unknown record type ' +
		    JSON.stringify(b.type));
	const recs = pb.unframeRecords(b.records);
	if (recs.length !== b.count)
		throw new Error('batch says ' + b.count + ' records, holds ' +
		    recs.length);
	if (recs.length === 0)
		throw new Error('empty batch');
	stats.batches++;
	types[b.type] = (types[b.type] || 0) + recs.length;

	for (const r of recs) {
		const fields = pb.decodeFields(r);
		/* rendering checks wire types against the schema too */
		const record = pb.renderRecord(schema, b.type, fields,
		    unknown);
		if (unknown.length > 0)
			throw new Error('datagram ' + n.seq + ': field ' +
			    unknown[0] + ' is not in records.proto');
		if (!show.includes(b.type))
			continue;
		process.stdout.write(pb.jsonText({ type: b.type,
		    sensor: b.sensor, seq: n.seq,
		    fields: pb.genericView(fields), record }) + '\n');
	}
}

sock.on('message', (d) => {
	if (done)
		return;
	stats.datagrams++;
	stats.bytes += d.length;
	try {
		handle(d);
	} catch (e) {
		fail(e.message);
		return;
	}
	if (wantCount !== null && stats.datagrams >= wantCount)
		finish(0, null);
	else
		armIdle(idle);
});
sock.on('error', (e) => fail('socket: ' + e.message));
sock.on('listening', () => {
	process.stderr.write('collector.js: listening on ' + addr + ' port ' +
	    port + '\n');
	armIdle(Math.max(idle || 0, 30));
});
process.on('SIGTERM', () => {
	if (wantCount !== null)
		fail('SIGTERM after ' + stats.datagrams + ' of ' + wantCount +
		    ' datagrams');
	else
		finish(0, 'SIGTERM');
});
setTimeout(() => fail('deadline of ' + deadline + ' s reached'),
    deadline * 1000).unref();
sock.bind(port, addr);
