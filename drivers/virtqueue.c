/* Split virtqueue bookkeeping (virtio 1.1, 2.6): free descriptors are chained
 * through their .next fields; each buffer we make available is one descriptor,
 * which is all vmgate's frame-sized buffers need. */
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
    q->desc[id].next = q->free_head;
    q->free_head = (uint16_t)id;
    q->num_free++;
    return cookie;
}
