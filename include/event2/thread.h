/*
 * event2/thread.h -- making bases safe to use from several threads.
 *
 * By default relevent locks nothing: a base and its events belong to the
 * thread that uses them, and that costs nothing.  A program that wants to
 * share bases between threads calls evthread_use_pthreads() (link with
 * -levent_pthreads) or installs its own lock, condition and thread-id
 * callbacks, before it makes the bases.  Every base made afterwards
 * (unless with EVENT_BASE_FLAG_NOLOCK) then has a lock, and when another
 * thread adds, deletes or activates one of its events, or calls
 * loopexit/loopbreak/loopcontinue, the loop is woken up (through an
 * eventfd, or a pipe) to take the change into account.  Callbacks run
 * without the lock held.
 *
 * Names, signatures and values follow libevent 2.1; the text is ours.
 */
#ifndef EVENT2_THREAD_H_INCLUDED_
#define EVENT2_THREAD_H_INCLUDED_

#include <event2/visibility.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Lock modes passed to lock() and unlock(). */
#define EVTHREAD_WRITE	0x04	/* for a read-write lock: write access */
#define EVTHREAD_READ	0x08	/* for a read-write lock: read access */
#define EVTHREAD_TRY	0x10	/* do not wait: return non-zero if busy */

/* Lock types passed to alloc() and free(); 0 is a plain mutex. */
#define EVTHREAD_LOCKTYPE_RECURSIVE 1	/* the owner may lock it again */
#define EVTHREAD_LOCKTYPE_READWRITE 2	/* shared readers, one writer */

#define EVTHREAD_LOCK_API_VERSION 1

/*
 * A lock implementation.  alloc(locktype) returns a new lock or NULL;
 * free(lock, locktype) destroys it; lock(mode, lock) and unlock(mode,
 * lock) return 0 on success.  supported_locktypes has the
 * EVTHREAD_LOCKTYPE_* bits the implementation handles; relevent needs
 * RECURSIVE.
 */
struct evthread_lock_callbacks {
	int lock_api_version;		/* EVTHREAD_LOCK_API_VERSION */
	unsigned supported_locktypes;
	void *(*alloc)(unsigned locktype);
	void (*free)(void *lock, unsigned locktype);
	int (*lock)(unsigned mode, void *lock);
	int (*unlock)(unsigned mode, void *lock);
};

/*
 * Install lock callbacks (copied; NULL removes them).  Must come before
 * any base is made; once set they cannot be changed to others.  0, or -1
 * if cbs is incomplete or different callbacks are already installed.
 */
int evthread_set_lock_callbacks(const struct evthread_lock_callbacks *cbs);

#define EVTHREAD_CONDITION_API_VERSION 1

struct timeval;

/*
 * A condition variable implementation.  alloc_condition(0) returns a new
 * condition or NULL; signal_condition(cond, broadcast) wakes one waiter
 * (all if broadcast); wait_condition(cond, lock, timeout) releases the
 * held lock, waits for a signal (at most timeout if not NULL), takes the
 * lock again and returns 0 when signalled, 1 on timeout, -1 on error.
 */
struct evthread_condition_callbacks {
	int condition_api_version;	/* EVTHREAD_CONDITION_API_VERSION */
	void *(*alloc_condition)(unsigned condtype);
	void (*free_condition)(void *cond);
	int (*signal_condition)(void *cond, int broadcast);
	int (*wait_condition)(void *cond, void *lock,
	    const struct timeval *timeout);
};

/* Install condition callbacks (copied; NULL removes them), used by
 * event_del() to wait for a callback running in another thread.  0/-1. */
int evthread_set_condition_callbacks(
    const struct evthread_condition_callbacks *cbs);

/* Install the function that identifies the calling thread. */
void evthread_set_id_callback(unsigned long (*id_fn)(void));

/* POSIX threads for all three (in libevent_pthreads).  0, or -1 if
 * memory runs out. */
#define EVTHREAD_USE_PTHREADS_IMPLEMENTED 1
int evthread_use_pthreads(void);

/*
 * Check the library's use of locks from now on: unlocking a lock the
 * thread does not hold, taking a non-recursive lock twice, freeing a held
 * lock or waiting on a condition without its lock are fatal errors (see
 * event_set_fatal_callback()).  Call it before any base is made.
 */
void evthread_enable_lock_debugging(void);
/* The old, misspelt name of the same function. */
void evthread_enable_lock_debuging(void);

/*
 * Give base the means to be woken by other threads (bases made after
 * threads were enabled already have it).  0, or -1 if no eventfd or pipe
 * could be made.
 */
struct event_base;
int evthread_make_base_notifiable(struct event_base *base);

#ifdef __cplusplus
}
#endif

#endif /* EVENT2_THREAD_H_INCLUDED_ */
