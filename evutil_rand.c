/*
 * evutil_rand.c -- the secure random number generator of <event2/util.h>.
 *
 * A ChaCha20 keystream (RFC 8439's block function) keyed from 44 bytes of
 * seed: getrandom(2), else /dev/urandom, or the file the program named
 * with evutil_secure_rng_set_urandom_device_file().  After every request
 * the key is replaced by fresh keystream, so earlier output cannot be
 * recomputed from the state.  A forked child notices the new pid and
 * seeds again; add_bytes() folds its input into the key.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif

#include "event-internal.h"
#include "log-internal.h"
#include "mm-internal.h"

#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC	0
#endif
#ifndef O_BINARY
#define O_BINARY	0	/* (Windows: the seed file's bytes untranslated) */
#endif

#define SEED_LEN	44	/* 32 bytes of key, 12 of nonce */

static struct {
	uint32_t key[8];
	uint32_t nonce[3];
	uint32_t counter;
	pid_t pid;
	int seeded;
	char *file;		/* seed from this file instead */
} rng;
static void *rng_lock;

#define ROTL(v, n)	(((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d) do {						\
	a += b; d ^= a; d = ROTL(d, 16);				\
	c += d; b ^= c; b = ROTL(b, 12);				\
	a += b; d ^= a; d = ROTL(d, 8);					\
	c += d; b ^= c; b = ROTL(b, 7);					\
} while (0)

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* One 64-byte block of keystream for the current key, nonce, counter. */
static void
chacha_block(unsigned char out[64])
{
	uint32_t in[16], x[16];
	int i;

	in[0] = 0x61707865;	/* "expand 32-byte k" */
	in[1] = 0x3320646e;
	in[2] = 0x79622d32;
	in[3] = 0x6b206574;
	memcpy(in + 4, rng.key, sizeof(rng.key));
	in[12] = rng.counter++;
	memcpy(in + 13, rng.nonce, sizeof(rng.nonce));
	memcpy(x, in, sizeof(x));
	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++) {
		uint32_t v = x[i] + in[i];
		out[4 * i] = (unsigned char)v;
		out[4 * i + 1] = (unsigned char)(v >> 8);
		out[4 * i + 2] = (unsigned char)(v >> 16);
		out[4 * i + 3] = (unsigned char)(v >> 24);
	}
}

/* New key from the stream: what was output before cannot be redone. */
static void
rekey(void)
{
	unsigned char blk[64];
	int i;

	chacha_block(blk);
	for (i = 0; i < 8; i++)
		rng.key[i] = le32(blk + 4 * i);
	memset(blk, 0, sizeof(blk));
}

/* Read exactly n bytes of fd.  0 or -1. */
static int
read_full(int fd, unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, buf, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		buf += r;
		n -= (size_t)r;
	}
	return 0;
}

static int
seed_from_file(const char *path, unsigned char *buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_BINARY), r;

	if (fd == -1)
		return -1;
	r = read_full(fd, buf, SEED_LEN);
	close(fd);
	return r;
}

static int
seed_read(unsigned char *buf)
{
	if (rng.file != NULL)
		return seed_from_file(rng.file, buf);
#ifdef HAVE_GETRANDOM
	{
		size_t got = 0;
		while (got < SEED_LEN) {
			ssize_t r = getrandom(buf + got, SEED_LEN - got, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got == SEED_LEN)
			return 0;
	}
#endif
#ifdef _WIN32
	/* The system's generator (Windows has no /dev/urandom). */
	if (BCryptGenRandom(NULL, buf, SEED_LEN,
	    BCRYPT_USE_SYSTEM_PREFERRED_RNG) == 0)
		return 0;
#endif
	return seed_from_file("/dev/urandom", buf);
}

/* Key the stream from a fresh seed.  0, or -1 (state left unseeded). */
static int
seed(void)
{
	unsigned char buf[SEED_LEN];
	int i;

	if (seed_read(buf) == -1) {
		rng.seeded = 0;
		return -1;
	}
	for (i = 0; i < 8; i++)
		rng.key[i] = le32(buf + 4 * i);
	for (i = 0; i < 3; i++)
		rng.nonce[i] = le32(buf + 32 + 4 * i);
	rng.counter = 0;
	rng.pid = getpid();
	rng.seeded = 1;
	memset(buf, 0, sizeof(buf));
	return 0;
}

static int
ensure_seeded(void)
{
	if (rng.seeded && rng.pid == getpid())
		return 0;
	return seed();
}

static void
rng_enter(void)
{
	if (rng_lock == NULL)
		rng_lock = evthread_global_lock_alloc_();
	if (rng_lock != NULL)
		evthread_lock_(rng_lock);
}

static void
rng_leave(void)
{
	if (rng_lock != NULL)
		evthread_unlock_(rng_lock);
}

int
evutil_secure_rng_init(void)
{
	int r;

	rng_enter();
	r = ensure_seeded();
	rng_leave();
	return r;
}

int
evutil_secure_rng_set_urandom_device_file(char *fname)
{
	char *copy = NULL;
	int fd;

	if (fname != NULL) {
		if ((fd = open(fname, O_RDONLY | O_CLOEXEC | O_BINARY)) == -1)
			return -1;
		close(fd);
		if ((copy = mm_strdup(fname)) == NULL)
			return -1;
	}
	rng_enter();
	mm_free(rng.file);
	rng.file = copy;
	rng.seeded = 0;		/* the next use seeds from the new source */
	rng_leave();
	return 0;
}

void
evutil_secure_rng_get_bytes(void *buf, size_t n)
{
	unsigned char blk[64], *p = buf;

	rng_enter();
	if (ensure_seeded() == -1) {
		rng_leave();
		event_errx(EVENT_ERR_ABORT_, "evutil_secure_rng_get_bytes: "
		    "no seed could be read");
	}
	while (n > 0) {
		size_t k = n < sizeof(blk) ? n : sizeof(blk);
		chacha_block(blk);
		memcpy(p, blk, k);
		p += k;
		n -= k;
	}
	rekey();
	memset(blk, 0, sizeof(blk));
	rng_leave();
}

void
evutil_secure_rng_add_bytes(const char *dat, size_t datlen)
{
	size_t i;

	if (dat == NULL)
		return;
	rng_enter();
	if (ensure_seeded() == 0) {
		for (i = 0; i < datlen; i++)
			rng.key[i % 8] ^= (uint32_t)(unsigned char)dat[i] <<
			    (8 * ((i / 8) % 4));
		rekey();
	}
	rng_leave();
}

void
evutil_secure_rng_shutdown_(void)
{
	mm_free(rng.file);
	memset(&rng, 0, sizeof(rng));
	evthread_global_lock_free_(rng_lock);
	rng_lock = NULL;
}
