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
 * JSON-lines helpers for t_nacl.sh that keep 64-bit integers exact
 * (jq and JSON.parse would round a nanosecond timestamp).  Input is a
 * file or "-" for stdin.
 *
 *	canon.js lines FILE		each line in one canonical form
 *	canon.js records TYPE FILE	the "record" of each collector.js
 *					line of that type, canonical
 *	canon.js count TYPE FILE	records of TYPE in collector.js's
 *					summary (0 when none)
 *	canon.js get KEY FILE		KEY of each line: strings bare,
 *					other values as JSON; KEY may be
 *					a path, summary.sessions
 *	canon.js counts FILE		"Type records" for each type in
 *					collector.js's summary
 *	canon.js fields TYPE K1,K2,.. FILE
 *					those record keys of each
 *					collector.js line of TYPE, one
 *					line each, separated by spaces
 */

'use strict';

const fs = require('fs');
const pb = require('./pb.js');

function usage()
{
	process.stderr.write('usage: canon.js lines | records TYPE | ' +
	    'count TYPE | counts | get KEY | fields TYPE KEYS  FILE\n');
	process.exit(2);
}

function readLines(file)
{
	const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');

	return (text.split('\n').filter((l) => l.trim() !== '')
	    .map((l, i) => {
		try {
			return (pb.jsonParse(l));
		} catch (e) {
			process.stderr.write('canon.js: ' + file + ' line ' +
			    (i + 1) + ': ' + e.message + '\n');
			process.exit(1);
		}
	}));
}

function bare(v)
{
	return (typeof v === 'string' ? v : pb.jsonText(v));
}

const a = process.argv.slice(2);
const out = [];

switch (a[0]) {
case 'lines':
	if (a.length !== 2)
		usage();
	for (const o of readLines(a[1]))
		out.push(pb.jsonText(o));
	break;
case 'records':
	if (a.length !== 3)
		usage();
	for (const o of readLines(a[2]))
		if (o.type === a[1] && o.record !== undefined)
			out.push(pb.jsonText(o.record));
	break;
case 'count': {
	if (a.length !== 3)
		usage();
	const s = readLines(a[2]).filter((o) => o.summary !== undefined);
	if (s.length !== 1) {
		process.stderr.write('canon.js: no summary line\n');
		process.exit(1);
	}
	const n = s[0].summary.types[a[1]];
	out.push(n === undefined ? '0' : bare(n));
	break;
}
case 'get':
	if (a.length !== 3)
		usage();
	for (const o of readLines(a[2])) {
		let v = o;
		for (const k of a[1].split('.'))
			v = v !== null && typeof v === 'object' &&
			    !Buffer.isBuffer(v) ? v[k] : undefined;
		out.push(v === undefined ? '' : bare(v));
	}
	break;
case 'counts': {
	if (a.length !== 2)
		usage();
	const s = readLines(a[1]).filter((o) => o.summary !== undefined);
	if (s.length !== 1) {
		process.stderr.write('canon.js: no summary line\n');
		process.exit(1);
	}
	for (const t of Object.keys(s[0].summary.types))
		out.push(t + ' ' + bare(s[0].summary.types[t]));
	break;
}
case 'fields': {
	if (a.length !== 4)
		usage();
	const keys = a[2].split(',');
	for (const o of readLines(a[3]))
		if (o.type === a[1] && o.record !== undefined)
			out.push(keys.map((k) => bare(o.record[k])).join(' '));
	break;
}
default:
	usage();
}
if (out.length > 0)
	process.stdout.write(out.join('\n') + '\n');
