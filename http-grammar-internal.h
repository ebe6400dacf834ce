/*
 * http-grammar-internal.h -- the byte-level grammar of HTTP/1.x heads
 * (RFC 9110/9112) that the message parser (http_parser.c, its only user)
 * inlines into its loops: tokens, field-value bytes eight at a time,
 * names compared in any case, short copies.  Not installed.
 */
#ifndef HTTP_GRAMMAR_INTERNAL_H
#define HTTP_GRAMMAR_INTERNAL_H

#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* Do the len bytes at a equal the string b, ignoring case? */
static inline int
memcaseeq(const char *a, size_t len, const char *b)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ca = (unsigned char)a[i];
		unsigned char cb = (unsigned char)b[i];

		if (cb == '\0' || tolower(ca) != tolower(cb))
			return 0;
	}
	return b[len] == '\0';
}

/*
 * RFC 9110 tchar: the characters of a token (header names, methods):
 * ALPHA, DIGIT and !#$%&'*+-.^_`|~.  A byte table: the parser asks for
 * every byte of every header name.  Bytes from 128 on are none.
 */
static const unsigned char tchar_tab[256] = {
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,	/* 0x00 */
	0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,	/* 0x10 */
	0,1,0,1,1,1,1,1,0,0,1,1,0,1,1,0,	/* 0x20  !"#$%&'()*+,-./ */
	1,1,1,1,1,1,1,1,1,1,0,0,0,0,0,0,	/* 0x30 0-9:;<=>? */
	0,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,	/* 0x40 @A-O */
	1,1,1,1,1,1,1,1,1,1,1,0,0,0,1,1,	/* 0x50 P-Z[\]^_ */
	1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,	/* 0x60 `a-o */
	1,1,1,1,1,1,1,1,1,1,1,0,1,0,1,0		/* 0x70 p-z{|}~DEL */
};

static inline int
is_tchar(unsigned char c)
{
	return tchar_tab[c];
}

/*
 * Is the token s (len bytes, tchars only) the name lower (len bytes of
 * lowercase letters and '-'), in any case?  Eight bytes at a time, each
 * OR-ed with 0x20: that turns a tchar into a given lowercase letter only
 * if it is that letter in either case, and into '-' only if it is '-'
 * (the other byte, CR, is no tchar).  Inlined where len is a constant.
 */
static inline int
token_is(const char *s, size_t len, const char *lower)
{
	const uint64_t lc = 0x2020202020202020ULL;
	uint64_t a = 0, b = 0;
	size_t i;

	if (len < 8) {
		memcpy(&a, s, len);
		memcpy(&b, lower, len);
		return (a | lc) == (b | lc);
	}
	for (i = 0; i + 8 < len; i += 8) {
		memcpy(&a, s + i, 8);
		memcpy(&b, lower + i, 8);
		if ((a | lc) != b)
			return 0;
	}
	memcpy(&a, s + len - 8, 8);
	memcpy(&b, lower + len - 8, 8);
	return (a | lc) == b;
}

/* A byte allowed in a field value: VCHAR, obs-text, SP or HTAB. */
static inline int
is_value_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Do len bytes contain a NUL or another control byte but HTAB? */
static inline int
bytes_have_ctl(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!is_value_char((unsigned char)s[i]))
			return 1;
	}
	return 0;
}

/*
 * Of the 8 bytes at s, those below SP (HTAB is one) or DEL: (x - 0x20 per
 * byte) & ~x has a byte's high bit set if it is below 0x20, the same with
 * 0x01 on x ^ 0x7f if it is a DEL.  Bytes from 0x80 (obs-text) pass.  A
 * borrow may flag a byte above a flagged one too, but the lowest flagged
 * byte is always one of them.
 */
static inline uint64_t
word_ctl_mask(const char *s)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t w, d;

	memcpy(&w, s, 8);
	d = w ^ (0x7f * ones);
	return (((w - 0x20 * ones) & ~w) | ((d - ones) & ~d)) & highs;
}

/* May the 8 bytes at s hold a control byte? */
static inline int
word_maybe_ctl(const char *s)
{
	return word_ctl_mask(s) != 0;
}

/* Where the lowest byte is the first in memory, the mask says which byte
 * it is. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FIRST_FLAGGED(mask)	((size_t)__builtin_ctzll(mask) >> 3)
#endif

/* Do the 8 bytes at s contain a control byte but HTAB?  A word is looked
 * at byte by byte only if word_maybe_ctl() says it may. */
static inline int
word_has_ctl(const char *s)
{
	return word_maybe_ctl(s) && bytes_have_ctl(s, 8);
}

/*
 * The offset of the first byte from i on of the n at s that may not be in
 * a field value (is_value_char()), or n: eight bytes at a time, then byte
 * by byte.
 */
static inline size_t
value_span(const unsigned char *s, size_t i, size_t n)
{
	uint64_t m;

	while (i + 8 <= n) {
		if ((m = word_ctl_mask((const char *)s + i)) == 0) {
			i += 8;
			continue;
		}
#ifdef FIRST_FLAGGED
		i += FIRST_FLAGGED(m);
		if (s[i] != '\t')
			return i;
		i++;		/* an HTAB: the value goes on */
#else
		break;
#endif
	}
	while (i < n && is_value_char(s[i]))
		i++;
	return i;
}

/* Does a line of len bytes contain a NUL or another control byte?  Eight
 * bytes at a time; a tail is the last eight bytes, again in part. */
static inline int
line_has_ctl(const char *line, size_t len)
{
	size_t i;

	if (len < 8)
		return bytes_have_ctl(line, len);
	for (i = 0; i + 8 <= len; i += 8) {
		if (word_has_ctl(line + i))
			return 1;
	}
	return i < len && word_has_ctl(line + len - 8);
}

/*
 * memcpy() for the short strings of a head (names, values, targets): up
 * to 16 bytes as two loads and two stores that may overlap, no call.
 */
static inline void
copy_bytes(char *dst, const char *src, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;

	if (n > 16) {
		memcpy(dst, src, n);
	} else if (n >= 8) {
		memcpy(&a, src, 8);
		memcpy(&b, src + n - 8, 8);
		memcpy(dst, &a, 8);
		memcpy(dst + n - 8, &b, 8);
	} else if (n >= 4) {
		memcpy(&c, src, 4);
		memcpy(&d, src + n - 4, 4);
		memcpy(dst, &c, 4);
		memcpy(dst + n - 4, &d, 4);
	} else if (n > 0) {
		dst[0] = src[0];
		dst[n / 2] = src[n / 2];
		dst[n - 1] = src[n - 1];
	}
}

#endif /* HTTP_GRAMMAR_INTERNAL_H */
