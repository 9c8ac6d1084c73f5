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
 * A sensor written against wire format v1 with tweetnacl instead of
 * libsodium: sends N UDP records of known values to a collector and
 * prints each record it sent, as `ncctl dump -j` would show it, one
 * JSON line per record on stdout.
 *
 * usage: sensor.js [-T] [-p records.proto] [-b first_index]
 *	      host port collector-pub.key sensor-name N
 *
 * -T also sends what a collector must refuse after the good datagrams:
 *    a replay of datagram 1, a datagram with a forged tag, then one last
 *    good datagram (whose records are printed) so a collector that
 *    stopped at the bad ones is noticed too.
 */

'use strict';

const dgram = require('dgram');
const zlib = require('zlib');
const nacl = require('tweetnacl');
const pb = require('./pb.js');

const TS0 = 1700000000000000000n;
/* records per batch cycle through these, so batches differ in size */
const BATCH_SIZES = [1, 4, 9, 16, 20, 2];

function usage()
{
	process.stderr.write('usage: sensor.js [-T] [-p records.proto] ' +
	    '[-b first_index] host port pub.key name N\n');
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

async function main()
{
	const argv = process.argv.slice(2);
	let tamper = false;
	let protoFile = null;
	let first = 0;

	while (argv.length > 0 && argv[0].startsWith('-')) {
		const o = argv.shift();
		if (o === '-T')
			tamper = true;
		else if (o === '-p' && argv.length > 0)
			protoFile = argv.shift();
		else if (o === '-b' && argv.length > 0)
			first = Number(argv.shift());
		else
			usage();
	}
	if (argv.length !== 5)
		usage();
	const [host, portArg, keyFile, name, nArg] = argv;
	const port = Number(portArg);
	const n = Number(nArg);
	if (!Number.isInteger(port) || port < 1 || port > 65535 ||
	    !Number.isInteger(n) || n < 1 || !Number.isInteger(first) ||
	    first < 0)
		usage();

	const schema = pb.loadProto(protoFile);
	if (!schema.messages.has('UDP'))
		throw new Error('records.proto has no message UDP');
	const collectorPk = pb.readKey(keyFile);
	const kp = nacl.box.keyPair();
	const shared = nacl.box.before(collectorPk, kp.secretKey);
	const session = Buffer.from(nacl.randomBytes(pb.SESSIONLEN));
	const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
	const maxPlain = pb.DGRAM_DEFAULT - pb.OVERHEAD;
	let seq = 0n;
	const sent = [];

	/* plaintext: encoding byte and Batch, alternately raw and zlib */
	const plaintext = (recs, s) => {
		const batch = pb.batchEncode({ sensor: name, type: 'UDP',
		    count: recs.length, records: pb.frameRecords(recs) });
		if (s % 2n === 1n)
			return (Buffer.concat([Buffer.from([pb.ENC_RAW]),
			    batch]));
		return (Buffer.concat([Buffer.from([pb.ENC_ZLIB]),
		    zlib.deflateSync(batch)]));
	};
	const seal = (pt, s) => {
		const nonce = pb.nonceEncode(session, s);
		const box = nacl.box.after(new Uint8Array(pt),
		    new Uint8Array(nonce), shared);
		return (Buffer.concat([Buffer.from(kp.publicKey), nonce,
		    Buffer.from(box)]));
	};
	const send = (d) => new Promise((res, rej) => {
		sock.send(d, port, host, (err) => (err ? rej(err) : res()));
	});

	/* cut the records into batches that fit one datagram */
	const batches = [];
	let i = first;
	let k = 0;
	while (i < first + n) {
		const want = BATCH_SIZES[k++ % BATCH_SIZES.length];
		const recs = [];
		const objs = [];
		let size = 0;
		while (recs.length < want && i < first + n) {
			const obj = udpRecord(i);
			const rec = pb.encodeRecord(schema, 'UDP', obj);
			/* framing and batch fields: 40 bytes is ample */
			if (recs.length > 0 &&
			    size + rec.length + 40 + name.length > maxPlain)
				break;
			recs.push(rec);
			objs.push(obj);
			size += rec.length + 2;
			i++;
		}
		batches.push({ recs, objs });
	}

	const datagrams = [];
	for (const b of batches) {
		seq++;
		const d = seal(plaintext(b.recs, seq), seq);
		if (d.length > pb.DGRAM_DEFAULT)
			throw new Error('datagram of ' + d.length + ' bytes');
		datagrams.push(d);
		await send(d);
		sent.push(...b.objs);
		/* loopback has no flow control: pace a little */
		await sleep(2);
	}

	if (tamper) {
		/* a replay of datagram 1: a collector must drop it */
		await send(datagrams[0]);
		await sleep(2);

		/* a forged one: its records must never be stored */
		const evil = [];
		for (let j = 0; j < 3; j++)
			evil.push(pb.encodeRecord(schema, 'UDP',
			    udpRecord(first + n + 1000 + j)));
		seq++;
		const d = seal(plaintext(evil, seq), seq);
		d[pb.PKLEN + pb.NONCELEN + 3] ^= 0x20;	/* in the tag */
		await send(d);
		await sleep(2);

		/* and a good one after them: it must still be accepted */
		const last = udpRecord(first + n);
		seq++;
		await send(seal(plaintext([pb.encodeRecord(schema, 'UDP',
		    last)], seq), seq));
		sent.push(last);
	}
	sock.close();

	for (const r of sent)
		process.stdout.write(pb.jsonText(fullRecord(schema, 'UDP', r)) +
		    '\n');
	process.stderr.write('sensor.js: session ' + session.toString('hex') +
	    ', key ' + Buffer.from(kp.publicKey).toString('hex') + ', ' +
	    seq + ' datagrams, ' + sent.length + ' good records' +
	    (tamper ? ', plus a replay and a forgery' : '') + '\n');
}

main().catch((e) => {
	process.stderr.write('sensor.js: ' + e.message + '\n');
	process.exit(1);
});
