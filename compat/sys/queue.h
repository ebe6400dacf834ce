/*
 * compat/sys/queue.h -- Windows: the BSD tail queues the library uses.
 *
 * A tail queue is a doubly linked list with a head that knows its last
 * element.  The field names (tqh_first, tqh_last, tqe_next, tqe_prev) are
 * those of the BSD header, because event.h's struct event and the core's
 * fd table use them directly.  tqe_prev and tqh_last point at the
 * previous element's next pointer (or at the head's first pointer), so
 * removal needs no special case for the first element.
 */
#ifndef COMPAT_SYS_QUEUE_H
#define COMPAT_SYS_QUEUE_H

/* tqh_first: the first element, or NULL; tqh_last: the last element's
 * tqe_next (or tqh_first when empty). */
#define TAILQ_HEAD(name, type)						\
struct name {								\
	struct type *tqh_first;						\
	struct type **tqh_last;						\
}

#define TAILQ_HEAD_INITIALIZER(head)	{ NULL, &(head).tqh_first }

/* tqe_next: the next element, or NULL; tqe_prev: the pointer that
 * points at this element. */
#define TAILQ_ENTRY(type)						\
struct {								\
	struct type *tqe_next;						\
	struct type **tqe_prev;						\
}

#define TAILQ_FIRST(head)		((head)->tqh_first)
#define TAILQ_EMPTY(head)		((head)->tqh_first == NULL)
#define TAILQ_NEXT(elm, field)		((elm)->field.tqe_next)

/*
 * The last and previous elements: tqh_last and tqe_prev point into an
 * entry (or the head), and an entry starts like a head, so reading its
 * second member as a head's tqh_last reaches the pointer before it.
 */
#define TAILQ_LAST(head, headname)					\
	(*(((struct headname *)(void *)((head)->tqh_last))->tqh_last))
#define TAILQ_PREV(elm, headname, field)				\
	(*(((struct headname *)(void *)((elm)->field.tqe_prev))->tqh_last))

#define TAILQ_FOREACH(var, head, field)					\
	for ((var) = TAILQ_FIRST(head); (var) != NULL;			\
	    (var) = TAILQ_NEXT(var, field))

#define TAILQ_INIT(head) do {						\
	(head)->tqh_first = NULL;					\
	(head)->tqh_last = &(head)->tqh_first;				\
} while (0)

#define TAILQ_INSERT_HEAD(head, elm, field) do {			\
	(elm)->field.tqe_next = (head)->tqh_first;			\
	if ((elm)->field.tqe_next != NULL)				\
		(head)->tqh_first->field.tqe_prev =			\
		    &(elm)->field.tqe_next;				\
	else								\
		(head)->tqh_last = &(elm)->field.tqe_next;		\
	(head)->tqh_first = (elm);					\
	(elm)->field.tqe_prev = &(head)->tqh_first;			\
} while (0)

#define TAILQ_INSERT_TAIL(head, elm, field) do {			\
	(elm)->field.tqe_next = NULL;					\
	(elm)->field.tqe_prev = (head)->tqh_last;			\
	*(head)->tqh_last = (elm);					\
	(head)->tqh_last = &(elm)->field.tqe_next;			\
} while (0)

#define TAILQ_INSERT_AFTER(head, listelm, elm, field) do {		\
	(elm)->field.tqe_next = (listelm)->field.tqe_next;		\
	if ((elm)->field.tqe_next != NULL)				\
		(elm)->field.tqe_next->field.tqe_prev =			\
		    &(elm)->field.tqe_next;				\
	else								\
		(head)->tqh_last = &(elm)->field.tqe_next;		\
	(listelm)->field.tqe_next = (elm);				\
	(elm)->field.tqe_prev = &(listelm)->field.tqe_next;		\
} while (0)

#define TAILQ_INSERT_BEFORE(listelm, elm, field) do {			\
	(elm)->field.tqe_prev = (listelm)->field.tqe_prev;		\
	(elm)->field.tqe_next = (listelm);				\
	*(listelm)->field.tqe_prev = (elm);				\
	(listelm)->field.tqe_prev = &(elm)->field.tqe_next;		\
} while (0)

#define TAILQ_REMOVE(head, elm, field) do {				\
	if ((elm)->field.tqe_next != NULL)				\
		(elm)->field.tqe_next->field.tqe_prev =			\
		    (elm)->field.tqe_prev;				\
	else								\
		(head)->tqh_last = (elm)->field.tqe_prev;		\
	*(elm)->field.tqe_prev = (elm)->field.tqe_next;			\
} while (0)

#endif /* COMPAT_SYS_QUEUE_H */
