/*
 * event2/dns_struct.h -- the queries a DNS server port hands to its
 * callback.
 *
 * relevent is a clean-room implementation of the libevent API.  Names,
 * fields and constants here match libevent 2.1 (and 1.4, whose <evdns.h>
 * takes the structs from here too, with EVDNS_STRUCT_14_ONLY_ defined so
 * that it stays a 1.4 view); the text is ours.
 */
#ifndef EVENT2_DNS_STRUCT_H_INCLUDED_
#define EVENT2_DNS_STRUCT_H_INCLUDED_

#ifdef __cplusplus
extern "C" {
#endif

/*
 * An incoming query.  flags holds the query's RD (0x0100) and CD (0x0010)
 * bits; a callback may add header bits (AA 0x0400, RA 0x0080; 2.x:
 * evdns_server_request_set_flags()) before responding.  questions has
 * nquestions entries.
 */
struct evdns_server_request {
	int flags;
	int nquestions;
	struct evdns_server_question **questions;
};

/* One question: its type, class and NUL-terminated name. */
struct evdns_server_question {
	int type;
#ifdef __cplusplus
	int dns_question_class;
#else
	/* "class" is a C++ keyword; C programs may use either spelling. */
	int class;
#define dns_question_class class
#endif
	char name[1];
};

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_DNS_STRUCT_H_INCLUDED_ */

/* The 2.x view (version macros), at the first inclusion outside <evdns.h>. */
#if !defined(EVENT2_DNS_STRUCT_2X_) && !defined(EVDNS_STRUCT_14_ONLY_)
#define EVENT2_DNS_STRUCT_2X_
#include <event2/visibility.h>
#endif
