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

#ifndef NCAP_CONF_H
#define NCAP_CONF_H

#include <stddef.h>
#include <stdio.h>

/*
 * A daemon's keywords, each declared once with what it sets and
 * whether a running daemon takes a change of it.  From the table come
 * the configuration as -n and "ncctl show config" print it, the
 * refusal of a reload that changes a keyword needing a restart, and
 * (regress/integration/t_man.sh reads it) the manual's list of what a
 * reload changes.
 *
 * fields: what of the daemon's configuration struct the keyword sets
 * (up to two members), compared to tell a change: a string up to its
 * NUL, anything else byte by byte;
 * print: its lines as the configuration file would have them, or a
 * comment when it is not set.
 */
#define CONF_RELOAD	0x01	/* a reload changes it in every process */

struct conf_field {
	size_t		 off;
	size_t		 len;
	int		 string;	/* compared up to its NUL */
};
#define CONF_FIELD(type, member)					\
	{ offsetof(struct type, member),				\
	  sizeof(((struct type *)0)->member),				\
	  _Generic(((struct type *)0)->member, char *: 1, default: 0) }

struct conf_keyword {
	const char		*name;
	int			 flags;
	void			(*print)(FILE *, const struct conf_keyword *,
				    const void *);
	struct conf_field	 field[2];
};

/* every keyword's lines, in table order */
void	 conf_print(FILE *, const struct conf_keyword *, size_t,
	    const void *);
/* the first keyword that changed from o to n and needs a restart */
const char *conf_restart(const struct conf_keyword *, size_t,
	    const void *o, const void *n);
/*
 * A keyword's value as it would be printed without the keyword: its
 * lines joined by "; ", "-" when it is not set.
 */
void	 conf_value(char *, size_t, const struct conf_keyword *,
	    const void *);

/* printers for the usual kinds of field[0] */
void	 conf_print_string(FILE *, const struct conf_keyword *, const void *);
void	 conf_print_uint(FILE *, const struct conf_keyword *, const void *);
void	 conf_print_ms(FILE *, const struct conf_keyword *, const void *);
void	 conf_print_yesno(FILE *, const struct conf_keyword *, const void *);
void	 conf_print_socket(FILE *, const struct conf_keyword *, const void *);
/* a string in the quotes the lexer reads, escaped */
void	 conf_print_quoted(FILE *, const char *);
/* the field of a keyword, as a string or an unsigned int */
const char *conf_str(const struct conf_keyword *, const void *, int);
unsigned int conf_uint(const struct conf_keyword *, const void *, int);

#endif /* NCAP_CONF_H */
