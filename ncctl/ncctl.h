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

#include <stdio.h>

enum dump_fmt {
	DUMP_JSON,		/* one JSON object per line (the default) */
	DUMP_CSV,		/* a comment, a column line, one line a record */
};

/* dump.c: write the .ncap stream in to stdout; returns the exit status */
int	 dump_file(FILE *in, const char *name, enum dump_fmt);

/* a string as JSON, quotes included (dump.c) */
void	 json_string(FILE *, const char *);

/* parser.c: the command words, matched by unambiguous prefix */
enum action {
	ACT_NONE,
	ACT_KEYGEN,
	ACT_DUMP,
	ACT_SHOW_STATS,
	ACT_SHOW_SENSORS,
	ACT_RELOAD,
	ACT_LOG_VERBOSE,
	ACT_LOG_BRIEF,
};

/*
 * The action the words of argv name, and in *used how many words that
 * took (keygen and dump take their own arguments after that).  On an
 * unknown or ambiguous word it says so and exits.
 */
enum action	 parse_words(int argc, char *argv[], int *used);

/* output.c: show answers as text or JSON */
struct ctl_kv;
void	 show_kv(const struct ctl_kv *, size_t, int json);

#endif /* NCAP_NCCTL_H */
