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

#include <sys/types.h>

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>

#include "ncagentd.h"
#include "records_udp.pb-c.h"
#include "decode.h"

#define DNS_HDRLEN	12
#define DNS_MAXRR	64	/* entries kept per section; more are skipped */
#define DNS_MAXNAME	255	/* wire length of a name, RFC 1035 2.3.4 */
#define DNS_MAXHOPS	64	/* compression pointers followed in one name */
/*
 * rdata shown as hex is cut after this many bytes: keys and signatures
 * tell an operator little, and would make records too large to send
 */
#define DNS_MAXHEX	64
/*
 * What the kept entries may take in all (their text, plus 16 bytes
 * each for the framing): a record must fit a datagram of the default
 * max-datagram once compressed, or the sensor drops all of it.
 * Entries past the budget are read and counted, but not kept, like
 * those past DNS_MAXRR; the first question is always kept.
 */
#define DNS_BUDGET	2048
#define DNS_ENTRYCOST	16
/* the longest text of a name: every byte of it written \DDD */
#define DNS_NAMETEXT	(DNS_MAXNAME * 4 + 1)

#define T_A		1
#define T_NS		2
#define T_CNAME		5
#define T_SOA		6
#define T_PTR		12
#define T_MX		15
#define T_TXT		16
#define T_AAAA		28
#define T_DNAME		39

/* what went wrong in a message: it was cut short, or it is impossible */
#define E_TRUNC		-1
#define E_BAD		-2

/*
 * The text of one message.  What is kept stays within DNS_BUDGET (or
 * is the first question's name); the entry read next takes at most a
 * name, and as data two names and some numbers, or 4 bytes for each of
 * at most 64K of rdata.  text_add() refuses to go past the end anyway.
 */
#define ARENA_SIZE	(DNS_BUDGET + 3 * DNS_NAMETEXT + 4 * 65536 + 256)

static char		 arena[ARENA_SIZE];
static size_t		 arena_used;

static DNS__Question	 qs[DNS_MAXRR];
static DNS__Question	*qps[DNS_MAXRR];
static DNS__RR		 rrs[3][DNS_MAXRR];
static DNS__RR		*rrps[3][DNS_MAXRR];

/* a string under construction in the arena */
struct text {
	char	*s;
	size_t	 len;
	int	 full;
};

static void
text_start(struct text *t)
{
	t->s = arena + arena_used;
	t->len = 0;
	t->full = arena_used >= sizeof(arena);
}

static void
text_add(struct text *t, const char *s, size_t n)
{
	if (t->full || arena_used + t->len + n + 1 > sizeof(arena)) {
		t->full = 1;
		return;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
}

/* a name is mostly single characters: no call to memcpy for each */
static void
text_addc(struct text *t, char ch)
{
	if (t->full || arena_used + t->len + 2 > sizeof(arena)) {
		t->full = 1;
		return;
	}
	t->s[t->len++] = ch;
}

/* v in decimal, written from the end (snprintf took longer) */
static void
text_dec(struct text *t, unsigned int v)
{
	char	 buf[16], *p = buf + sizeof(buf);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	text_add(t, p, (size_t)(buf + sizeof(buf) - p));
}

/* \DDD, the escape dig uses for bytes that are not plain text */
static void
text_esc(struct text *t, uint8_t b)
{
	char	 buf[4];

	buf[0] = '\\';
	buf[1] = (char)('0' + b / 100);
	buf[2] = (char)('0' + b / 10 % 10);
	buf[3] = (char)('0' + b % 10);
	text_add(t, buf, 4);
}

/* close the string, NUL-terminated; NULL when the arena is full */
static char *
text_end(struct text *t)
{
	if (t->full)
		return (NULL);
	t->s[t->len] = '\0';
	arena_used += t->len + 1;
	return (t->s);
}

/*
 * Read the name at off, append its text to t and set *next to the
 * offset that follows it in place (after its first pointer, if any).
 * No byte at or past end is read.  A pointer must point before where
 * the previous one led (before the name, for the first), so each hop
 * goes strictly backwards and loops are impossible; the wire length is
 * held to 255 and the hops to DNS_MAXHOPS as well.
 */
static int
dns_name(const uint8_t *msg, size_t end, size_t off, size_t *next,
    struct text *t)
{
	size_t	 pos = off, lowest = off, wirelen = 0;
	int	 hops = 0, jumped = 0, nlabels = 0;
	uint8_t	 n, b;
	size_t	 i, target;

	for (;;) {
		if (pos >= end)
			return (E_TRUNC);
		n = msg[pos];
		if ((n & 0xc0) == 0xc0) {
			if (pos + 2 > end)
				return (E_TRUNC);
			target = (size_t)(n & 0x3f) << 8 | msg[pos + 1];
			if (target >= lowest || ++hops > DNS_MAXHOPS)
				return (E_BAD);
			if (!jumped)
				*next = pos + 2;
			jumped = 1;
			lowest = target;
			pos = target;
			continue;
		}
		/* 0x40 and 0x80: extended and reserved label types */
		if (n & 0xc0)
			return (E_BAD);
		wirelen += (size_t)n + 1;
		if (wirelen > DNS_MAXNAME)
			return (E_BAD);
		if (n == 0)
			break;
		if (pos + 1 + n > end)
			return (E_TRUNC);
		if (nlabels++ > 0)
			text_addc(t, '.');
		for (i = 0; i < n; i++) {
			b = msg[pos + 1 + i];
			if (b <= 0x20 || b >= 0x7f || b == '.' || b == '\\')
				text_esc(t, b);
			else
				text_addc(t, (char)b);
		}
		pos += 1 + (size_t)n;
	}
	if (nlabels == 0)
		text_addc(t, '.');
	if (!jumped)
		*next = pos + 1;
	return (0);
}

static void
text_hex(struct text *t, const uint8_t *p, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		text_addc(t, hex[p[i] >> 4]);
		text_addc(t, hex[p[i] & 0xf]);
	}
}

/* the TXT character-strings, each quoted, as dig shows them */
static int
rdata_txt(const uint8_t *p, size_t n, struct text *t)
{
	size_t	 off = 0, i, l;
	uint8_t	 b;

	if (n == 0)
		return (-1);
	while (off < n) {
		l = p[off++];
		if (l > n - off)
			return (-1);
		if (t->len > 0)
			text_addc(t, ' ');
		text_addc(t, '"');
		for (i = 0; i < l; i++) {
			b = p[off + i];
			if (b == '"' || b == '\\') {
				text_addc(t, '\\');
				text_addc(t, (char)b);
			} else if (b < 0x20 || b >= 0x7f)
				text_esc(t, b);
			else
				text_addc(t, (char)b);
		}
		text_addc(t, '"');
		off += l;
	}
	return (0);
}

/*
 * The data of a record as text, by type.  rdata that is not of its
 * type's form is shown as hex, so one bad record does not cost the
 * whole message.
 */
static char *
rdata_text(const uint8_t *msg, size_t off, size_t rdlen, uint32_t type)
{
	struct text	 t;
	char		 buf[INET6_ADDRSTRLEN];
	size_t		 end = off + rdlen, next;
	int		 r = -1, i;

	text_start(&t);
	switch (type) {
	case T_A:
	case T_AAAA:
		if (rdlen != (type == T_A ? 4 : 16))
			break;
		if (inet_ntop(type == T_A ? AF_INET : AF_INET6, msg + off,
		    buf, sizeof(buf)) == NULL)
			break;
		text_add(&t, buf, strlen(buf));
		r = 0;
		break;
	case T_NS:
	case T_CNAME:
	case T_PTR:
	case T_DNAME:
		r = dns_name(msg, end, off, &next, &t);
		if (r == 0 && next != end)
			r = -1;
		break;
	case T_MX:
		if (rdlen < 3)
			break;
		text_dec(&t, rd16(msg + off));
		text_addc(&t, ' ');
		r = dns_name(msg, end, off + 2, &next, &t);
		if (r == 0 && next != end)
			r = -1;
		break;
	case T_SOA:
		if ((r = dns_name(msg, end, off, &next, &t)) != 0)
			break;
		text_addc(&t, ' ');
		if ((r = dns_name(msg, end, next, &next, &t)) != 0)
			break;
		if (end - next != 20) {
			r = -1;
			break;
		}
		for (i = 0; i < 5; i++) {
			text_addc(&t, ' ');
			text_dec(&t, rd32(msg + next + 4 * i));
		}
		break;
	case T_TXT:
		r = rdata_txt(msg + off, rdlen, &t);
		break;
	}
	if (r != 0) {
		/* start over: what was written is not the answer */
		text_start(&t);
		if (rdlen > DNS_MAXHEX) {
			text_hex(&t, msg + off, DNS_MAXHEX);
			text_add(&t, "...", 3);
		} else
			text_hex(&t, msg + off, rdlen);
	}
	return (text_end(&t));
}

static int
dns_question(const uint8_t *msg, size_t len, size_t *off, DNS__Question *q,
    int keep)
{
	struct text	 t;
	size_t		 next;
	int		 r;

	text_start(&t);
	if ((r = dns_name(msg, len, *off, &next, &t)) != 0)
		return (r);
	if (next + 4 > len)
		return (E_TRUNC);
	if (keep) {
		if ((q->name = text_end(&t)) == NULL)
			return (E_BAD);
		q->type = rd16(msg + next);
		q->class_ = rd16(msg + next + 2);
	}
	*off = next + 4;
	return (0);
}

static int
dns_rr(const uint8_t *msg, size_t len, size_t *off, DNS__RR *rr, int keep)
{
	struct text	 t;
	size_t		 next, rdlen;
	int		 r;

	text_start(&t);
	if ((r = dns_name(msg, len, *off, &next, &t)) != 0)
		return (r);
	if (next + 10 > len)
		return (E_TRUNC);
	rdlen = rd16(msg + next + 8);
	if (next + 10 + rdlen > len)
		return (E_TRUNC);
	if (keep) {
		if ((rr->name = text_end(&t)) == NULL)
			return (E_BAD);
		rr->type = rd16(msg + next);
		rr->class_ = rd16(msg + next + 2);
		rr->ttl = rd32(msg + next + 4);
		/* names in rdata may point anywhere before them */
		if ((rr->data = rdata_text(msg, next + 10, rdlen,
		    rr->type)) == NULL)
			return (E_BAD);
	}
	*off = next + 10 + rdlen;
	return (0);
}

/*
 * One DNS message of len bytes, all of them there to read.  Every
 * entry the counts announce is read, so the whole message is checked,
 * but only DNS_MAXRR of each section are kept in the record, and only
 * while DNS_BUDGET lasts: once an entry is left out, so are all after
 * it, and each list is the start of its section.
 */
static enum dres
dns_message(struct dctx *c, int type, const uint8_t *msg, size_t len,
    int tcp)
{
	DNS		 m = DNS__INIT;
	DNS__RR		**lists[3];
	size_t		*nlists[3];
	size_t		 off, i, k, mark, spent = 0;
	uint32_t	 counts[3];
	int		 s, r, keep, full = 0;

	if (len < DNS_HDRLEN)
		return (D_TRUNC);
	arena_used = 0;
	m.timestamp = c->ts;
	dec_addrs(c, &m.src_ip, &m.dst_ip);
	m.src_port = c->sport;
	m.dst_port = c->dport;
	m.tcp = tcp;
	m.id = rd16(msg);
	m.flags = rd16(msg + 2);
	m.qr = (m.flags >> 15) & 1;
	m.opcode = (m.flags >> 11) & 0xf;
	m.aa = (m.flags >> 10) & 1;
	m.tc = (m.flags >> 9) & 1;
	m.rd = (m.flags >> 8) & 1;
	m.ra = (m.flags >> 7) & 1;
	m.rcode = m.flags & 0xf;
	m.qdcount = rd16(msg + 4);
	m.ancount = rd16(msg + 6);
	m.nscount = rd16(msg + 8);
	m.arcount = rd16(msg + 10);

	off = DNS_HDRLEN;
	m.questions = qps;
	for (i = 0; i < m.qdcount; i++) {
		k = m.n_questions;
		keep = k < DNS_MAXRR && !full;
		if (keep)
			dns__question__init(&qs[k]);
		mark = arena_used;
		r = dns_question(msg, len, &off, &qs[keep ? k : 0], keep);
		if (r != 0)
			return (r == E_TRUNC ? D_TRUNC : D_BAD);
		if (!keep)
			continue;
		spent += arena_used - mark + DNS_ENTRYCOST;
		if (spent > DNS_BUDGET && k > 0) {
			arena_used = mark;
			full = 1;
			continue;
		}
		qps[k] = &qs[k];
		m.n_questions++;
	}

	lists[0] = m.answers = rrps[0];
	lists[1] = m.authorities = rrps[1];
	lists[2] = m.additionals = rrps[2];
	nlists[0] = &m.n_answers;
	nlists[1] = &m.n_authorities;
	nlists[2] = &m.n_additionals;
	counts[0] = m.ancount;
	counts[1] = m.nscount;
	counts[2] = m.arcount;
	for (s = 0; s < 3; s++) {
		for (i = 0; i < counts[s]; i++) {
			k = *nlists[s];
			keep = k < DNS_MAXRR && !full;
			if (keep)
				dns__rr__init(&rrs[s][k]);
			mark = arena_used;
			r = dns_rr(msg, len, &off, &rrs[s][keep ? k : 0],
			    keep);
			if (r != 0)
				return (r == E_TRUNC ? D_TRUNC : D_BAD);
			if (!keep)
				continue;
			spent += arena_used - mark + DNS_ENTRYCOST;
			if (spent > DNS_BUDGET) {
				arena_used = mark;
				full = 1;
				continue;
			}
			lists[s][k] = &rrs[s][k];
			(*nlists[s])++;
		}
	}
	/* bytes after the last record are not ours to judge */
	dec_emit(c, type, &m.base);
	return (D_DONE);
}

enum dres
dec_dns(struct dctx *c, int type, uint32_t key)
{
	return (dns_message(c, type, c->p, c->len, 0));
}

/*
 * DNS over TCP: a 2-byte length, then the message.  Only a segment
 * that starts with a message is understood; a message longer than
 * the segment is cut short, as the capture saw it.
 */
enum dres
dec_dns_tcp(struct dctx *c, int type, uint32_t key)
{
	size_t	 mlen;

	if (c->len < 2)
		return (D_TRUNC);
	mlen = rd16(c->p);
	if (c->len - 2 < mlen)
		return (D_TRUNC);
	return (dns_message(c, type, c->p + 2, mlen, 1));
}
