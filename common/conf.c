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
 * Walking a daemon's keyword table: printing, comparing, showing.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

const char *
conf_str(const struct conf_keyword *kw, const void *conf, int i)
{
	return ((const char *)conf + kw->field[i].off);
}

unsigned int
conf_uint(const struct conf_keyword *kw, const void *conf, int i)
{
	unsigned int	v;

	memcpy(&v, (const char *)conf + kw->field[i].off, sizeof(v));
	return (v);
}

void
conf_print(FILE *fp, const struct conf_keyword *kw, size_t n,
    const void *conf)
{
	size_t	i;

	for (i = 0; i < n; i++)
		kw[i].print(fp, &kw[i], conf);
}

const char *
conf_restart(const struct conf_keyword *kw, size_t n, const void *o,
    const void *v)
{
	const struct conf_field	*f;
	const char		*a, *b;
	size_t			 i, j;

	for (i = 0; i < n; i++) {
		if (kw[i].flags & CONF_RELOAD)
			continue;
		for (j = 0; j < 2; j++) {
			f = &kw[i].field[j];
			a = (const char *)o + f->off;
			b = (const char *)v + f->off;
			/* what a string holds after its NUL is not its value */
			if (f->len != 0 && (f->string ? strncmp(a, b,
			    f->len) : memcmp(a, b, f->len)) != 0)
				return (kw[i].name);
		}
	}
	return (NULL);
}

void
conf_value(char *buf, size_t len, const struct conf_keyword *kw,
    const void *conf)
{
	FILE	*fp;
	char	*text = NULL, *line, *next;
	size_t	 tlen = 0, klen = strlen(kw->name), out = 0;

	if ((fp = open_memstream(&text, &tlen)) == NULL)
		fatal("open_memstream");
	kw->print(fp, kw, conf);
	if (fclose(fp) != 0)
		fatal("open_memstream");
	buf[0] = '\0';
	for (line = text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* a comment says it is not set */
		if (line[0] == '#')
			continue;
		if (strncmp(line, kw->name, klen) == 0 && line[klen] == ' ')
			line += klen + 1;
		out += (size_t)snprintf(buf + out, out < len ? len - out : 0,
		    "%s%s", out ? "; " : "", line);
	}
	free(text);
	if (buf[0] == '\0')
		strlcpy(buf, "-", len);
	else if (out >= len && len > 4)
		/* cut short, and saying so */
		memcpy(buf + len - 4, "...", 4);
}

void
conf_print_quoted(FILE *fp, const char *s)
{
	putc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putc('\\', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

void
conf_print_string(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	fprintf(fp, "%s ", kw->name);
	conf_print_quoted(fp, conf_str(kw, conf, 0));
	putc('\n', fp);
}

void
conf_print_uint(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	fprintf(fp, "%s %u\n", kw->name, conf_uint(kw, conf, 0));
}

/* milliseconds, as seconds where they are whole */
void
conf_print_ms(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	unsigned int	ms = conf_uint(kw, conf, 0);

	if (ms % 1000 == 0)
		fprintf(fp, "%s %u\n", kw->name, ms / 1000);
	else
		fprintf(fp, "%s %ums\n", kw->name, ms);
}

void
conf_print_yesno(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	fprintf(fp, "%s %s\n", kw->name, conf_uint(kw, conf, 0) ? "yes" :
	    "no");
}

/* a control socket, and the restricted one in field[1] if there is one */
void
conf_print_socket(FILE *fp, const struct conf_keyword *kw, const void *conf)
{
	conf_print_string(fp, kw, conf);
	if (conf_str(kw, conf, 1)[0] == '\0')
		return;
	fprintf(fp, "%s ", kw->name);
	conf_print_quoted(fp, conf_str(kw, conf, 1));
	fprintf(fp, " restricted\n");
}
