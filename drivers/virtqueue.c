/* Split virtqueue bookkeeping (virtio 1.1, 2.6): free descriptors are chained
 * through their .next fields. A buffer is one descriptor (vmgate's frame-sized
 * buffers) or a chain of them (a virtio-9p request and its reply): taken from
 * the free list in its order, the chain's .next links are already the free
 * list's, so only the flags need setting. */
#include "virtio.h"
#include "../kernel/io.h"

#include <errno.h>

int virtq_add_buf(struct virtq *q, uint64_t addr, uint32_t len, bool write, void *cookie)
{
    if (q->num_free == 0)
        return -ENOSPC;
    uint16_t head = q->free_head;
    volatile struct vring_desc *d = &q->desc[head];
    q->free_head = d->next;
    q->num_free--;
    d->addr = addr;
    d->len = len;
    d->flags = write ? VRING_DESC_F_WRITE : 0;
    q->cookie[head] = cookie;
    uint16_t idx = q->avail->idx;
    q->avail->ring[idx & (q->size - 1)] = head;
    /* The descriptor and ring entry must be visible before the index moves. */
    wmb();
    q->avail->idx = (uint16_t)(idx + 1);
    q->added++;
    return 0;
}

int virtq_add_chain(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *cookie)
{
    if (n == 0)
        return -EINVAL;
    if (q->num_free < n)
        return -ENOSPC;
    uint16_t head = q->free_head, idx = head;
    for (unsigned i = 0; i < n; i++) {
        volatile struct vring_desc *d = &q->desc[idx];
        d->addr = segs[i].addr;
        d->len = segs[i].len;
        d->flags = (uint16_t)((segs[i].write ? VRING_DESC_F_WRITE : 0) |
                              (i + 1 < n ? VRING_DESC_F_NEXT : 0));
        idx = d->next;                  /* the next free one: this chain's next */
    }
    q->free_head = idx;
    q->num_free = (uint16_t)(q->num_free - n);
    q->cookie[head] = cookie;
    uint16_t aidx = q->avail->idx;
    q->avail->ring[aidx & (q->size - 1)] = head;
    wmb();
    q->avail->idx = (uint16_t)(aidx + 1);
    q->added++;
    return 0;
}

void *virtq_get_used(struct virtq *q, uint32_t *len)
{
    if (q->used->idx == q->last_used)
        return NULL;
    /* Read the entry only after seeing the index that covers it. */
    rmb();
    volatile struct vring_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
    uint32_t id = e->id;
    *len = e->len;
    q->last_used++;
    if (id >= q->size)
        return NULL;                    /* a broken device; never index past the ring */
    void *cookie = q->cookie[id];
    q->cookie[id] = NULL;
    /* The chain's tail (the head itself for one descriptor) links to the free list. */
    uint16_t tail = (uint16_t)id, count = 1;
    while ((q->desc[tail].flags & VRING_DESC_F_NEXT) && count < q->size) {
        tail = q->desc[tail].next & (q->size - 1);
        count++;
    }
    q->desc[tail].next = q->free_head;
    q->free_head = (uint16_t)id;
    q->num_free = (uint16_t)(q->num_free + count);
    return cookie;
}
