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
 * marks.c, in the publisher only (it needs libnats): the sessions'
 * high-water marks in a JetStream key-value bucket, the publisher's
 * hooks to them.
 */
int	 marks_open(jsCtx *, const struct collector_conf *, int64_t, char *,
	    size_t);
void	 marks_close(void);
int	 marks_check(const unsigned char *, const unsigned char *, uint64_t,
	    const char *);
void	 marks_ack(const unsigned char *, const unsigned char *, uint64_t);
void	 marks_stats(uint64_t *, uint64_t *);
void	 marks_written(const char *, uint64_t, int, int, uint64_t);
int	 marks_number(const char *, int, uint64_t *);

/* marks' writes under way at most, beside the batches */
#define MARKS_INFLIGHT	256
