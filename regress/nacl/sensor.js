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
 * A sensor written against wire format v2 (see pb.js) with tweetnacl
 * instead of libsodium: sends N UDP records of known values to a
 * collector and prints each record a collector must store, as
 * `ncctl dump -j` would show it, one JSON line per record on stdout.
 *
 * usage: sensor.js [-CFLV] [-p records.proto] [-b first_index]
 *	      [-k identity-priv.key] [-s sessions] [-P pad] [-r replays]
 *	      [-O stale] [-e counts-file] host port collector-pub.key
 *	      sensor-name N
 *
 * The records are spread over `sessions` sessions (default 1) of one
 * identity, each with a fresh session key E and nonce N and a start
 * time T 1 ms after the one before.  The identity is the key pair of
 * -k (a secret key file, as ncctl keygen writes it), else a fresh one.
 * The plaintexts cycle through raw and zlib, and with -P through raw
 * and zlib padded to a multiple of pad too.
 *
 * What a collector must refuse comes after the good datagrams:
 * -L  (not refused) the last datagram of each session but the last goes
 *     out after the first datagram of the next session: a collector
 *     keeping two sessions per sensor stores it;
 * -F  a forgery: a copy of the last good datagram with a bit of its tag
 *     flipped, sent just before the intact one (which must still be
 *     stored: the forgery used its sequence number);
 * -C  a forged certificate: a datagram of a new session (T after the
 *     others) whose certificate names this identity but was boxed by
 *     another identity key;
 * -O  that many datagrams of a session whose T is older than all the
 *     good sessions (refused as stale once two newer ones were seen);
 * -r  replays: that many datagrams of the last session again in order
 *     (1, 2, ...), then that many of the first session in reverse;
 * -V  last, a datagram of the last session with a new sequence number
 *     and version byte 1.
 * Records of refused datagrams are never printed.
 *
 * -e writes "name value" lines: identity (hex), datagrams (all sent),
 * good (datagrams to store), records, sessions (good ones), raw, zlib,
 * padded, late, forged (-F), forged_cert (-C), stale, replays, version.
 */

'use strict';

const dgram = require('dgram');
const fs = require('fs');
const zlib = require('zlib');
const nacl = require('tweetnacl');
const pb = require('./pb.js');

const TS0 = 1700000000000000000n;
/* records per batch cycle through these, so batches differ in size */
const BATCH_SIZES = [1, 4, 9, 16, 20, 2];

function usage()
{
	process.stderr.write('usage: sensor.js [-CFLV] [-p records.proto] ' +
	    '[-b first_index] [-k id-priv.key] [-s sessions] [-P pad] ' +
	    '[-r replays] [-O stale] [-e counts] host port pub.key name N\n');
	process.exit(2);
}

/*
 * Record i.  Every fourth one is IPv6; values are picked so that some
 * are zero (left out on the wire, shown in the dump) and some need
 * multi-byte varints.
 */
function udpRecord(i)
{
	const v6 = i % 4 === 3;
	const r = {
		timestamp: TS0 + BigInt(i),
		src_ip: v6 ? 'fd00:1::2' : '10.1.0.2',
		dst_ip: v6 ? 'fd00:1::' + (i % 250 + 1).toString(16) :
		    '10.1.0.' + (i % 250 + 1),
		src_port: BigInt(1000 + i),
		dst_port: 53n,
		length: BigInt(8 + (i * 7) % 1200),
		checksum: BigInt((i * 40503) % 65536),
		payload_size: BigInt((i * 7) % 1200),
	};

	if (i % 10 === 5)
		r.checksum = 0n;	/* IPv4 without a checksum */
	return (r);
}

/* the full dump-style record: every field of the type, in order */
function fullRecord(schema, type, r)
{
	const msg = schema.messages.get(type);
	const out = {};

	for (const f of msg.fields)
		out[f.name] = f.name in r ? r[f.name] :
		    pb.zeroValue(schema, f);
	return (out);
}

function sleep(ms)
{
	return (new Promise((res) => setTimeout(res, ms)));
}

function intArg(s)
{
	const v = Number(s);

	if (!Number.isInteger(v) || v < 0)
		usage();
	return (v);
}

/*
 * A session: E, a fresh key pair whose secret is used for nothing but
 * the key it shares with the collector; N; the certificate, a box of
 * E | T from the identity to the collector under nonce N.  certSk is
 * the identity's secret key, or for a forgery another one.
 */
function sessionNew(idPk, certSk, collectorPk, created)
{
	const e = nacl.box.keyPair();
	const n = nacl.randomBytes(pb.NONCELEN);
	const certPt = Buffer.concat([Buffer.from(e.publicKey),
	    pb.be64(created)]);
	const cert = nacl.box(new Uint8Array(certPt), n, collectorPk, certSk);

	if (cert.length !== pb.CERTLEN)
		throw new Error('certificate of ' + cert.length + ' bytes');
	const hdr = Buffer.concat([Buffer.from([pb.VERSION]),
	    Buffer.from(idPk), Buffer.from(n), Buffer.from(cert)]);
	if (hdr.length !== pb.OFF_SEQ)
		throw new Error('session header of ' + hdr.length + ' bytes');
	return ({ hdr, created, seq: 0n,
	    k: nacl.box.before(collectorPk, e.secretKey) });
}

/* the session's next datagram */
function seal(s, pt)
{
	s.seq++;
	const box = nacl.box.after(new Uint8Array(pt),
	    new Uint8Array(pb.dataNonce(s.seq)), s.k);
	const d = Buffer.concat([s.hdr, pb.be64(s.seq), Buffer.from(box)]);

	if (d.length !== pt.length + pb.OVERHEAD)
		throw new Error('datagram of ' + d.length + ' bytes for ' +
		    pt.length + ' bytes of plaintext');
	if (d.length > pb.DGRAM_DEFAULT)
		throw new Error('datagram of ' + d.length + ' bytes');
	return (d);
}

async function main()
{
	const argv = process.argv.slice(2);
	const o = { late: false, forge: false, cert: false, version: false,
	    proto: null,
	    first: 0, key: null, sessions: 1, pad: 0, replays: 0, stale: 0,
	    counts: null };

	while (argv.length > 0 && argv[0].startsWith('-')) {
		const a = argv.shift();
		if (/^-[CFLV]+$/.test(a)) {
			for (const c of a.slice(1)) {
				if (c === 'C')
					o.cert = true;
				else if (c === 'F')
					o.forge = true;
				else if (c === 'L')
					o.late = true;
				else
					o.version = true;
			}
			continue;
		}
		if (argv.length === 0)
			usage();
		const v = argv.shift();
		switch (a) {
		case '-p': o.proto = v; break;
		case '-b': o.first = intArg(v); break;
		case '-k': o.key = v; break;
		case '-s': o.sessions = intArg(v); break;
		case '-P': o.pad = intArg(v); break;
		case '-r': o.replays = intArg(v); break;
		case '-O': o.stale = intArg(v); break;
		case '-e': o.counts = v; break;
		default: usage();
		}
	}
	if (argv.length !== 5)
		usage();
	const [host, portArg, keyFile, name, nArg] = argv;
	const port = Number(portArg);
	const n = Number(nArg);
	if (!Number.isInteger(port) || port < 1 || port > 65535 ||
	    !Number.isInteger(n) || n < 1 || o.sessions < 1 ||
	    o.pad === 1 || o.pad > 1024)
		usage();

	const schema = pb.loadProto(o.proto);
	if (!schema.messages.has('UDP'))
		throw new Error('records.proto has no message UDP');
	const collectorPk = pb.readKey(keyFile);
	const id = o.key === null ? nacl.box.keyPair() :
	    nacl.box.keyPair.fromSecretKey(pb.readKey(o.key));
	const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
	/* what a datagram holds, less the 0x80 that starts the padding */
	const room = pb.DGRAM_DEFAULT - pb.OVERHEAD;
	const budget = o.pad > 1 ? Math.floor(room / o.pad) * o.pad - 1 :
	    room;
	const c = { datagrams: 0, good: 0, records: 0, sessions: o.sessions,
	    raw: 0, zlib: 0, padded: 0, late: 0, forged: 0, forged_cert: 0,
	    stale: 0, replays: 0, version: 0 };
	const sent = [];
	let variant = 0;

	/*
	 * plaintext: encoding byte and Batch, cycling through raw, zlib
	 * and with -P raw and zlib padded
	 */
	const plaintext = (recs, count) => {
		const batch = pb.batchEncode({ sensor: name, type: 'UDP',
		    count: recs.length, records: pb.frameRecords(recs) });
		const v = variant++ % (o.pad > 1 ? 4 : 2);
		let pt = v % 2 === 0 ?
		    Buffer.concat([Buffer.from([pb.ENC_RAW]), batch]) :
		    Buffer.concat([Buffer.from([pb.ENC_ZLIB]),
		    zlib.deflateSync(batch)]);
		if (v >= 2) {
			pt[0] |= pb.ENC_PADDED;
			pt = pb.pad(pt, o.pad);
		}
		if (pt.length > room)
			throw new Error('plaintext of ' + pt.length + ' bytes');
		if (count) {
			if (v % 2 === 0)
				c.raw++;
			else
				c.zlib++;
			if (v >= 2)
				c.padded++;
		}
		return (pt);
	};
	const send = (d) => new Promise((res, rej) => {
		sock.send(d, port, host, (err) => (err ? rej(err) : res()));
	});
	/* loopback has no flow control: pace a little */
	const out = async (d) => {
		await send(d);
		c.datagrams++;
		await sleep(2);
	};
	const evil = (k) => {
		const recs = [];
		for (let j = 0; j < 3; j++)
			recs.push(pb.encodeRecord(schema, 'UDP',
			    udpRecord(o.first + n + k + j)));
		return (recs);
	};

	/* cut the records into batches that fit one datagram */
	const batches = [];
	let i = o.first;
	let k = 0;
	while (i < o.first + n) {
		const want = BATCH_SIZES[k++ % BATCH_SIZES.length];
		const recs = [];
		const objs = [];
		let size = 0;
		while (recs.length < want && i < o.first + n) {
			const obj = udpRecord(i);
			const rec = pb.encodeRecord(schema, 'UDP', obj);
			/* framing and batch fields: 40 bytes is ample */
			if (recs.length > 0 &&
			    size + rec.length + 40 + name.length > budget)
				break;
			recs.push(rec);
			objs.push(obj);
			size += rec.length + 2;
			i++;
		}
		batches.push({ recs, objs });
	}
	if (batches.length < o.sessions)
		throw new Error(batches.length + ' batches for ' + o.sessions +
		    ' sessions');

	/* the sessions, T 1 ms apart, and their datagrams */
	const t0 = BigInt(Date.now()) * 1000000n;
	const sessions = [];
	for (let j = 0; j < o.sessions; j++)
		sessions.push(sessionNew(id.publicKey, id.secretKey,
		    collectorPk, t0 + BigInt(j) * 1000000n));
	const per = Math.ceil(batches.length / o.sessions);
	const dgrams = sessions.map(() => []);
	let held = null;
	for (let j = 0; j < batches.length; j++) {
		const si = Math.min(Math.floor(j / per), o.sessions - 1);
		const b = batches[j];
		dgrams[si].push(seal(sessions[si], plaintext(b.recs, true)));
		sent.push(...b.objs);
		c.good++;
		c.records += b.recs.length;
	}
	/* -F: the very last good datagram goes out after its forgery */
	if (o.forge)
		held = dgrams[o.sessions - 1].pop();

	/* in session order; -L: a late one after the next session began */
	let late = null;
	for (let j = 0; j < o.sessions; j++) {
		const ds = dgrams[j];
		for (let m = 0; m < ds.length; m++) {
			if (o.late && j < o.sessions - 1 &&
			    m === ds.length - 1 && ds.length > 1) {
				late = ds[m];
				break;
			}
			await out(ds[m]);
			if (m === 0 && late !== null) {
				await out(late);
				c.late++;
				late = null;
			}
		}
	}
	if (late !== null)
		throw new Error('the last session is empty');

	if (o.forge) {
		/* a flipped bit in the tag, then the intact datagram */
		const bad = Buffer.from(held);
		bad[pb.HDRLEN + 3] ^= 0x20;
		await out(bad);
		c.forged++;
		await out(held);
	}

	if (o.cert) {
		/* a certificate for this identity from another one */
		const other = nacl.box.keyPair();
		const last = sessions[o.sessions - 1];
		const f = sessionNew(id.publicKey, other.secretKey,
		    collectorPk, last.created + 1000000n);
		await out(seal(f, plaintext(evil(1000), false)));
		c.forged_cert++;
	}

	/* a genuine session, but older than every good one */
	if (o.stale > 0) {
		const old = sessionNew(id.publicKey, id.secretKey, collectorPk,
		    t0 - 1000000000n);
		for (let j = 0; j < o.stale; j++) {
			await out(seal(old, plaintext(evil(2000 + 10 * j),
			    false)));
			c.stale++;
		}
	}

	/* replays: of the last session in order, of the first reversed */
	if (o.replays > 0) {
		const lastDs = dgrams[o.sessions - 1];
		const firstDs = dgrams[0];
		if (lastDs.length < o.replays || firstDs.length < o.replays)
			throw new Error('too few datagrams for ' + o.replays +
			    ' replays');
		for (let j = 0; j < o.replays; j++) {
			await out(lastDs[j]);
			c.replays++;
		}
		for (let j = firstDs.length - 1;
		    j >= firstDs.length - o.replays; j--) {
			await out(firstDs[j]);
			c.replays++;
		}
	}

	/* a datagram that would be good, but for its version byte */
	if (o.version) {
		const d = seal(sessions[o.sessions - 1],
		    plaintext(evil(3000), false));
		d[0] = 1;
		await out(d);
		c.version++;
	}
	sock.close();

	for (const r of sent)
		process.stdout.write(pb.jsonText(fullRecord(schema, 'UDP', r)) +
		    '\n');
	const idHex = Buffer.from(id.publicKey).toString('hex');
	if (o.counts !== null)
		fs.writeFileSync(o.counts, 'identity ' + idHex + '\n' +
		    Object.keys(c).map((x) => x + ' ' + c[x] + '\n').join(''));
	process.stderr.write('sensor.js: identity ' + idHex + ', ' +
	    Object.keys(c).map((x) => x + ' ' + c[x]).join(', ') + '\n');
}

main().catch((e) => {
	process.stderr.write('sensor.js: ' + e.message + '\n');
	process.exit(1);
});
