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

#ifndef NCAP_NCCTL_H
#define NCAP_NCCTL_H

#include <stdint.h>
#include <stdio.h>

#include "ncap.h"

enum dump_fmt {
	DUMP_JSON,		/* one JSON object per line (the default) */
	DUMP_CSV,		/* a comment, a column line, one line a record */
};

/* the records a dump keeps: begin <= their time < end, in ns */
struct dump_range {
	int64_t		 begin;
	int64_t		 end;
};

/* dump.c: write the .ncap stream in to stdout; returns the exit status */
int	 dump_file(FILE *in, const char *name, enum dump_fmt,
	    const struct dump_range *);
/*
 * Files, and the .ncap files of directories, one after the other in
 * the order their headers say they were created; the exit status.
 */
int	 dump_paths(int n, char *paths[], enum dump_fmt,
	    const struct dump_range *);
/* -a and -b: a time as nanoseconds since the epoch; 0, or -1 */
int	 parse_time(const char *, int64_t *);

/*
 * The dumper, which writes what a file or a stream holds: a header,
 * then the records it stands for, each unpacked by the header's type.
 * A lazy header is written before the first record in the range, if
 * one is; it must stay valid until then, or the next header.
 * dumper_record: 1 written, 0 not in the range, -1 not a valid record
 * of the type (stdout flushed, for the caller's message).
 */
struct dumper;
struct dumper	*dumper_open(enum dump_fmt, const struct dump_range *);
void	 dumper_header(struct dumper *, const Header *, int type, int lazy);
int	 dumper_record(struct dumper *, const unsigned char *, size_t);
/* 0, or -1 when stdout could not be written */
int	 dumper_close(struct dumper *);

/*
 * stream.c: the records of a JetStream stream, as ncctl dump -u reads
 * them (prefix, sensor, type: NULL for any sensor or type); the exit
 * status.
 */
struct stream_query {
	const char	*url;
	const char	*stream;
	const char	*prefix;
	const char	*sensor;
	const char	*type;
};
int	 dump_stream(const struct stream_query *, enum dump_fmt,
	    const struct dump_range *);

/* a string as JSON, quotes included (dump.c) */
void	 json_string(FILE *, const char *);

/*
 * parser.c: the command words, matched by unambiguous prefix.  A word
 * that ends a command says what ncctl does: a request to a daemon
 * (which message, with which argument, how its answer is shown), or
 * one of its own commands.
 */
enum action {
	ACT_NONE,
	ACT_KEYGEN,
	ACT_DUMP,
	ACT_REQUEST,
};

#define TOK_SHOW	0x01	/* the answer is values to print */
#define TOK_COLLECTOR	0x02	/* only the collector answers it */
#define TOK_ARG		0x04	/* arg goes with the request */

struct token {
	const char		*word;		/* NULL ends a table */
	enum action		 action;	/* set when the word matches */
	uint32_t		 type;		/* ACT_REQUEST: the message */
	int			 arg;
	int			 flags;
	const struct token	*next;		/* NULL: the words end here */
};

const struct token *parse_words(int argc, char *argv[], int *used);

/* output.c: show answers as text or JSON */
struct ctl_kv;
void	 show_kv(const struct ctl_kv *, size_t, int json);

#endif /* NCAP_NCCTL_H */
