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
 * A second, independent implementation of what ncap puts on the wire:
 * protobuf varints and length-delimited fields, the wire v2 datagram
 * layout, a reader for the subset of .proto syntax records.proto uses,
 * and the value rendering of `ncctl dump -j`.  Nothing here is generated
 * from the .proto files, so a disagreement with the C side is a bug on
 * one of the two sides, not a shared one.
 *
 * 64-bit integers are BigInt throughout; JSON text is read and written
 * by the small codec at the end, because JSON.parse loses their digits.
 */

'use strict';

const fs = require('fs');
const path = require('path');

/*
 * Wire format v2, from the description at the top of common/wire.h:
 *
 *	off  len
 *	0      1  version (2)
 *	1     32  I, the sensor's identity public key
 *	33    24  N, the session nonce, random per session
 *	57    56  certificate: box (tag, then ciphertext) from I's secret
 *		  key to the collector, nonce N, of E (32, the session
 *		  public key) | T (8, big endian, ns since the epoch)
 *	113    8  sequence number, big endian, from 1 in the session
 *	121 16+n  box from E's secret key to the collector, nonce 16 zero
 *		  bytes | the sequence number, of the plaintext
 *
 * Plaintext: an encoding byte (0 raw, 1 zlib, or'ed with 0x80 when
 * padded) and a Batch, then when padded 0x80 and zero bytes up to a
 * multiple of the pad size (ISO/IEC 7816-4).
 */
const VERSION = 2;
const PKLEN = 32;
const NONCELEN = 24;
const TAGLEN = 16;
const CERTPTLEN = PKLEN + 8;
const CERTLEN = TAGLEN + CERTPTLEN;
const OFF_ID = 1;
const OFF_SNONCE = OFF_ID + PKLEN;
const OFF_CERT = OFF_SNONCE + NONCELEN;
const OFF_SEQ = OFF_CERT + CERTLEN;
const HDRLEN = OFF_SEQ + 8;
const OVERHEAD = HDRLEN + TAGLEN;
const ENC_RAW = 0;
const ENC_ZLIB = 1;
const ENC_PADDED = 0x80;
const DGRAM_DEFAULT = 1400;
const MAX_BATCH = 192 * 1024;

/* protobuf wire types */
const WT_VARINT = 0;
const WT_I64 = 1;
const WT_LEN = 2;
const WT_I32 = 5;

const U64 = (1n << 64n) - 1n;

class PbError extends Error {}

/* ---------------------------------------------------------------- */
/* varints and fields */

function varintEncode(v)
{
	let x = BigInt(v);
	const out = [];

	if (x < 0n)
		x &= U64;	/* negative int32/int64: ten bytes */
	if (x > U64)
		throw new PbError('varint out of range: ' + v);
	do {
		let b = Number(x & 0x7fn);
		x >>= 7n;
		if (x !== 0n)
			b |= 0x80;
		out.push(b);
	} while (x !== 0n);
	return (Buffer.from(out));
}

/*
 * Read a varint at off.  Only minimal encodings of at most ten bytes
 * holding at most 64 bits are accepted, as common/varint.c does.
 */
function varintDecode(buf, off)
{
	let v = 0n;
	let shift = 0n;
	let i = off;

	for (;;) {
		if (i >= buf.length)
			throw new PbError('truncated varint at ' + off);
		if (i - off >= 10)
			throw new PbError('varint longer than 10 bytes at ' +
			    off);
		const b = buf[i++];
		v |= BigInt(b & 0x7f) << shift;
		shift += 7n;
		if ((b & 0x80) === 0) {
			if (b === 0 && i - off > 1)
				throw new PbError('non-minimal varint at ' +
				    off);
			break;
		}
	}
	if (v > U64)
		throw new PbError('varint above 64 bits at ' + off);
	return ({ value: v, next: i });
}

function tagEncode(num, wt)
{
	return (varintEncode((BigInt(num) << 3n) | BigInt(wt)));
}

function lenField(num, bytes)
{
	return (Buffer.concat([tagEncode(num, WT_LEN),
	    varintEncode(bytes.length), bytes]));
}

function varintField(num, v)
{
	return (Buffer.concat([tagEncode(num, WT_VARINT), varintEncode(v)]));
}

/*
 * Split a message into its fields, in wire order: [{ num, wt, value }]
 * where value is a BigInt (varint, i64), a Number (i32) or a Buffer
 * (length-delimited).  Anything malformed throws.
 */
function decodeFields(buf)
{
	const fields = [];
	let off = 0;

	while (off < buf.length) {
		const t = varintDecode(buf, off);
		const num = t.value >> 3n;
		const wt = Number(t.value & 7n);

		off = t.next;
		if (num === 0n || num > 536870911n)
			throw new PbError('bad field number ' + num);
		let value;
		switch (wt) {
		case WT_VARINT: {
			const v = varintDecode(buf, off);
			value = v.value;
			off = v.next;
			break;
		}
		case WT_I64:
			if (buf.length - off < 8)
				throw new PbError('truncated fixed64');
			value = buf.readBigUInt64LE(off);
			off += 8;
			break;
		case WT_LEN: {
			const l = varintDecode(buf, off);
			off = l.next;
			if (l.value > BigInt(buf.length - off))
				throw new PbError('field ' + num +
				    ': length ' + l.value + ' past the end');
			value = buf.subarray(off, off + Number(l.value));
			off += Number(l.value);
			break;
		}
		case WT_I32:
			if (buf.length - off < 4)
				throw new PbError('truncated fixed32');
			value = buf.readUInt32LE(off);
			off += 4;
			break;
		default:
			throw new PbError('wire type ' + wt + ' of field ' +
			    num);
		}
		fields.push({ num: Number(num), wt, value });
	}
	return (fields);
}

/* the generic view: field number -> value (an array when repeated) */
function genericView(fields)
{
	const out = {};

	for (const f of fields) {
		const v = Buffer.isBuffer(f.value) ?
		    f.value.toString('hex') : f.value;
		if (!(f.num in out))
			out[f.num] = v;
		else if (Array.isArray(out[f.num]))
			out[f.num].push(v);
		else
			out[f.num] = [out[f.num], v];
	}
	return (out);
}

/* records framed by varint lengths, as in Batch.records and .ncap */
function frameRecords(recs)
{
	const parts = [];

	for (const r of recs) {
		parts.push(varintEncode(r.length));
		parts.push(r);
	}
	return (Buffer.concat(parts));
}

function unframeRecords(buf)
{
	const recs = [];
	let off = 0;

	while (off < buf.length) {
		const l = varintDecode(buf, off);
		off = l.next;
		if (l.value > BigInt(buf.length - off))
			throw new PbError('record length ' + l.value +
			    ' past the end of the batch');
		recs.push(buf.subarray(off, off + Number(l.value)));
		off += Number(l.value);
	}
	return (recs);
}

/* ---------------------------------------------------------------- */
/* Batch (proto/ncap.proto): 1 sensor, 2 type, 3 count, 4 records */

function batchEncode(b)
{
	const parts = [];

	if (b.sensor.length > 0)
		parts.push(lenField(1, Buffer.from(b.sensor, 'utf8')));
	if (b.type.length > 0)
		parts.push(lenField(2, Buffer.from(b.type, 'utf8')));
	if (b.count !== 0)
		parts.push(varintField(3, b.count));
	if (b.records.length > 0)
		parts.push(lenField(4, b.records));
	return (Buffer.concat(parts));
}

function batchDecode(buf)
{
	const b = { sensor: '', type: '', count: 0,
	    records: Buffer.alloc(0) };
	const want = { 1: WT_LEN, 2: WT_LEN, 3: WT_VARINT, 4: WT_LEN };

	for (const f of decodeFields(buf)) {
		if (!(f.num in want))
			throw new PbError('Batch: unknown field ' + f.num);
		if (f.wt !== want[f.num])
			throw new PbError('Batch: field ' + f.num +
			    ' has wire type ' + f.wt);
		switch (f.num) {
		case 1:
			b.sensor = utf8Strict(f.value, 'Batch.sensor');
			break;
		case 2:
			b.type = utf8Strict(f.value, 'Batch.type');
			break;
		case 3:
			if (f.value > 0xffffffffn)
				throw new PbError('Batch.count above 32 bits');
			b.count = Number(f.value);
			break;
		case 4:
			b.records = f.value;
			break;
		}
	}
	return (b);
}

function utf8Strict(buf, what)
{
	try {
		return (new TextDecoder('utf-8', { fatal: true }).decode(buf));
	} catch (e) {
		throw new PbError(what + ': not UTF-8');
	}
}

/* ---------------------------------------------------------------- */
/* a datagram's box nonce: 16 zero bytes, then the sequence number */

function dataNonce(seq)
{
	const n = Buffer.alloc(NONCELEN);

	n.writeBigUInt64BE(BigInt(seq), NONCELEN - 8);
	return (n);
}

function be64(v)
{
	const b = Buffer.alloc(8);

	b.writeBigUInt64BE(BigInt(v));
	return (b);
}

/*
 * ISO/IEC 7816-4 padding: 0x80, then zero bytes up to the next multiple
 * of block (so 1 to block bytes are added).
 */
function pad(buf, block)
{
	const len = (Math.floor(buf.length / block) + 1) * block;
	const out = Buffer.alloc(len);

	buf.copy(out);
	out[buf.length] = 0x80;
	return (out);
}

/* the length without the padding, or -1 when it is not well formed */
function unpadLength(buf)
{
	let i = buf.length;

	while (i > 0 && buf[i - 1] === 0)
		i--;
	if (i === 0 || buf[i - 1] !== 0x80)
		return (-1);
	return (i - 1);
}

/* ---------------------------------------------------------------- */
/* key files: 64 hex characters and an optional newline */

function readKey(file)
{
	const s = fs.readFileSync(file, 'latin1');
	const m = /^([0-9a-fA-F]{64})\n?$/.exec(s);

	if (m === null)
		throw new Error(file + ': not a key file (64 hex characters)');
	return (new Uint8Array(Buffer.from(m[1], 'hex')));
}

/* ---------------------------------------------------------------- */
/* a reader for the .proto subset we use */

const SCALARS = {
	double: WT_I64, float: WT_I32, int32: WT_VARINT, int64: WT_VARINT,
	uint32: WT_VARINT, uint64: WT_VARINT, sint32: WT_VARINT,
	sint64: WT_VARINT, fixed32: WT_I32, fixed64: WT_I64,
	sfixed32: WT_I32, sfixed64: WT_I64, bool: WT_VARINT,
	string: WT_LEN, bytes: WT_LEN,
};

function protoTokens(text)
{
	const toks = [];
	const re = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|([A-Za-z_][A-Za-z0-9_.]*|\.[A-Za-z_][A-Za-z0-9_.]*)|(-?[0-9][0-9A-Za-z.+-]*)|([{}\[\]()<>=;,])/y;
	let m;

	re.lastIndex = 0;
	while (re.lastIndex < text.length) {
		const at = re.lastIndex;
		if ((m = re.exec(text)) === null)
			throw new Error('proto: cannot read at offset ' + at +
			    ': ' + JSON.stringify(text.slice(at, at + 20)));
		if (m[1] !== undefined)
			toks.push({ k: 'str', v: m[1] });
		else if (m[2] !== undefined)
			toks.push({ k: 'id', v: m[2] });
		else if (m[3] !== undefined)
			toks.push({ k: 'num', v: m[3] });
		else if (m[4] !== undefined)
			toks.push({ k: 'sym', v: m[4] });
	}
	return (toks);
}

/*
 * Parse a .proto file into { messages: Map(full name -> message),
 * enums: Set(full names), top: [top-level message names] }.  A message
 * is { name, full, fields: [{ name, num, type, repeated, kind }] } with
 * the fields in number order; kind is 'scalar', 'enum' or 'message'
 * once types are resolved.
 */
function parseProto(text)
{
	const toks = protoTokens(text);
	const messages = new Map();
	const enums = new Set();
	const top = [];
	let i = 0;

	const peek = () => (i < toks.length ? toks[i] : null);
	const next = () => {
		if (i >= toks.length)
			throw new Error('proto: unexpected end of file');
		return (toks[i++]);
	};
	const expect = (v) => {
		const t = next();
		if (t.v !== v)
			throw new Error('proto: expected ' + v + ', got ' +
			    t.v);
		return (t);
	};
	/* skip to the end of a statement, over any bracketed parts */
	const skipStatement = () => {
		let depth = 0;
		for (;;) {
			const t = next();
			if (t.k !== 'sym')
				continue;
			if (t.v === '{' || t.v === '[' || t.v === '(')
				depth++;
			else if (t.v === '}' || t.v === ']' || t.v === ')') {
				depth--;
				if (depth === 0 && t.v === '}')
					return;
			} else if (t.v === ';' && depth === 0)
				return;
		}
	};
	const skipBlock = () => {
		let depth = 0;
		for (;;) {
			const t = next();
			if (t.v === '{')
				depth++;
			else if (t.v === '}' && --depth === 0)
				return;
		}
	};

	const parseField = (msg, label) => {
		let type = next().v;
		if (type === 'map')
			throw new Error('proto: map fields are not supported');
		const name = next().v;
		expect('=');
		const num = Number(next().v);
		if (!Number.isInteger(num) || num < 1)
			throw new Error('proto: bad number for ' + name);
		if (peek() !== null && peek().v === '[') {
			while (next().v !== ']')
				;
		}
		expect(';');
		msg.fields.push({ name, num, type,
		    repeated: label === 'repeated', kind: null });
	};

	const parseMessage = (scope) => {
		const name = next().v;
		const full = scope === '' ? name : scope + '.' + name;
		const msg = { name, full, fields: [] };

		messages.set(full, msg);
		expect('{');
		for (;;) {
			const t = peek();
			if (t === null)
				throw new Error('proto: message ' + full +
				    ' not closed');
			if (t.v === '}') {
				next();
				break;
			}
			if (t.v === ';') {
				next();
				continue;
			}
			if (t.v === 'message') {
				next();
				parseMessage(full);
			} else if (t.v === 'enum') {
				next();
				enums.add(full + '.' + next().v);
				skipBlock();
			} else if (t.v === 'oneof') {
				next();
				next();
				expect('{');
				while (peek() !== null && peek().v !== '}') {
					if (peek().v === 'option')
						skipStatement();
					else
						parseField(msg, '');
				}
				expect('}');
			} else if (t.v === 'reserved' || t.v === 'option' ||
			    t.v === 'extensions' || t.v === 'extend') {
				skipStatement();
			} else if (t.v === 'repeated' || t.v === 'optional' ||
			    t.v === 'required') {
				next();
				parseField(msg, t.v);
			} else
				parseField(msg, '');
		}
		msg.fields.sort((a, b) => a.num - b.num);
		return (msg);
	};

	while (peek() !== null) {
		const t = next();
		if (t.v === 'message')
			top.push(parseMessage('').full);
		else if (t.v === 'enum') {
			enums.add(next().v);
			skipBlock();
		} else if (t.v === 'service')
			skipBlock();
		else if (t.v === ';')
			continue;
		else
			skipStatement_(t);
	}

	function skipStatement_(t) {
		/* syntax, package, import, option: up to the ';' */
		if (t.v !== ';')
			while (next().v !== ';')
				;
	}

	/* resolve type names from the innermost scope outwards */
	for (const msg of messages.values()) {
		for (const f of msg.fields) {
			if (f.type in SCALARS) {
				f.kind = 'scalar';
				continue;
			}
			const want = f.type.replace(/^\./, '');
			let scope = msg.full;
			let found = null;
			for (;;) {
				const cand = scope === '' ? want :
				    scope + '.' + want;
				if (messages.has(cand)) {
					found = { kind: 'message', full: cand };
					break;
				}
				if (enums.has(cand)) {
					found = { kind: 'enum', full: cand };
					break;
				}
				if (scope === '')
					break;
				const dot = scope.lastIndexOf('.');
				scope = dot < 0 ? '' : scope.slice(0, dot);
			}
			if (found === null)
				throw new Error('proto: ' + msg.full + '.' +
				    f.name + ': unknown type ' + f.type);
			f.kind = found.kind;
			f.type = found.full;
		}
	}
	return ({ messages, enums, top });
}

/* NCAP_RECORDS_PROTO points elsewhere, e.g. at a proto under test */
function defaultProtoPath()
{
	if (process.env.NCAP_RECORDS_PROTO)
		return (process.env.NCAP_RECORDS_PROTO);
	return (path.join(__dirname, '..', '..', 'proto', 'records.proto'));
}

/*
 * Record types may be spread over proto/records*.proto: without a file
 * named, read them all as one schema (one syntax line kept).
 */
function loadProto(file)
{
	if (file || process.env.NCAP_RECORDS_PROTO)
		return (parseProto(fs.readFileSync(file || defaultProtoPath(),
		    'utf8')));
	const dir = path.dirname(defaultProtoPath());
	const texts = fs.readdirSync(dir).filter((n) =>
	    /^records.*\.proto$/.test(n)).sort().map((n, i) => {
		const t = fs.readFileSync(path.join(dir, n), 'utf8');
		return (i === 0 ? t : t.replace(/^\s*syntax\s*=.*$/mg, ''));
	    });
	return (parseProto(texts.join('\n')));
}

/* ---------------------------------------------------------------- */
/* addresses as ncctl dump shows them (inet_ntop, MAC, hex) */

function ipv4Text(b)
{
	return (Array.from(b).join('.'));
}

/*
 * IPv6 text the way glibc's inet_ntop writes it: lower-case hex, the
 * longest run of two or more zero groups (the first on a tie) as "::",
 * and a dotted tail for ::a.b.c.d and ::ffff:a.b.c.d.
 */
function ipv6Text(b)
{
	const w = [];
	let best = { base: -1, len: 0 };
	let cur = { base: -1, len: 0 };

	for (let i = 0; i < 8; i++)
		w.push((b[2 * i] << 8) | b[2 * i + 1]);
	for (let i = 0; i < 8; i++) {
		if (w[i] === 0) {
			if (cur.base < 0)
				cur = { base: i, len: 1 };
			else
				cur.len++;
		} else if (cur.base >= 0) {
			if (cur.len > best.len)
				best = cur;
			cur = { base: -1, len: 0 };
		}
	}
	if (cur.base >= 0 && cur.len > best.len)
		best = cur;
	if (best.len < 2)
		best = { base: -1, len: 0 };

	let s = '';
	for (let i = 0; i < 8; i++) {
		if (best.base >= 0 && i >= best.base &&
		    i < best.base + best.len) {
			if (i === best.base)
				s += ':';
			continue;
		}
		if (i !== 0)
			s += ':';
		if (i === 6 && best.base === 0 && (best.len === 6 ||
		    (best.len === 5 && w[5] === 0xffff))) {
			s += ipv4Text(b.subarray(12, 16));
			break;
		}
		s += w[i].toString(16);
	}
	if (best.base >= 0 && best.base + best.len === 8)
		s += ':';
	return (s);
}

function macText(b)
{
	return (Array.from(b, (x) => x.toString(16).padStart(2, '0'))
	    .join(':'));
}

function bytesText(b)
{
	switch (b.length) {
	case 0:
		return ('');
	case 4:
		return (ipv4Text(b));
	case 16:
		return (ipv6Text(b));
	case 6:
		return (macText(b));
	default:
		return (Buffer.from(b).toString('hex'));
	}
}

/* text -> bytes for the forms bytesText writes; used to build records */
function bytesFromText(s)
{
	let m;

	if (s === '')
		return (Buffer.alloc(0));
	if ((m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s)) !== null)
		return (Buffer.from(m.slice(1).map((x) => {
			const n = Number(x);
			if (n > 255)
				throw new Error('bad IPv4 address ' + s);
			return (n);
		})));
	if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(s))
		return (Buffer.from(s.replace(/:/g, ''), 'hex'));
	if (s.includes(':'))
		return (ipv6Bytes(s));
	if (/^([0-9a-f]{2})+$/.test(s))
		return (Buffer.from(s, 'hex'));
	throw new Error('cannot turn "' + s + '" into bytes');
}

function ipv6Bytes(s)
{
	const out = Buffer.alloc(16);
	let tail4 = null;
	let str = s;
	const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);

	if (m !== null) {
		tail4 = bytesFromText(m[2]);
		str = m[1] + '0:0';
	}
	const halves = str.split('::');
	if (halves.length > 2)
		throw new Error('bad IPv6 address ' + s);
	const grp = (h) => (h === '' ? [] : h.split(':').map((x) => {
		if (!/^[0-9a-fA-F]{1,4}$/.test(x))
			throw new Error('bad IPv6 address ' + s);
		return (parseInt(x, 16));
	}));
	const head = grp(halves[0]);
	const tail = halves.length === 2 ? grp(halves[1]) : [];
	const fill = 8 - head.length - tail.length;
	if ((halves.length === 1 && fill !== 0) ||
	    (halves.length === 2 && fill < 1))
		throw new Error('bad IPv6 address ' + s);
	const w = head.concat(new Array(halves.length === 2 ? fill : 0)
	    .fill(0), tail);
	for (let i = 0; i < 8; i++)
		out.writeUInt16BE(w[i], 2 * i);
	if (tail4 !== null)
		tail4.copy(out, 12);
	return (out);
}

/* ---------------------------------------------------------------- */
/* records: dump-style values <-> wire, by the schema */

function zeroValue(schema, f)
{
	if (f.repeated)
		return ([]);
	if (f.kind === 'message')
		return (null);
	if (f.kind === 'enum')
		return (0n);
	switch (f.type) {
	case 'string':
	case 'bytes':
		return ('');
	case 'bool':
		return (false);
	case 'float':
	case 'double':
		return (0);
	default:
		return (0n);
	}
}

function isZero(v)
{
	return (v === '' || v === false || v === 0 || v === 0n ||
	    v === null || (Array.isArray(v) && v.length === 0));
}

/* one scalar (not repeated) value to its wire bytes, without tag */
function scalarWire(f, v)
{
	switch (f.kind === 'enum' ? 'int32' : f.type) {
	case 'int32':
	case 'int64':
	case 'uint32':
	case 'uint64':
		return (varintEncode(v));
	case 'sint32':
	case 'sint64': {
		const x = BigInt(v);
		return (varintEncode(x >= 0n ? x << 1n : ((-x) << 1n) - 1n));
	}
	case 'bool':
		return (varintEncode(v ? 1n : 0n));
	case 'string':
		return (Buffer.from(v, 'utf8'));
	case 'bytes':
		return (Buffer.isBuffer(v) ? v : bytesFromText(v));
	case 'fixed32':
	case 'sfixed32': {
		const b = Buffer.alloc(4);
		b.writeUInt32LE(Number(BigInt.asUintN(32, BigInt(v))));
		return (b);
	}
	case 'fixed64':
	case 'sfixed64': {
		const b = Buffer.alloc(8);
		b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)));
		return (b);
	}
	case 'float': {
		const b = Buffer.alloc(4);
		b.writeFloatLE(v);
		return (b);
	}
	case 'double': {
		const b = Buffer.alloc(8);
		b.writeDoubleLE(v);
		return (b);
	}
	}
	throw new Error('no wire form for ' + f.type);
}

function fieldWireType(f)
{
	if (f.kind === 'message')
		return (WT_LEN);
	if (f.kind === 'enum')
		return (WT_VARINT);
	return (SCALARS[f.type]);
}

/*
 * Encode a record given as { field name: dump-style value } with
 * proto3 rules: zero values are left out, repeated numbers packed.
 */
function encodeRecord(schema, typeName, obj)
{
	const msg = schema.messages.get(typeName);
	const parts = [];

	if (msg === undefined)
		throw new Error('no message ' + typeName + ' in the schema');
	for (const k of Object.keys(obj))
		if (!msg.fields.some((f) => f.name === k))
			throw new Error(typeName + ' has no field ' + k);
	for (const f of msg.fields) {
		const v = obj[f.name];
		if (v === undefined || isZero(v))
			continue;
		const wt = fieldWireType(f);
		const one = (x) => (f.kind === 'message' ?
		    encodeRecord(schema, f.type, x) : scalarWire(f, x));
		if (f.repeated && wt !== WT_LEN) {
			parts.push(lenField(f.num,
			    Buffer.concat(v.map(one))));
		} else if (f.repeated) {
			for (const x of v)
				parts.push(lenField(f.num, one(x)));
		} else if (wt === WT_LEN)
			parts.push(lenField(f.num, one(v)));
		else
			parts.push(Buffer.concat([tagEncode(f.num, wt),
			    one(v)]));
	}
	return (Buffer.concat(parts));
}

/* one wire value of field f to its dump-style value */
function scalarValue(f, wt, raw)
{
	const type = f.kind === 'enum' ? 'int32' : f.type;

	if (wt !== SCALARS[type])
		throw new PbError('field ' + f.name + ' (' + type +
		    ') has wire type ' + wt);
	switch (type) {
	case 'int32':
		return (BigInt.asIntN(32, raw));
	case 'int64':
		return (BigInt.asIntN(64, raw));
	case 'uint32':
		if (raw > 0xffffffffn)
			throw new PbError('field ' + f.name +
			    ': uint32 above 32 bits');
		return (raw);
	case 'uint64':
		return (raw);
	case 'sint32':
	case 'sint64':
		return ((raw & 1n) ? -((raw + 1n) >> 1n) : raw >> 1n);
	case 'bool':
		return (raw !== 0n);
	case 'string':
		return (utf8Strict(raw, f.name));
	case 'bytes':
		return (bytesText(raw));
	case 'fixed32':
		return (BigInt(raw));
	case 'sfixed32':
		return (BigInt.asIntN(32, BigInt(raw)));
	case 'fixed64':
		return (raw);
	case 'sfixed64':
		return (BigInt.asIntN(64, raw));
	case 'float': {
		const b = Buffer.alloc(4);
		b.writeUInt32LE(raw);
		return (b.readFloatLE(0));
	}
	case 'double': {
		const b = Buffer.alloc(8);
		b.writeBigUInt64LE(raw);
		return (b.readDoubleLE(0));
	}
	}
	throw new PbError('no reading for ' + type);
}

/* the values packed in one length-delimited field */
function unpack(f, buf)
{
	const wt = fieldWireType(f);
	const out = [];
	let off = 0;

	while (off < buf.length) {
		if (wt === WT_VARINT) {
			const v = varintDecode(buf, off);
			out.push(scalarValue(f, wt, v.value));
			off = v.next;
		} else if (wt === WT_I32) {
			if (buf.length - off < 4)
				throw new PbError('truncated packed ' + f.name);
			out.push(scalarValue(f, wt, buf.readUInt32LE(off)));
			off += 4;
		} else {
			if (buf.length - off < 8)
				throw new PbError('truncated packed ' + f.name);
			out.push(scalarValue(f, wt, buf.readBigUInt64LE(off)));
			off += 8;
		}
	}
	return (out);
}

/*
 * Render decoded fields the way `ncctl dump -j` does: every field of
 * the message in number order, zero values included.  Unknown field
 * numbers are reported in unknown[] rather than dropped silently.
 */
function renderRecord(schema, typeName, fields, unknown)
{
	const msg = schema.messages.get(typeName);
	const out = {};

	for (const f of msg.fields) {
		const occ = fields.filter((x) => x.num === f.num);
		const one = (x) => {
			if (f.kind === 'message') {
				if (x.wt !== WT_LEN)
					throw new PbError('field ' + f.name +
					    ' has wire type ' + x.wt);
				return (renderRecord(schema, f.type,
				    decodeFields(x.value), unknown));
			}
			return (scalarValue(f, x.wt, x.value));
		};
		if (f.repeated) {
			const vals = [];
			for (const x of occ) {
				if (x.wt === WT_LEN && f.kind !== 'message' &&
				    fieldWireType(f) !== WT_LEN)
					vals.push(...unpack(f, x.value));
				else
					vals.push(one(x));
			}
			out[f.name] = vals;
		} else if (occ.length === 0)
			out[f.name] = zeroValue(schema, f);
		else
			out[f.name] = one(occ[occ.length - 1]);
	}
	if (unknown !== undefined)
		for (const x of fields)
			if (!msg.fields.some((f) => f.num === x.num))
				unknown.push(typeName + '.' + x.num);
	return (out);
}

/* ---------------------------------------------------------------- */
/* JSON with exact integers */

/* a JSON number kept as its canonical text */
class JNum {
	constructor(text) {
		if (/^-?(0|[1-9][0-9]*)$/.test(text))
			this.text = BigInt(text).toString();
		else
			this.text = String(Number(text));
	}
}

function jsonParse(text)
{
	let i = 0;
	const ws = () => {
		while (i < text.length && ' \t\r\n'.includes(text[i]))
			i++;
	};
	const fail = (why) => {
		throw new Error('JSON: ' + why + ' at ' + i + ' in ' +
		    text.slice(0, 80));
	};
	const value = () => {
		ws();
		const c = text[i];
		if (c === '{') {
			const o = {};
			i++;
			ws();
			if (text[i] === '}') {
				i++;
				return (o);
			}
			for (;;) {
				ws();
				if (text[i] !== '"')
					fail('key expected');
				const k = str();
				ws();
				if (text[i++] !== ':')
					fail('":" expected');
				o[k] = value();
				ws();
				if (text[i] === ',') {
					i++;
					continue;
				}
				if (text[i++] !== '}')
					fail('"}" expected');
				return (o);
			}
		}
		if (c === '[') {
			const a = [];
			i++;
			ws();
			if (text[i] === ']') {
				i++;
				return (a);
			}
			for (;;) {
				a.push(value());
				ws();
				if (text[i] === ',') {
					i++;
					continue;
				}
				if (text[i++] !== ']')
					fail('"]" expected');
				return (a);
			}
		}
		if (c === '"')
			return (str());
		for (const [w, v] of [['true', true], ['false', false],
		    ['null', null]]) {
			if (text.startsWith(w, i)) {
				i += w.length;
				return (v);
			}
		}
		const m = /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;
		m.lastIndex = i;
		const r = m.exec(text);
		if (r === null || r[0] === '' || r[0] === '-')
			fail('value expected');
		i += r[0].length;
		return (new JNum(r[0]));
	};
	const str = () => {
		const m = /"((?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*)"/y;
		m.lastIndex = i;
		const r = m.exec(text);
		if (r === null)
			fail('bad string');
		i += r[0].length;
		return (JSON.parse(r[0]));
	};
	const v = value();
	ws();
	if (i !== text.length)
		fail('trailing characters');
	return (v);
}

/* JSON text in one line; BigInt and JNum as bare numbers, Buffer as hex */
function jsonText(v)
{
	if (v === null || v === undefined)
		return ('null');
	if (typeof v === 'bigint')
		return (v.toString());
	if (v instanceof JNum)
		return (v.text);
	if (typeof v === 'number')
		return (Number.isInteger(v) ? BigInt(v).toString() :
		    String(v));
	if (typeof v === 'boolean' || typeof v === 'string')
		return (JSON.stringify(v));
	if (Buffer.isBuffer(v))
		return (JSON.stringify(v.toString('hex')));
	if (Array.isArray(v))
		return ('[' + v.map(jsonText).join(',') + ']');
	return ('{' + Object.keys(v).map((k) => JSON.stringify(k) + ':' +
	    jsonText(v[k])).join(',') + '}');
}

module.exports = {
	VERSION, PKLEN, NONCELEN, TAGLEN, CERTPTLEN, CERTLEN, OFF_ID,
	OFF_SNONCE, OFF_CERT, OFF_SEQ, HDRLEN, OVERHEAD, ENC_RAW, ENC_ZLIB,
	ENC_PADDED, DGRAM_DEFAULT, MAX_BATCH, WT_VARINT, WT_I64, WT_LEN,
	WT_I32,
	PbError, varintEncode, varintDecode, decodeFields, genericView,
	frameRecords, unframeRecords, batchEncode, batchDecode,
	dataNonce, be64, pad, unpadLength, readKey, parseProto, loadProto,
	defaultProtoPath, bytesText, bytesFromText, ipv6Text, encodeRecord,
	renderRecord, zeroValue, JNum, jsonParse, jsonText,
};
