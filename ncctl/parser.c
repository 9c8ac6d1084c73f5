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
 * ncctl's command words: a static table per level, each word matched
 * by any prefix that names it alone ("sh st" is "show stats").
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "ncctl.h"

static const struct token t_show[] = {
	{ "config",	ACT_REQUEST,	IMSG_CTL_SHOW_CONFIG, 0, TOK_SHOW,
	    NULL },
	{ "sensors",	ACT_REQUEST,	IMSG_CTL_SHOW_SENSORS, 0,
	    TOK_SHOW | TOK_COLLECTOR, NULL },
	{ "stats",	ACT_REQUEST,	IMSG_CTL_SHOW_STATS, 0, TOK_SHOW,
	    NULL },
	{ NULL,		ACT_NONE,	0, 0, 0, NULL }
};

static const struct token t_log[] = {
	{ "brief",	ACT_REQUEST,	IMSG_CTL_LOG_VERBOSE, 0, TOK_ARG,
	    NULL },
	{ "verbose",	ACT_REQUEST,	IMSG_CTL_LOG_VERBOSE, 1, TOK_ARG,
	    NULL },
	{ NULL,		ACT_NONE,	0, 0, 0, NULL }
};

static const struct token t_main[] = {
	{ "dump",	ACT_DUMP,	0, 0, 0, NULL },
	{ "keygen",	ACT_KEYGEN,	0, 0, 0, NULL },
	{ "log",	ACT_NONE,	0, 0, 0, t_log },
	{ "reload",	ACT_REQUEST,	IMSG_CTL_RELOAD, 0, 0, NULL },
	{ "rotate",	ACT_REQUEST,	IMSG_CTL_ROTATE, 0, TOK_COLLECTOR,
	    NULL },
	{ "show",	ACT_NONE,	0, 0, 0, t_show },
	{ NULL,		ACT_NONE,	0, 0, 0, NULL }
};

static const struct token *match(const struct token *, const char *);
static void	 list(const struct token *, const char *, const char *);

/* the one entry word is a prefix of, or NULL when none or several */
static const struct token *
match(const struct token *table, const char *word)
{
	const struct token	*t, *found = NULL;
	size_t			 len = strlen(word);
	int			 n = 0;

	if (len == 0)
		return (NULL);
	for (t = table; t->word != NULL; t++) {
		if (strcmp(t->word, word) == 0)
			return (t);
		if (strncmp(t->word, word, len) == 0) {
			found = t;
			n++;
		}
	}
	return (n == 1 ? found : NULL);
}

/* what could come at this point, on stderr */
static void
list(const struct token *table, const char *word, const char *after)
{
	const struct token	*t;
	int			 n = 0;

	if (word == NULL)
		fprintf(stderr, "ncctl: %s%swhat? one of:", after,
		    *after ? " " : "");
	else
		fprintf(stderr, "ncctl: %s%s\"%s\" is unknown or ambiguous; "
		    "one of:", after, *after ? " " : "", word);
	for (t = table; t->word != NULL; t++)
		fprintf(stderr, "%s %s", n++ ? "," : "", t->word);
	fprintf(stderr, "\n");
	exit(1);
}

const struct token *
parse_words(int argc, char *argv[], int *used)
{
	const struct token	*table = t_main, *t;
	char			 after[64] = "";
	int			 i;

	for (i = 0; i < argc; i++) {
		if ((t = match(table, argv[i])) == NULL)
			list(table, argv[i], after);
		if (t->next == NULL) {
			*used = i + 1;
			return (t);
		}
		if ((after[0] != '\0' &&
		    strlcat(after, " ", sizeof(after)) >= sizeof(after)) ||
		    strlcat(after, t->word, sizeof(after)) >= sizeof(after))
			errx(1, "command too long");
		table = t->next;
	}
	list(table, NULL, after);
	return (NULL);
}
