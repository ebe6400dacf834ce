/*
 * regress_http_peers.c -- evhttp with real programs and many peers: curl
 * as a client, nginx as a server (both when installed), the sample
 * servers, and 1,000 concurrent keep-alive connections from a peer.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "evhttp.h"
#include "regress.h"
#include "regress_util.h"
#include "regress_http.h"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Count occurrences of needle in the string s. */
static int
count_cstr(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* 1,000 concurrent keep-alive connections                             */

#define NCONN 1000

/* The peer (regress_peer; arg: the port): NCONN connections, then a
 * request on each, twice; its exit status (0, or what went wrong: 12
 * write, 13 read). */
static int
many_child(void *arg)
{
	unsigned short port = *(unsigned short *)arg;
	static int fds[NCONN];
	char buf[4096];
	int i, round, status = 0;

	for (i = 0; i < NCONN; i++)
		fds[i] = regress_connect_loopback(AF_INET, port);
	/* Two rounds: every connection serves a request in each. */
	for (round = 0; round < 2 && status == 0; round++) {
		for (i = 0; i < NCONN; i++) {
			static const char req[] = "GET /conn HTTP/1.1\r\n\r\n";
			size_t got = 0;

			if (write(fds[i], req, sizeof(req) - 1) !=
			    (ssize_t)sizeof(req) - 1) {
				status = 12;
				break;
			}
			/* The reply is small: read until its body "ok". */
			while (status == 0) {
				ssize_t n = read(fds[i], buf + got,
				    sizeof(buf) - 1 - got);

				if (n <= 0)
					status = 13;
				else
					got += (size_t)n;
				buf[got] = '\0';
				if (strstr(buf, "\r\n\r\nok") != NULL)
					break;
			}
			if (status != 0)
				break;
		}
	}
	/* (A peer thread's sockets do not end with it.) */
	for (i = 0; i < NCONN; i++)
		close(fds[i]);
	return status;
}

static struct evhttp_connection *many_seen[NCONN];
static unsigned short many_port[NCONN];
static int many_n, many_reused;

static void
conn_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b = evbuffer_new();
	int i;

	(void)arg;
	srv.nreq++;
	for (i = 0; i < many_n; i++) {
		if (many_port[i] == req->remote_port) {
			if (many_seen[i] == evhttp_request_get_connection(req))
				many_reused++;
			break;
		}
	}
	if (i == many_n && many_n < NCONN) {
		many_port[many_n] = req->remote_port;
		many_seen[many_n++] = evhttp_request_get_connection(req);
	}
	evbuffer_add(b, "ok", 2);
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

static void
test_many_connections(struct regress_env *env)
{
	pid_t pid;

	/* select too: our fd sets grow past FD_SETSIZE. */
	if (regress_raise_nofile(NCONN + 100) == -1)
		tt_skip("cannot raise RLIMIT_NOFILE");
	http_srv_start(env->base, AF_INET);
	evhttp_set_cb(srv.http, "/conn", conn_cb, NULL);
	pid = regress_peer(many_child, &srv.port);
	tt_int_op(regress_run_until_exit(env->base, pid, 40), ==, 0);
	tt_int_op(srv.nreq, ==, 2 * NCONN);
	tt_int_op(many_n, ==, NCONN);		/* 1,000 distinct connections */
	tt_int_op(many_reused, ==, NCONN);	/* each reused in round two */
	http_srv_stop();
}

/* ------------------------------------------------------------------ */
/* Real programs: curl as a client, nginx as a server                  */

static char tmpdir[64];		/* the case's files */

/* A fresh private tmpdir for the case's files. */
static void
make_tmpdir(void)
{
	regress_tmpdir(tmpdir, sizeof(tmpdir), "relevent-http");
}

/* Run argv (its stdout into out_path) while the loop keeps serving: its
 * exit status, -1 if it had to be killed after secs. */
static int
run_program(struct event_base *base, char *const argv[], const char *out_path,
    double secs)
{
	return regress_run_until_exit(base, regress_spawn(argv, out_path),
	    secs);
}

/* The whole file at path, NUL-terminated (its size in *len), or fail. */
static char *
read_file(const char *path, size_t *len)
{
	char *s = regress_slurp(path, len);

	if (s == NULL)
		regress_fail(__FILE__, __LINE__, "cannot read %s: %s", path,
		    strerror(errno));
	return s;
}

/*
 * Wait until the server program pid accepts on 127.0.0.1:port: 0; or -1
 * (with the program stopped and reaped) if it exits first or has not
 * started within 5 s (scaled).
 */
static int
wait_listening(pid_t pid, unsigned short port)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	double end = regress_now() + 5 * regress_slowdown();

	while (!regress_loopback_accepts(port)) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		if (regress_now() > end) {
			regress_kill_child(&pid, SIGKILL);
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	return 0;
}

/*
 * curl against srv: keep-alive, a streamed reply, a chunked upload with
 * Expect, HEAD and HTTP/1.0.  The case frees its base at the end: a curl
 * forked while a server connection was still open holds that socket until
 * it has closed what it inherited; if the fd number is reused meanwhile,
 * epoll may see the old entry and rebuild its set on a new epoll fd
 * (epoll.c, fact b), which the base owns.
 */
static void
test_curl(struct regress_env *env)
{
	const char *curl = regress_find_program("curl");
	char curlpath[256], url1[128], url2[128], out1[128], out2[128];
	char up[128], updata[160], *s;
	size_t len, i;
	FILE *f;

	if (curl == NULL)
		tt_skip("curl not installed");
	snprintf(curlpath, sizeof(curlpath), "%s", curl);
	http_srv_start(env->base, AF_INET);
	make_tmpdir();
	snprintf(out1, sizeof(out1), "%s/out1", tmpdir);
	snprintf(out2, sizeof(out2), "%s/out2", tmpdir);

	/* Keep-alive: two URLs, one connection (num_connects 1 then 0). */
	snprintf(url1, sizeof(url1), "http://127.0.0.1:%u/hello", srv.port);
	snprintf(url2, sizeof(url2), "http://127.0.0.1:%u/echo", srv.port);
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1",
		    "-w", "[%{http_code} %{num_connects}]", url1, url2, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = read_file(out1, NULL);
	tt_str_op(s, ==, "hello 1[200 1][200 0]");
	free(s);
	tt_int_op(srv.nreq, ==, 2);

	/* Chunked download of a streamed reply. */
	snprintf(url1, sizeof(url1), "http://127.0.0.1:%u/stream", srv.port);
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1", "-D", out2,
		    url1, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = read_file(out1, NULL);
	tt_str_op(s, ==, "chunk0;chunk1;chunk2;chunk3;");
	free(s);
	s = read_file(out2, NULL);
	tt_assert(strstr(s, "Transfer-Encoding: chunked\r\n") != NULL);
	free(s);

	/* Chunked upload (curl also sends Expect: 100-continue). */
	snprintf(up, sizeof(up), "%s/up", tmpdir);
	f = fopen(up, "wb");
	tt_assert(f != NULL);
	for (i = 0; i < 3000; i++)
		fprintf(f, "line %04zu\n", i);
	fclose(f);
	snprintf(updata, sizeof(updata), "@%s", up);
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1",
		    "-H", "Transfer-Encoding: chunked",
		    "-H", "Expect: 100-continue",
		    "--data-binary", updata, url2, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = read_file(out1, &len);
	tt_int_op(len, ==, 30000);
	tt_assert(strncmp(s, "line 0000\nline 0001\n", 20) == 0);
	tt_assert(strcmp(s + len - 10, "line 2999\n") == 0);
	free(s);
	tt_int_op(srv.last_body_len, ==, 4096);	/* http_record's capped copy */

	/* HEAD: the headers of the GET, and curl sees no stray body. */
	{
		char *argv[] = { curlpath, "-s", "-S", "--http1.1", "-I",
		    url2, url2, NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = read_file(out1, NULL);
	tt_int_op(count_cstr(s, "HTTP/1.1 200 OK"), ==, 2);
	tt_assert(strstr(s, "Content-Length: 0\r\n") != NULL);
	free(s);

	/* HTTP/1.0. */
	snprintf(url1, sizeof(url1), "http://127.0.0.1:%u/hello", srv.port);
	{
		char *argv[] = { curlpath, "-s", "-S", "-0", "-D", out2, url1,
		    NULL };

		tt_int_op(run_program(env->base, argv, out1, 10), ==, 0);
	}
	s = read_file(out2, NULL);
	tt_assert(strncmp(s, "HTTP/1.0 200 OK\r\n", 17) == 0);
	free(s);
	http_srv_stop();
	regress_rmtree(tmpdir);
	event_base_free(env->base);	/* see above */
	env->base = NULL;
}

/*
 * Start nginx (at path prog) serving tmpdir on 127.0.0.1:port, with
 * a.txt (17 bytes) and big.bin (200,000 bytes) in it, gzip on for text:
 * its pid, or -1 if it did not start.
 */
static pid_t
nginx_start(const char *prog, unsigned short port)
{
	char path[256], conf[128], errlog[128], file[128], dir[512];
	char *argv[] = { path, "-p", tmpdir, "-c", conf, "-e", errlog, NULL };
	pid_t pid;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s", prog);
	/* The directory in the configuration, as nginx names it. */
	regress_path_for(prog, tmpdir, dir, sizeof(dir));
	snprintf(conf, sizeof(conf), "%s/nginx.conf", tmpdir);
	snprintf(errlog, sizeof(errlog), "%s/error.log", tmpdir);
	f = fopen(conf, "w");
	tt_assert(f != NULL);
	fprintf(f,
	    "daemon off;\nmaster_process off;\nworker_processes 1;\n"
	    "pid %s/nginx.pid;\nerror_log %s/error.log;\n"
	    "events { worker_connections 64; }\n"
	    "http {\n access_log off;\n"
	    " client_body_temp_path %s/body;\n proxy_temp_path %s/proxy;\n"
	    " fastcgi_temp_path %s/fastcgi;\n uwsgi_temp_path %s/uwsgi;\n"
	    " scgi_temp_path %s/scgi;\n"
	    " gzip on; gzip_min_length 1; gzip_types text/plain;\n"
	    " types { text/plain txt; application/octet-stream bin; }\n"
	    " server { listen 127.0.0.1:%u; root %s; }\n}\n",
	    dir, dir, dir, dir, dir, dir, dir, (unsigned)port, dir);
	tt_int_op(fclose(f), ==, 0);
	snprintf(file, sizeof(file), "%s/a.txt", tmpdir);
	tt_assert((f = fopen(file, "wb")) != NULL);
	fprintf(f, "hello from nginx\n");
	tt_int_op(fclose(f), ==, 0);
	snprintf(file, sizeof(file), "%s/big.bin", tmpdir);
	tt_assert((f = fopen(file, "wb")) != NULL);
	for (i = 0; i < 200000; i++)
		fputc('A' + i % 23, f);
	tt_int_op(fclose(f), ==, 0);
	pid = regress_spawn(argv, NULL);
	return wait_listening(pid, port) == 0 ? pid : -1;
}

static void
test_nginx(struct regress_env *env)
{
	const char *nginx = regress_find_program("nginx");
	struct evhttp_connection *evcon;
	struct evhttp_request *req;
	unsigned short port;
	pid_t pid;
	int i;

	if (nginx == NULL)
		tt_skip("nginx not installed");
	make_tmpdir();
	port = regress_unused_port(AF_INET, SOCK_STREAM);
	if ((pid = nginx_start(nginx, port)) == -1) {
		regress_rmtree(tmpdir);
		tt_skip("nginx did not start");
	}

	memset(&cres, 0, sizeof(cres));
	evcon = http_client_new(env->base, "127.0.0.1", port);
	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/a.txt");
	tt_int_op(cres.code, ==, 200);
	tt_str_op(cres.line, ==, "OK");
	tt_int_op(cres.body_len, ==, 17);
	tt_assert(memcmp(cres.body, "hello from nginx\n", 17) == 0);

	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/big.bin");
	tt_int_op(cres.code, ==, 200);
	tt_str_op(cres.clen, ==, "200000");
	tt_int_op(cres.body_len, ==, sizeof(cres.body));	/* capped */
	for (i = 0; i < (int)sizeof(cres.body); i++)
		tt_int_op(cres.body[i], ==, 'A' + i % 23);

	http_client_get(env->base, evcon, EVHTTP_REQ_HEAD, "/a.txt");
	tt_int_op(cres.code, ==, 200);
	tt_str_op(cres.clen, ==, "17");
	tt_int_op(cres.body_len, ==, 0);

	http_client_get(env->base, evcon, EVHTTP_REQ_GET, "/missing");
	tt_int_op(cres.code, ==, 404);

	/* gzip makes nginx answer chunked. */
	req = evhttp_request_new(http_client_cb, NULL);
	evhttp_add_header(req->output_headers, "Accept-Encoding", "gzip");
	cres.done = 0;
	evhttp_make_request(evcon, req, EVHTTP_REQ_GET, "/a.txt");
	regress_run_until(env->base, &cres.done, 3.0);
	tt_int_op(cres.done, ==, 1);
	tt_int_op(cres.code, ==, 200);
	tt_str_op(cres.clen, ==, "");
	tt_assert(cres.body_len > 10);
	tt_int_op((unsigned char)cres.body[0], ==, 0x1f);
	tt_int_op((unsigned char)cres.body[1], ==, 0x8b);

	/* All of it on one kept-alive connection. */
	tt_int_op(cres.closes, ==, 0);
	evhttp_connection_free(evcon);
	tt_int_op(cres.closes, ==, 1);

	regress_kill_child(&pid, SIGTERM);
	regress_rmtree(tmpdir);
}

/* ------------------------------------------------------------------ */
/* The samples, when built (make builds them before make check).       */

static const char *
sample_path(const char *name)
{
	static char path[512];

#ifdef _WIN32
	snprintf(path, sizeof(path), "%s/sample/%s.exe", regress_builddir(),
	    name);
	return access(path, 0) == 0 ? path : NULL;
#else
	snprintf(path, sizeof(path), "%s/sample/%s", regress_builddir(), name);
	return access(path, X_OK) == 0 ? path : NULL;
#endif
}

/* Start a sample server that is to listen on port; its pid. */
static pid_t
start_sample(char *const argv[], unsigned short port)
{
	pid_t pid = regress_spawn(argv, NULL);

	if (wait_listening(pid, port) == -1)
		tt_fail("the sample exited or did not listen within 5 s");
	return pid;
}

/* GET path from 127.0.0.1:port with a blocking socket; the status code,
 * and the body in body (bodylen bytes). */
static int
blocking_get(unsigned short port, const char *path, char *body, size_t bodylen)
{
	char req[512], resp[65536], *p;
	size_t got = 0;
	int fd = regress_connect_loopback(AF_INET, port), code = 0;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
	    "Connection: close\r\n\r\n", path);
	regress_write_str(fd, req);
	for (;;) {
		ssize_t n = read(fd, resp + got, sizeof(resp) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/1.%*d %d", &code) != 1)
		return -1;
	p = strstr(resp, "\r\n\r\n");
	snprintf(body, bodylen, "%s", p ? p + 4 : "");
	return code;
}

/* Create the file path holding text, or fail. */
static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");	/* (Windows: no CR added) */

	tt_assert(f != NULL);
	tt_int_op(fputs(text, f), >=, 0);
	tt_int_op(fclose(f), ==, 0);
}

/*
 * The sample server's docroot, tmpdir/body: a.txt, sub/b.txt, and a link
 * "link" to tmpdir/logs, which holds secret.txt outside the root; the
 * link tmpdir/out leads there too, so that ../out paths exist.
 */
static void
make_docroot(char *root, size_t len)
{
	char p[256], logs[200];

	snprintf(root, len, "%s/body", tmpdir);
	tt_int_op(mkdir(root, 0700), ==, 0);
	snprintf(p, sizeof(p), "%s/sub", root);
	tt_int_op(mkdir(p, 0700), ==, 0);
	snprintf(logs, sizeof(logs), "%s/logs", tmpdir);
	tt_int_op(mkdir(logs, 0700), ==, 0);
	snprintf(p, sizeof(p), "%s/secret.txt", logs);
	write_file(p, "secret\n");
	snprintf(p, sizeof(p), "%s/a.txt", root);
	write_file(p, "inside\n");
	snprintf(p, sizeof(p), "%s/sub/b.txt", root);
	write_file(p, "deeper\n");
	snprintf(p, sizeof(p), "%s/link", root);
	tt_int_op(symlink(logs, p), ==, 0);
	snprintf(p, sizeof(p), "%s/out", tmpdir);
	tt_int_op(symlink(logs, p), ==, 0);
}

static void
test_sample_server(struct regress_env *env)
{
	static const struct { const char *path; int code; const char *body; }
	    cases[] = {
		{ "/a.txt", 200, "inside\n" },
		{ "/sub/b.txt", 200, "deeper\n" },
		{ "/sub", 301, NULL },
		{ "/../out/secret.txt", 404, NULL },
		{ "/%2e%2e/out/secret.txt", 404, NULL },
		{ "/sub/%2E%2E/%2e%2e/out/secret.txt", 404, NULL },
		{ "/sub/../a.txt", 404, NULL },
		{ "/link/secret.txt", 404, NULL },
		{ "/a.txt%00.html", 400, NULL },
		{ "/..%5c..%5cout/secret.txt", 400, NULL },
		{ "/missing", 404, NULL },
		{ NULL, 0, NULL }
	};
	const char *prog = sample_path("http-server");
	char root[160], portstr[16], progbuf[512], body[4096];
	char *argv[] = { progbuf, "-p", portstr, root, NULL };
	unsigned short port;
	pid_t pid;
	int i;

	(void)env;
	if (prog == NULL)
		tt_skip("sample/http-server not built");
	snprintf(progbuf, sizeof(progbuf), "%s", prog);
	make_tmpdir();
	make_docroot(root, sizeof(root));
	port = regress_unused_port(AF_INET, SOCK_STREAM);
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	pid = start_sample(argv, port);
	for (i = 0; cases[i].path != NULL; i++) {
		int code = blocking_get(port, cases[i].path, body,
		    sizeof(body));

		if (code != cases[i].code)
			regress_fail(__FILE__, __LINE__, "%s: %d, expected %d",
			    cases[i].path, code, cases[i].code);
		if (cases[i].body != NULL)
			tt_str_op(body, ==, cases[i].body);
		tt_assert(strstr(body, "secret") == NULL);
	}
	tt_int_op(blocking_get(port, "/", body, sizeof(body)), ==, 200);
	tt_assert(strstr(body, "a.txt") != NULL);
	regress_kill_child(&pid, SIGTERM);
	regress_rmtree(tmpdir);
}

static void
test_sample_mt_server(struct regress_env *env)
{
	const char *prog = sample_path("http-mt-server");
	char progbuf[512], portstr[16], body[256];
	char *argv[] = { progbuf, "-p", portstr, "-n", "4", "-d", "3", NULL };
	unsigned short port;
	pid_t pid;
	int i, ok = 0;

	(void)env;
#ifdef _WIN32
	/* (Its threads each listen on the port: SO_REUSEPORT.) */
	tt_skip("sample/http-mt-server needs SO_REUSEPORT, which Windows "
	    "lacks: not built there");
#endif
	if (prog == NULL)
		tt_skip("sample/http-mt-server not built");
	snprintf(progbuf, sizeof(progbuf), "%s", prog);
	port = regress_unused_port(AF_INET, SOCK_STREAM);
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	pid = start_sample(argv, port);
	for (i = 0; i < 40; i++) {
		if (blocking_get(port, "/", body, sizeof(body)) == 200 &&
		    strncmp(body, "hello from thread ", 18) == 0)
			ok++;
	}
	tt_int_op(ok, ==, 40);
	/* It stops by itself after -d seconds, with status 0. */
	tt_int_op(regress_wait(pid, 10), ==, 0);
}

struct regress_case regress_http_peers_cases[] = {
	{ "http/many_connections", test_many_connections, RT_BASE | RT_SLOW,
	  NULL },
	{ "http/curl", test_curl, RT_BASE, NULL },
	{ "http/nginx", test_nginx, RT_BASE, NULL },
	{ "http/sample_server", test_sample_server, RT_ONCE, NULL },
	{ "http/sample_mt_server", test_sample_mt_server, RT_ONCE | RT_SLOW,
	  NULL },
	RT_END
};
