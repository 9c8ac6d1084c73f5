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
 * Answers to show commands, whatever the daemon: the values come as
 * (section, item, key, value) in the order the daemon sent them, and
 * are printed as text, one table per section, or as one JSON object.
 */

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "ncctl.h"

static void	 show_text(const struct ctl_kv *, size_t);
static void	 show_json(const struct ctl_kv *, size_t);
static void	 text_value(const struct ctl_kv *, int width);
static int	 text_width(const struct ctl_kv *);
static size_t	 row_len(const struct ctl_kv *, size_t, size_t);
static int	 same(const char *, const char *);

static int
same(const char *a, const char *b)
{
	return (strcmp(a, b) == 0);
}

void
show_kv(const struct ctl_kv *kv, size_t n, int json)
{
	if (json)
		show_json(kv, n);
	else
		show_text(kv, n);
}

static int
text_width(const struct ctl_kv *kv)
{
	char	buf[32];

	if (kv->str[0] != '\0')
		return ((int)strlen(kv->str));
	return (snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)kv->num));
}

static void
text_value(const struct ctl_kv *kv, int width)
{
	if (kv->str[0] != '\0')
		printf("  %*s", width, kv->str);
	else
		printf("  %*llu", width, (unsigned long long)kv->num);
}

/* rows of one item each: how many values an item at i has */
static size_t
row_len(const struct ctl_kv *kv, size_t i, size_t end)
{
	size_t	k;

	for (k = 0; i + k < end && same(kv[i + k].item, kv[i].item); k++)
		;
	return (k);
}

/*
 * Top-level values one per line; a section's items as rows of a table
 * whose columns are the first item's keys, each as wide as its widest
 * value.  Rows of numbers that are all zero are left out: the JSON
 * output has them.
 */
static void
show_text(const struct ctl_kv *kv, size_t n)
{
	size_t		 i, j, k, end, cols, len;
	int		 zero, w[64], iw;

	for (i = 0; i < n; i = end) {
		for (end = i + 1; end < n && same(kv[end].section,
		    kv[i].section); end++)
			;
		if (kv[i].section[0] == '\0') {
			for (j = i; j < end; j++) {
				printf("%-24s", kv[j].key);
				text_value(&kv[j], 0);
				printf("\n");
			}
			continue;
		}
		for (zero = 1, j = i; j < end; j++)
			if (kv[j].str[0] != '\0' || kv[j].num != 0)
				zero = 0;
		if (zero)
			continue;
		cols = row_len(kv, i, end);
		if (cols > sizeof(w) / sizeof(w[0]))
			cols = sizeof(w) / sizeof(w[0]);
		iw = (int)strlen(kv[i].section);
		for (k = 0; k < cols; k++)
			w[k] = (int)strlen(kv[i + k].key);
		for (j = i; j < end; j += len) {
			len = row_len(kv, j, end);
			if ((int)strlen(kv[j].item) > iw)
				iw = (int)strlen(kv[j].item);
			for (k = 0; k < len && k < cols; k++)
				if (text_width(&kv[j + k]) > w[k])
					w[k] = text_width(&kv[j + k]);
		}
		printf("\n%-*s", iw, kv[i].section);
		for (k = 0; k < cols; k++)
			printf("  %*s", w[k], kv[i + k].key);
		printf("\n");
		for (j = i; j < end; j += len) {
			len = row_len(kv, j, end);
			zero = 1;
			for (k = 0; k < len; k++)
				if (kv[j + k].str[0] != '\0' ||
				    kv[j + k].num != 0)
					zero = 0;
			if (zero)
				continue;
			printf("%-*s", iw, kv[j].item[0] ? kv[j].item : "-");
			for (k = 0; k < len && k < cols; k++)
				text_value(&kv[j + k], w[k]);
			printf("\n");
		}
	}
}

/* {"key": v, "section": {"item": {"key": v}}}; item "" puts keys in the section */
static void
show_json(const struct ctl_kv *kv, size_t n)
{
	size_t	 i;
	int	 first = 1, open_sec = 0, open_item = 0, first_in = 1;

	printf("{");
	for (i = 0; i < n; i++) {
		if (i > 0 && (!same(kv[i].section, kv[i - 1].section) ||
		    !same(kv[i].item, kv[i - 1].item)) && open_item) {
			printf("}");
			open_item = 0;
		}
		if (i > 0 && !same(kv[i].section, kv[i - 1].section) &&
		    open_sec) {
			printf("}");
			open_sec = 0;
		}
		if (kv[i].section[0] != '\0' && !open_sec) {
			printf("%s", first ? "" : ",");
			json_string(stdout, kv[i].section);
			printf(":{");
			open_sec = 1;
			first = 0;
			first_in = 1;
		}
		if (kv[i].item[0] != '\0' && !open_item) {
			printf("%s", first_in ? "" : ",");
			json_string(stdout, kv[i].item);
			printf(":{");
			open_item = 1;
			first_in = 1;
		}
		if (open_sec || open_item)
			printf("%s", first_in ? "" : ",");
		else
			printf("%s", first ? "" : ",");
		json_string(stdout, kv[i].key);
		printf(":");
		if (kv[i].str[0] != '\0')
			json_string(stdout, kv[i].str);
		else
			printf("%llu", (unsigned long long)kv[i].num);
		if (open_sec || open_item)
			first_in = 0;
		else
			first = 0;
	}
	if (open_item)
		printf("}");
	if (open_sec)
		printf("}");
	printf("}\n");
}
