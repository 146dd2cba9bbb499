/* The TFTP server's sending side: DATA blocks made from the file (mapped, read,
 * or converted to netascii), windows of them, OACKs and ERRORs. Policy in
 * tftp.h; the session bookkeeping is tftp.c's. */
#include "tftp_priv.h"

#include <errno.h>
#include <string.h>

static int sid_of(const struct tftp_server *s, const struct tftp_session *ss)
{
    return (int)(ss - s->s);
}

void tftp_emit(struct tftp_server *s, const struct tftp_packet *pkt)
{
    if (s->io.send(s->io.ctx, pkt) != 0)
        s->st.send_errors++;
}

uint32_t tftp_retry_interval(const struct tftp_session *ss)
{
    uint32_t cap = ss->timeout_ms > TFTP_RETRY_CAP_MS ? ss->timeout_ms : TFTP_RETRY_CAP_MS;
    uint64_t t = (uint64_t)ss->timeout_ms << ss->retries;
    return t > cap ? cap : (uint32_t)t;
}

void tftp_send_error(struct tftp_server *s, int sid, const struct tftp_peer *peer,
                     uint16_t code, const char *text)
{
    struct tftp_packet pkt = {
        .sid = sid,
        .peer = peer,
        .hdr = s->reply,
        .hdr_len = tftp_build_error(s->reply, sizeof s->reply, code, text),
    };
    tftp_emit(s, &pkt);
}

void tftp_send_oack(struct tftp_server *s, struct tftp_session *ss)
{
    struct tftp_packet pkt = {
        .sid = sid_of(s, ss),
        .peer = &ss->peer,
        .hdr = ss->oack,
        .hdr_len = ss->oack_len,
    };
    tftp_emit(s, &pkt);
}

/* Reads len bytes at off into buf: true when all of them came. A backend returns
 * fewer only at the end of the file, so fewer here means the file shrank since
 * it was opened (a host folder's file being rewritten) or the backend failed. */
static bool read_exact(const struct fileroot *root, int handle, uint64_t off, uint8_t *buf,
                       size_t len)
{
    size_t got = 0;
    while (got < len) {
        long n = root->ops->read(root->ctx, handle, off + got, buf + got, len - got);
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    return true;
}

/* len bytes of the file at off: mapped where the backend can, else read into buf.
 * NULL when they cannot be had. */
static const uint8_t *file_bytes(const struct tftp_session *ss, uint64_t off, size_t len,
                                 uint8_t *buf, bool *mapped)
{
    const struct fileroot *root = ss->root;
    *mapped = false;
    if (root->ops->map) {
        size_t have = 0;
        const uint8_t *m = root->ops->map(root->ctx, ss->handle, off, &have);
        if (m && have >= len) {
            *mapped = true;
            return m;
        }
    }
    return read_exact(root, ss->handle, off, buf, len) ? buf : NULL;
}

/* Block idx of an octet transfer: the file's bytes at (idx - 1) * blksize. */
static int octet_block(struct tftp_server *s, struct tftp_session *ss, uint64_t idx,
                       struct tftp_packet *pkt)
{
    uint64_t off = (idx - 1) * ss->blksize;
    size_t len = 0;
    if (off < ss->size)
        len = ss->size - off < ss->blksize ? (size_t)(ss->size - off) : ss->blksize;
    if (len == 0)
        return 0;
    pkt->payload = file_bytes(ss, off, len, s->scratch, &pkt->mapped);
    pkt->payload_len = len;
    return pkt->payload ? 0 : -EIO;
}

/* Block idx of a netascii transfer, converted into the scratch buffer from where
 * its position says; notes where the next block starts, and that this block is
 * the last when it comes out short. */
static int netascii_block(struct tftp_server *s, struct tftp_session *ss, uint64_t idx,
                          struct tftp_packet *pkt)
{
    struct tftp_pos at = ss->pos[idx % TFTP_POS_RING];
    int carry = at.carry;
    size_t o = 0;

    while (o < ss->blksize) {
        /* Each file byte makes at least one byte on the wire: reading no more than
         * the room left never reads what this block cannot take. */
        size_t want = ss->blksize - o;
        if (want > sizeof s->ascii_src)
            want = sizeof s->ascii_src;
        if (at.off >= ss->size)
            want = 0;
        else if (ss->size - at.off < want)
            want = (size_t)(ss->size - at.off);
        if (want == 0 && carry < 0)
            break;                                  /* the end of the file */
        const uint8_t *src = NULL;
        bool mapped;
        if (want) {
            src = file_bytes(ss, at.off, want, s->ascii_src, &mapped);
            if (!src)
                return -EIO;
        }
        size_t used;
        o += tftp_netascii_encode(src, want, &used, s->scratch + o, ss->blksize - o, &carry);
        at.off += used;
    }
    at.carry = (int16_t)carry;
    ss->pos[(idx + 1) % TFTP_POS_RING] = at;
    if (o < ss->blksize)
        ss->last = idx;
    pkt->payload = s->scratch;
    pkt->payload_len = o;
    pkt->mapped = false;
    return 0;
}

static int send_block(struct tftp_server *s, struct tftp_session *ss, uint64_t idx, bool again)
{
    uint8_t hdr[TFTP_HDR_LEN];
    tftp_put_header(hdr, TFTP_DATA, (uint16_t)idx);         /* rolls over to 0 */
    struct tftp_packet pkt = {
        .sid = sid_of(s, ss),
        .peer = &ss->peer,
        .hdr = hdr,
        .hdr_len = sizeof hdr,
    };
    int rc = ss->mode == TFTP_MODE_OCTET ? octet_block(s, ss, idx, &pkt)
                                         : netascii_block(s, ss, idx, &pkt);
    if (rc)
        return rc;
    s->st.blocks++;
    s->st.bytes += pkt.payload_len;
    if (pkt.mapped)
        s->st.zero_copy++;
    if (again)
        s->st.retransmits++;
    tftp_emit(s, &pkt);
    return 0;
}

int tftp_send_window(struct tftp_server *s, struct tftp_session *ss, bool retransmit)
{
    uint64_t end = ss->base + ss->window, idx;
    for (idx = ss->base; idx < end && !(ss->last && idx > ss->last); idx++) {
        int rc = send_block(s, ss, idx, retransmit || idx < ss->next);
        if (rc)
            return rc;
    }
    ss->next = idx;
    return 0;
}
