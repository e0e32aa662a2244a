/*
 * ingest-batches: a queue of ingest messages, oldest first, that counts
 * the reports it holds (the unsent and the sent of a client,
 * ingest-client-private.h).
 */
#include "ingest-client-private.h"

#include <stdlib.h>

void
ingest_queue_push(struct ingest_queue *q, struct ingest_batch *b)
{
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->reports += b->n;
}

struct ingest_batch *
ingest_queue_pop(struct ingest_queue *q)
{
	struct ingest_batch *b = q->head;

	if (b) {
		q->head = b->next;
		if (!q->head)
			q->tail = NULL;
		b->next = NULL;
		q->reports -= b->n;
	}
	return b;
}

unsigned long long
ingest_queue_clear(struct ingest_queue *q)
{
	unsigned long long n = 0;
	struct ingest_batch *b;

	while ((b = ingest_queue_pop(q))) {
		n += b->n;
		free(b);
	}
	return n;
}
