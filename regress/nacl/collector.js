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
 * A collector written against wire format v2 (see pb.js) with tweetnacl
 * instead of libsodium.  It is strict where nccollectd is forgiving:
 * the first datagram that fails authentication, framing, padding or
 * the session and sequence checks ends it with exit status 1.  Those
 * checks, per sensor identity I: a session not seen before must have a
 * certificate from I, a start time T above that of every earlier
 * session of I, and a session key E and nonce N never seen before; it
 * replaces I's session, which sends nothing more; sequence numbers run
 * 1, 2, 3, ... in each session.
 *
 * usage: collector.js [-a addr] [-p records.proto] [-t Type,...]
 *	      [-T deadline_s] [-i identity-pub.key] [-P pad]
 *	      [-s sessions-file] port priv.key (count | idle_s"s")
 *
 * -i: only that sensor identity, whose certificates are opened with the
 * key of that file (not the copy in the datagram).  -P: every
 * plaintext must be padded to a multiple of pad, with 1 to pad bytes of
 * padding.  Without -P padding is checked where the encoding byte says
 * there is some.  -s: one line per session at the end, "identity nonce
 * E T datagrams last-sequence padded" (hex, T in ns).
 *
 * The third argument is either the number of datagrams to wait for or
 * an idle timeout such as "3s", counted from the last datagram (from
 * the start until the first one arrives, with at least 30 s for that).
 * SIGTERM ends it like an idle timeout.
 *
 * stdout, JSON lines: for each record of the types in -t (default
 * UDP,TCP,IPv4) { type, sensor, session, seq, fields: { number: value },
 * record: { name: dump-style value } }, where session counts from 1 in
 * the order sessions began, fields is the generic decoding (varints as
 * numbers, length-delimited as hex) and record the same fields named
 * and rendered by records.proto as `ncctl dump -j` does; at the end
 * { summary: { datagrams, bytes, maxlen, raw, zlib, padded,
 * identities, sessions, batches, types: { Type: records } } }.
 */

'use strict';

const dgram = require('dgram');
const fs = require('fs');
const zlib = require('zlib');
const nacl = require('tweetnacl');
const pb = require('./pb.js');

function usage()
{
	process.stderr.write('usage: collector.js [-a addr] ' +
	    '[-p records.proto] [-t Type,...] [-T deadline_s] ' +
	    '[-i identity-pub.key] [-P pad] [-s sessions-file] ' +
	    'port priv.key (count | idle_s"s")\n');
	process.exit(2);
}

const argv = process.argv.slice(2);
let addr = '127.0.0.1';
let protoFile = null;
let show = ['UDP', 'TCP', 'IPv4'];
let deadline = 300;
let idFile = null;
let padTo = 0;
let sessFile = null;

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
	else if (o === '-i')
		idFile = argv.shift();
	else if (o === '-P')
		padTo = Number(argv.shift());
	else if (o === '-s')
		sessFile = argv.shift();
	else
		usage();
}
if (argv.length !== 3 || !Number.isInteger(padTo) || padTo < 0)
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
const onlyId = idFile === null ? null : pb.readKey(idFile);
const identities = new Map();	/* I (hex) -> { current, created } */
const sessions = new Map();	/* version | I | N | cert (hex) -> session */
const order = [];		/* the sessions, as they began */
const seenE = new Set();
const seenN = new Set();
const types = {};
const unknown = [];
const stats = { datagrams: 0, bytes: 0, maxlen: 0, raw: 0, zlib: 0,
    padded: 0, batches: 0 };
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
	if (sessFile !== null)
		fs.writeFileSync(sessFile, order.map((s) => [s.id, s.n, s.e,
		    s.created, s.datagrams, s.seq, s.padded].join(' ') +
		    '\n').join(''));
	process.stdout.write(pb.jsonText({ summary: {
		datagrams: stats.datagrams,
		bytes: stats.bytes,
		maxlen: stats.maxlen,
		raw: stats.raw,
		zlib: stats.zlib,
		padded: stats.padded,
		identities: identities.size,
		sessions: order.length,
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

const hex = (b) => Buffer.from(b).toString('hex');

/*
 * The session of a datagram: known, or new, when its certificate opens
 * and it is newer than every earlier session of its identity.
 */
function session(d, no)
{
	const key = hex(d.subarray(0, pb.OFF_SEQ));
	const idPk = d.subarray(pb.OFF_ID, pb.OFF_ID + pb.PKLEN);
	const idHex = hex(idPk);
	let who = identities.get(idHex);
	let s = sessions.get(key);

	if (s !== undefined) {
		if (who.current !== s)
			throw new Error('datagram ' + no + ': session ' +
			    s.index + ' of ' + idHex + ' after session ' +
			    who.current.index + ' began');
		return (s);
	}
	if (onlyId !== null && !Buffer.from(onlyId).equals(idPk))
		throw new Error('datagram ' + no + ': identity ' + idHex +
		    ', expected ' + hex(onlyId));
	const n = d.subarray(pb.OFF_SNONCE, pb.OFF_SNONCE + pb.NONCELEN);
	const cert = d.subarray(pb.OFF_CERT, pb.OFF_CERT + pb.CERTLEN);
	/* with -i, the certificate is opened with the key we were given */
	const cpt = nacl.box.open(new Uint8Array(cert), new Uint8Array(n),
	    onlyId !== null ? onlyId : new Uint8Array(idPk), sk);
	if (cpt === null)
		throw new Error('datagram ' + no + ': certificate ' +
		    'authentication failed for ' + idHex);
	if (cpt.length !== pb.CERTPTLEN)
		throw new Error('certificate of ' + cpt.length + ' bytes');
	const e = cpt.subarray(0, pb.PKLEN);
	const created = Buffer.from(cpt.subarray(pb.PKLEN)).
	    readBigUInt64BE(0);
	if (who !== undefined && created <= who.created)
		throw new Error('datagram ' + no + ': session of ' + idHex +
		    ' created ' + created + ', not after ' + who.created);
	if (seenE.has(hex(e)))
		throw new Error('datagram ' + no + ': session key ' + hex(e) +
		    ' used again');
	if (seenN.has(hex(n)))
		throw new Error('datagram ' + no + ': session nonce ' +
		    hex(n) + ' used again');
	seenE.add(hex(e));
	seenN.add(hex(n));
	s = { index: order.length + 1, id: idHex, n: hex(n), e: hex(e),
	    created, seq: 0n, datagrams: 0, padded: 0, sensor: null,
	    k: nacl.box.before(e, sk) };
	if (who === undefined) {
		who = {};
		identities.set(idHex, who);
	}
	who.current = s;
	who.created = created;
	sessions.set(key, s);
	order.push(s);
	return (s);
}

/* open, check and print one datagram; throws on any failure */
function handle(d)
{
	const no = stats.datagrams;

	if (d.length < pb.OVERHEAD + 1)
		throw new Error('datagram ' + no + ' of ' + d.length +
		    ' bytes, short');
	if (d.length > pb.DGRAM_DEFAULT)
		throw new Error('datagram ' + no + ' of ' + d.length +
		    ' bytes, above ' + pb.DGRAM_DEFAULT);
	if (d[0] !== pb.VERSION)
		throw new Error('datagram ' + no + ': version ' + d[0]);
	const s = session(d, no);
	const seq = d.readBigUInt64BE(pb.OFF_SEQ);
	const pt = nacl.box.open.after(new Uint8Array(d.subarray(pb.HDRLEN)),
	    new Uint8Array(pb.dataNonce(seq)), s.k);
	if (pt === null)
		throw new Error('datagram ' + no + ' (session ' + s.index +
		    ', sequence ' + seq + '): authentication failed');
	if (seq !== s.seq + 1n)
		throw new Error('session ' + s.index + ' of ' + s.id +
		    ': sequence ' + seq + ' after ' + s.seq);
	s.seq = seq;
	s.datagrams++;

	let plain = Buffer.from(pt);
	const where = 'session ' + s.index + ' datagram ' + seq;
	if (plain[0] & pb.ENC_PADDED) {
		const len = pb.unpadLength(plain);
		if (len < 1)
			throw new Error(where + ': bad padding');
		if (padTo > 0 && (plain.length % padTo !== 0 ||
		    plain.length - len > padTo))
			throw new Error(where + ': ' + len + ' bytes ' +
			    'padded to ' + plain.length + ', not to the next ' +
			    'multiple of ' + padTo);
		plain = plain.subarray(0, len);
		stats.padded++;
		s.padded++;
	} else if (padTo > 0)
		throw new Error(where + ': not padded');
	let batchBuf;
	switch (plain[0] & ~pb.ENC_PADDED) {
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
			throw new Error(where + ': zlib: ' + e.message);
		}
		break;
	default:
		throw new Error(where + ': encoding byte ' + plain[0]);
	}

	const b = pb.batchDecode(batchBuf);
	/* as ncagentd(8) has it: not starting with a dot */
	if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/.test(b.sensor))
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
			throw new Error(where + ': field ' + unknown[0] +
			    ' is not in records.proto');
		if (!show.includes(b.type))
			continue;
		process.stdout.write(pb.jsonText({ type: b.type,
		    sensor: b.sensor, session: s.index, seq,
		    fields: pb.genericView(fields), record }) + '\n');
	}
}

sock.on('message', (d) => {
	if (done)
		return;
	stats.datagrams++;
	stats.bytes += d.length;
	if (d.length > stats.maxlen)
		stats.maxlen = d.length;
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
