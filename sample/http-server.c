/*
 * http-server.c -- serve the files of one directory over HTTP.
 *
 *	http-server [-a address] [-p port] [-t timeout] DOCROOT
 *
 * GET and HEAD of a path under DOCROOT return the file (with a guessed
 * Content-Type) or, for a directory, its index.html or an HTML listing.
 *
 * Safety rules, each enforced before any file is opened:
 *  - the query is ignored and the path is percent-decoded once; a decoded
 *    NUL, a backslash, or a "." or ".." segment is refused (400/404);
 *  - every path is built with bounded snprintf() (no strcpy/strcat);
 *  - the resolved real path must still lie inside the real DOCROOT, so a
 *    symbolic link cannot lead out of it;
 *  - only regular files and directories are served, up to 64 MiB.
 * On Windows the real path is the final path of the opened file (links
 * resolved, as realpath() does), ':' (drive letters, alternate data
 * streams) is refused as well, and files are read in binary mode.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event.h>
#include <evhttp.h>

#define MAX_FILE_SIZE	(64L * 1024 * 1024)

#ifdef _WIN32
#define IS_SEP(c)	((c) == '/' || (c) == '\\')
#define BAD_CHARS	"\\:"
#define O_NOFOLLOW	O_BINARY	/* links are resolved by realpath */
#define lstat(p, st)	stat((p), (st))
#define realpath(p, out) win_realpath((p), (out))

/* realpath() for Windows: the final path of the file, without "\\?\". */
static char *
win_realpath(const char *path, char *out)
{
	HANDLE h;
	DWORD n;

	h = CreateFileA(path, 0, FILE_SHARE_READ | FILE_SHARE_WRITE |
	    FILE_SHARE_DELETE, NULL, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS,
	    NULL);
	if (h == INVALID_HANDLE_VALUE)
		return NULL;
	n = GetFinalPathNameByHandleA(h, out, PATH_MAX, FILE_NAME_NORMALIZED |
	    VOLUME_NAME_DOS);
	CloseHandle(h);
	if (n == 0 || n >= PATH_MAX)
		return NULL;
	if (strncmp(out, "\\\\?\\", 4) == 0)
		memmove(out, out + 4, n - 3);
	return out;
}
#else
#define IS_SEP(c)	((c) == '/')
#define BAD_CHARS	"\\"
#endif

static char docroot[PATH_MAX];	/* realpath of DOCROOT */
static size_t docroot_len;

static const struct {
	const char *ext, *type;
} content_types[] = {
	{ "html", "text/html" }, { "htm", "text/html" },
	{ "txt", "text/plain" }, { "css", "text/css" },
	{ "js", "application/javascript" }, { "json", "application/json" },
	{ "png", "image/png" }, { "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
	{ "svg", "image/svg+xml" }, { "pdf", "application/pdf" },
	{ NULL, NULL }
};

static const char *
guess_type(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	int i;

	if (dot == NULL || (slash != NULL && dot < slash))
		return "application/octet-stream";
	for (i = 0; content_types[i].ext != NULL; i++) {
		if (strcasecmp(dot + 1, content_types[i].ext) == 0)
			return content_types[i].type;
	}
	return "application/octet-stream";
}

/*
 * Turn the request URI into a path relative to the docroot, in rel
 * (relsize bytes).  Returns 0, or an HTTP status for a refused path.
 */
static int
uri_to_relpath(const char *uri, char *rel, size_t relsize)
{
	char raw[PATH_MAX], *decoded, *seg, *save = NULL;
	const char *q = strchr(uri, '?');
	size_t len = q != NULL ? (size_t)(q - uri) : strlen(uri), used = 0;

	if (len == 0 || uri[0] != '/' || len >= sizeof(raw))
		return 400;
	memcpy(raw, uri, len);
	raw[len] = '\0';
	/* A %00 would cut the decoded string short: refuse it. */
	if (strstr(raw, "%00") != NULL)
		return 400;
	decoded = evhttp_decode_uri(raw);
	if (decoded == NULL)
		return 500;
	if (strpbrk(decoded, BAD_CHARS) != NULL) {
		free(decoded);
		return 400;
	}
	rel[0] = '\0';
	for (seg = strtok_r(decoded, "/", &save); seg != NULL;
	    seg = strtok_r(NULL, "/", &save)) {
		int n;

		if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0) {
			free(decoded);
			return 404;
		}
		n = snprintf(rel + used, relsize - used, "%s%s",
		    used > 0 ? "/" : "", seg);
		if (n < 0 || (size_t)n >= relsize - used) {
			free(decoded);
			return 400;
		}
		used += (size_t)n;
	}
	free(decoded);
	return 0;
}

/* Is real (a realpath result) the docroot or inside it? */
static int
inside_docroot(const char *real)
{
	return strncmp(real, docroot, docroot_len) == 0 &&
	    (real[docroot_len] == '\0' || IS_SEP(real[docroot_len]));
}

static void
send_listing(struct evhttp_request *req, const char *dirpath,
    const char *uri_path)
{
	struct evbuffer *b = evbuffer_new();
	DIR *d = opendir(dirpath);
	struct dirent *de;
	char *esc = evhttp_htmlescape(uri_path);

	if (d == NULL || b == NULL || esc == NULL) {
		if (d != NULL)
			closedir(d);
		if (b != NULL)
			evbuffer_free(b);
		free(esc);
		evhttp_send_error(req, 500, "Internal Server Error");
		return;
	}
	evbuffer_add_printf(b, "<!DOCTYPE html>\n<html><head><title>%s"
	    "</title></head><body><h1>%s</h1><ul>\n", esc, esc);
	free(esc);
	while ((de = readdir(d)) != NULL) {
		char *name, *link;

		if (de->d_name[0] == '.')
			continue;
		name = evhttp_htmlescape(de->d_name);
		link = evhttp_encode_uri(de->d_name);
		if (name != NULL && link != NULL)
			evbuffer_add_printf(b, "<li><a href=\"%s\">%s</a></li>\n",
			    link, name);
		free(name);
		free(link);
	}
	closedir(d);
	evbuffer_add_printf(b, "</ul></body></html>\n");
	evhttp_add_header(req->output_headers, "Content-Type",
	    "text/html; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
send_file(struct evhttp_request *req, const char *path, off_t size)
{
	struct evbuffer *b = evbuffer_new();
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	off_t left = size;
	char chunk[65536];

	if (fd == -1 || b == NULL) {
		if (fd != -1)
			close(fd);
		if (b != NULL)
			evbuffer_free(b);
		evhttp_send_error(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	/* read(), not evbuffer_read(): that one reads sockets on Windows. */
	while (left > 0) {
		ssize_t n = read(fd, chunk, left > (off_t)sizeof(chunk) ?
		    sizeof(chunk) : (size_t)left);

		if (n <= 0 || evbuffer_add(b, chunk, (size_t)n) == -1)
			break;
		left -= n;
	}
	close(fd);
	evhttp_add_header(req->output_headers, "Content-Type",
	    guess_type(path));
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
serve_cb(struct evhttp_request *req, void *arg)
{
	char rel[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int status, n;

	(void)arg;
	if (req->type != EVHTTP_REQ_GET && req->type != EVHTTP_REQ_HEAD) {
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	status = uri_to_relpath(evhttp_request_uri(req), rel, sizeof(rel));
	if (status != 0) {
		evhttp_send_error(req, status, status == 404 ? "Not Found" :
		    "Bad Request");
		return;
	}
	n = snprintf(path, sizeof(path), "%s/%s", docroot, rel);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    realpath(path, real) == NULL || !inside_docroot(real) ||
	    stat(real, &st) == -1) {
		evhttp_send_error(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		char index[PATH_MAX];
		struct stat ist;
		const char *uri = evhttp_request_uri(req);
		size_t ulen = strcspn(uri, "?");

		/* Directory URLs end in '/', so relative links work. */
		if (ulen == 0 || uri[ulen - 1] != '/') {
			char loc[PATH_MAX];

			n = snprintf(loc, sizeof(loc), "%.*s/", (int)ulen, uri);
			if (n < 0 || (size_t)n >= sizeof(loc) ||
			    evhttp_add_header(req->output_headers, "Location",
			    loc) == -1) {
				evhttp_send_error(req, 400, "Bad Request");
				return;
			}
			evhttp_send_reply(req, HTTP_MOVEPERM, "Moved", NULL);
			return;
		}
		n = snprintf(index, sizeof(index), "%s/index.html", real);
		if (n > 0 && (size_t)n < sizeof(index) &&
		    lstat(index, &ist) == 0 && S_ISREG(ist.st_mode) &&
		    ist.st_size <= MAX_FILE_SIZE) {
			send_file(req, index, ist.st_size);
			return;
		}
		send_listing(req, real, rel[0] ? rel : "/");
		return;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE_SIZE) {
		evhttp_send_error(req, HTTP_NOTFOUND, "Not Found");
		return;
	}
	send_file(req, real, st.st_size);
}

static void
usage(const char *prog)
{
	fprintf(stderr, "usage: %s [-a address] [-p port] [-t timeout] "
	    "DOCROOT\n", prog);
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *address = "127.0.0.1";
	unsigned short port = 8080;
	int timeout = -1, c;
	struct event_base *base;
	struct evhttp *http;

	while ((c = getopt(argc, argv, "a:p:t:")) != -1) {
		switch (c) {
		case 'a': address = optarg; break;
		case 'p': port = (unsigned short)atoi(optarg); break;
		case 't': timeout = atoi(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (optind != argc - 1)
		usage(argv[0]);
	if (realpath(argv[optind], docroot) == NULL) {
		fprintf(stderr, "%s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	/* "/" or "C:\": without its last separator, which inside_docroot()
	 * expects after the prefix. */
	docroot_len = strlen(docroot);
	while (docroot_len > 0 && IS_SEP(docroot[docroot_len - 1]))
		docroot_len--;
#ifdef SIGPIPE
	signal(SIGPIPE, SIG_IGN);
#endif

	base = event_init();
	http = evhttp_new(base);
	if (http == NULL || evhttp_bind_socket(http, address, port) != 0) {
		fprintf(stderr, "cannot listen on %s:%u\n", address,
		    (unsigned)port);
		return 1;
	}
	if (timeout >= 0)
		evhttp_set_timeout(http, timeout);
	evhttp_set_gencb(http, serve_cb, NULL);
	printf("serving %s on http://%s:%u/\n", docroot, address,
	    (unsigned)port);
	fflush(stdout);
	event_base_dispatch(base);
	evhttp_free(http);
	return 0;
}
