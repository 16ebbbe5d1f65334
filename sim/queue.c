// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "queue.h"

#define INITIAL_CAP	1024

bool sim_queue_init(struct sim_queue *q)
{
	memset(q, 0, sizeof(*q));
	return true;
}

void sim_queue_free(struct sim_queue *q)
{
	free(q->pool);
	free(q->free);
	free(q->heap);
	memset(q, 0, sizeof(*q));
}

void sim_queue_clear(struct sim_queue *q)
{
	uint32_t i;

	q->n = 0;
	q->seq = 0;
	q->n_free = q->cap;
	for (i = 0; i < q->cap; i++)
		q->free[i] = q->cap - 1 - i;
}

static bool grow(struct sim_queue *q)
{
	uint32_t cap = q->cap ? 2 * q->cap : INITIAL_CAP, i;
	struct sim_event *pool = realloc(q->pool, cap * sizeof(*pool));
	uint32_t *fr, *heap;

	if (!pool)
		return false;
	q->pool = pool;
	fr = realloc(q->free, cap * sizeof(*fr));
	if (!fr)
		return false;
	q->free = fr;
	heap = realloc(q->heap, cap * sizeof(*heap));
	if (!heap)
		return false;
	q->heap = heap;
	for (i = cap; i > q->cap; i--)
		q->free[q->n_free++] = i - 1;
	q->cap = cap;
	return true;
}

struct sim_event *sim_queue_new(struct sim_queue *q)
{
	struct sim_event *ev;

	if (!q->n_free && !grow(q))
		return NULL;
	ev = &q->pool[q->free[--q->n_free]];
	memset(ev, 0, sizeof(*ev));
	return ev;
}

static bool before(const struct sim_queue *q, uint32_t a, uint32_t b)
{
	const struct sim_event *x = &q->pool[a], *y = &q->pool[b];

	return x->at < y->at || (x->at == y->at && x->seq < y->seq);
}

static void swap(uint32_t *h, uint32_t i, uint32_t j)
{
	uint32_t t = h[i];

	h[i] = h[j];
	h[j] = t;
}

void sim_queue_push(struct sim_queue *q, struct sim_event *ev)
{
	uint32_t i = q->n++;

	ev->seq = q->seq++;
	q->heap[i] = (uint32_t)(ev - q->pool);
	while (i && before(q, q->heap[i], q->heap[(i - 1) / 2])) {
		swap(q->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void sift_down(struct sim_queue *q)
{
	uint32_t i = 0, l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < q->n && before(q, q->heap[l], q->heap[m]))
			m = l;
		if (l + 1 < q->n && before(q, q->heap[l + 1], q->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		swap(q->heap, i, m);
		i = m;
	}
}

bool sim_queue_pop(struct sim_queue *q, struct sim_event *out)
{
	uint32_t top;

	if (!q->n)
		return false;
	top = q->heap[0];
	*out = q->pool[top];
	q->free[q->n_free++] = top;
	q->heap[0] = q->heap[--q->n];
	sift_down(q);
	return true;
}
