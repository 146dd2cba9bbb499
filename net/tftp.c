/* The TFTP server's sessions: requests, negotiation, ACKs and timers. Policy and
 * contracts in tftp.h; blocks are made and sent by tftp_send.c. */
#include "tftp_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tftp_create(struct tftp_server **out, const struct tftp_io *io)
{
    struct tftp_server *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->io = *io;
    *out = s;
    return 0;
}

static int sid_of(const struct tftp_server *s, const struct tftp_session *ss)
{
    return (int)(ss - s->s);
}

static bool same_client(const struct tftp_peer *a, const struct tftp_peer *b)
{
    return a->iface == b->iface && a->addr == b->addr && a->port == b->port;
}

static void session_end(struct tftp_server *s, struct tftp_session *ss, enum tftp_end why)
{
    ss->root->ops->close(ss->root->ctx, ss->handle);
    s->io.close(s->io.ctx, sid_of(s, ss));
    ss->state = TFTP_S_FREE;
    s->active--;
    s->st.ends[why]++;
    if (why == TFTP_END_COMPLETE)
        s->st.completed++;
    else
        s->st.failed++;
}

void tftp_destroy(struct tftp_server *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        if (s->s[i].state != TFTP_S_FREE)
            session_end(s, &s->s[i], TFTP_END_SHUTDOWN);
    free(s);
}

void tftp_end_iface(struct tftp_server *s, int iface)
{
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        if (s->s[i].state != TFTP_S_FREE && s->s[i].peer.iface == iface)
            session_end(s, &s->s[i], TFTP_END_SHUTDOWN);
}

/* Starts the retransmission timer for what was just sent. */
static void arm(struct tftp_session *ss, uint32_t now)
{
    ss->deadline = now + tftp_retry_interval(ss);
}

/* Sends the window at ss->base and starts the timer, or ends the session with an
 * error to the client when the file cannot be read. False when it ended. */
static bool send_window_or_end(struct tftp_server *s, struct tftp_session *ss, uint32_t now,
                               bool retransmit)
{
    if (tftp_send_window(s, ss, retransmit) != 0) {
        tftp_send_error(s, sid_of(s, ss), &ss->peer, TFTP_EUNDEF, "read error");
        session_end(s, ss, TFTP_END_READ_ERROR);
        return false;
    }
    arm(ss, now);
    return true;
}

/* --- requests --------------------------------------------------------------------- */

/* FNV-1a, 64 bits: tells a repeated request from another one of the same client.
 * Only the client itself could make two of its requests collide. */
static uint64_t request_hash(const uint8_t *msg, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++)
        h = (h ^ msg[i]) * 0x100000001b3ull;
    return h ^ len;
}

static void refuse(struct tftp_server *s, const struct tftp_peer *peer, enum tftp_refusal why,
                   uint16_t code, const char *text)
{
    s->st.refused[why]++;
    tftp_send_error(s, TFTP_SID_LISTEN, peer, code, text);
}

/* What the options of a request come to. */
struct negotiated {
    uint16_t blksize;
    uint16_t window;
    uint8_t timeout_s;              /* 0: not negotiated */
    bool blksize_ack, window_ack, tsize_ack;
};

/* Applies the option policy of tftp.h. Returns 0, or -EINVAL with *why set when
 * an option must be refused. */
static int negotiate(const struct tftp_request *r, int mode, uint16_t max_payload,
                     struct negotiated *n, const char **why)
{
    uint64_t v;
    int rc;

    memset(n, 0, sizeof *n);
    n->blksize = TFTP_DEFAULT_BLKSIZE;
    n->window = 1;
    if (r->blksize.present) {
        rc = tftp_parse_uint(&r->blksize, TFTP_BLKSIZE_MAX, &v);     /* -ERANGE: clamped */
        if (rc == -EINVAL || v < TFTP_BLKSIZE_MIN) {
            *why = "blksize refused (8..65464)";
            return -EINVAL;
        }
        uint16_t ceiling = max_payload >= TFTP_BLKSIZE_MIN ? max_payload : TFTP_BLKSIZE_MAX;
        if (ceiling > TFTP_BLKSIZE_MAX)
            ceiling = TFTP_BLKSIZE_MAX;
        n->blksize = (uint16_t)(v < ceiling ? v : ceiling);
        n->blksize_ack = true;
    }
    if (r->windowsize.present) {
        rc = tftp_parse_uint(&r->windowsize, TFTP_MAX_WINDOW, &v);   /* -ERANGE: clamped */
        if (rc == -EINVAL || v < TFTP_WINDOWSIZE_MIN) {
            *why = "windowsize refused (1..65535)";
            return -EINVAL;
        }
        n->window = (uint16_t)v;
        n->window_ack = true;
    }
    if (r->timeout.present) {
        rc = tftp_parse_uint(&r->timeout, TFTP_TIMEOUT_MAX, &v);
        if (rc != 0 || v < TFTP_TIMEOUT_MIN) {
            *why = "timeout refused (1..255)";
            return -EINVAL;
        }
        n->timeout_s = (uint8_t)v;
    }
    if (r->tsize.present) {
        rc = tftp_parse_uint(&r->tsize, TFTP_UINT_MAX, &v);          /* the value is unused */
        if (rc == -EINVAL) {
            *why = "tsize refused (not a number)";
            return -EINVAL;
        }
        n->tsize_ack = mode == TFTP_MODE_OCTET;
    }
    return 0;
}

/* The OACK for what was negotiated: empty (oack_len 0) when nothing was. */
static void build_oack(struct tftp_session *ss, const struct negotiated *n)
{
    uint8_t *b = ss->oack;
    size_t cap = sizeof ss->oack, len = tftp_oack_start(b, cap);
    size_t start = len;
    if (n->blksize_ack)
        len = tftp_oack_add(b, cap, len, "blksize", n->blksize);
    if (n->timeout_s)
        len = tftp_oack_add(b, cap, len, "timeout", n->timeout_s);
    if (n->tsize_ack)
        len = tftp_oack_add(b, cap, len, "tsize", ss->size);
    if (n->window_ack)
        len = tftp_oack_add(b, cap, len, "windowsize", n->window);
    _Static_assert(TFTP_OACK_MAX >= 2 + 8 + 6 + 8 + 4 + 6 + 21 + 11 + 6, "the longest OACK fits");
    ss->oack_len = (uint8_t)(len > start ? len : 0);
}

static unsigned sessions_of(const struct tftp_server *s, int iface, uint32_t addr)
{
    unsigned n = 0;
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        n += s->s[i].state != TFTP_S_FREE && s->s[i].peer.iface == iface && s->s[i].peer.addr == addr;
    return n;
}

static struct tftp_session *session_of(struct tftp_server *s, const struct tftp_peer *peer)
{
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        if (s->s[i].state != TFTP_S_FREE && same_client(&s->s[i].peer, peer))
            return &s->s[i];
    return NULL;
}

static struct tftp_session *free_slot(struct tftp_server *s)
{
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++)
        if (s->s[i].state == TFTP_S_FREE)
            return &s->s[i];
    return NULL;
}

/* The client sent its request again: answer again while it has acknowledged
 * nothing, else it is a late copy. */
static void request_repeated(struct tftp_server *s, struct tftp_session *ss, uint32_t now)
{
    if (ss->state == TFTP_S_OACK) {
        s->st.dup_requests++;
        s->st.retransmits++;
        tftp_send_oack(s, ss);
        arm(ss, now);
    } else if (ss->base == 1) {
        s->st.dup_requests++;
        send_window_or_end(s, ss, now, true);
    } else {
        s->st.dropped[TFTP_DROP_LATE_RRQ]++;
    }
}

/* A read request that passed every check but the file's: open it, take a slot
 * and a port, and answer with the OACK or the first window. */
static void session_start(struct tftp_server *s, uint32_t now, const struct tftp_peer *peer,
                          const struct fileroot *root, const char *path, int mode,
                          const struct negotiated *n, uint64_t hash)
{
    if (s->active == TFTP_MAX_SESSIONS) {
        refuse(s, peer, TFTP_REFUSE_TABLE_FULL, TFTP_ENOSPACE, "too many transfers");
        return;
    }
    if (sessions_of(s, peer->iface, peer->addr) >= TFTP_CLIENT_MAX) {
        refuse(s, peer, TFTP_REFUSE_CLIENT_LIMIT, TFTP_ENOSPACE, "too many transfers");
        return;
    }
    uint64_t size = 0;
    int h = root->ops->open(root->ctx, path, &size);
    if (h == -ENOENT || h == -EISDIR) {
        refuse(s, peer, TFTP_REFUSE_NOT_FOUND, TFTP_ENOTFOUND, "file not found");
        return;
    }
    if (h < 0) {
        refuse(s, peer, TFTP_REFUSE_OPEN, TFTP_EUNDEF, "cannot open the file");
        return;
    }
    struct tftp_session *ss = free_slot(s);
    if (s->io.open(s->io.ctx, sid_of(s, ss), peer) != 0) {
        root->ops->close(root->ctx, h);
        refuse(s, peer, TFTP_REFUSE_NO_PORT, TFTP_ENOSPACE, "too many transfers");
        return;
    }
    memset(ss, 0, sizeof *ss);
    ss->peer = *peer;
    ss->root = root;
    ss->handle = h;
    ss->size = size;
    ss->mode = (enum tftp_mode)mode;
    ss->blksize = n->blksize;
    ss->window = n->window;
    ss->timeout_ms = n->timeout_s ? n->timeout_s * 1000u : TFTP_DEFAULT_TIMEOUT_MS;
    ss->base = ss->next = 1;
    ss->last = mode == TFTP_MODE_OCTET ? size / n->blksize + 1 : 0;
    ss->pos[1].off = 0;
    ss->pos[1].carry = -1;
    ss->request_hash = hash;
    ss->started_at = now;
    strcpy(ss->name, path);
    build_oack(ss, n);
    s->active++;
    s->st.started++;
    if (ss->oack_len) {
        ss->state = TFTP_S_OACK;
        s->st.oacks++;
        tftp_send_oack(s, ss);
        arm(ss, now);
    } else {
        ss->state = TFTP_S_DATA;
        send_window_or_end(s, ss, now, false);
    }
}

void tftp_request(struct tftp_server *s, uint32_t now, const struct tftp_peer *peer,
                  const struct fileroot *root, uint16_t max_payload,
                  const uint8_t *msg, size_t len)
{
    struct tftp_request req;
    const char *why;
    char path[FILEROOT_PATH_MAX];

    s->st.requests++;
    if (len > TFTP_REQUEST_MAX) {
        s->st.dropped[TFTP_DROP_OVERSIZED]++;
        return;
    }
    uint16_t op = tftp_opcode_of(msg, len);
    if (len < 2) {
        s->st.dropped[TFTP_DROP_SHORT]++;
        return;
    }
    if (op == TFTP_ERROR) {
        s->st.dropped[TFTP_DROP_ERROR_TO_LISTEN]++;
        return;
    }
    if (op != TFTP_RRQ && op != TFTP_WRQ) {
        refuse(s, peer, TFTP_REFUSE_OPCODE, TFTP_EBADOP, "only requests go to port 69");
        return;
    }
    if (tftp_parse_request(msg, len, &req) != 0) {
        refuse(s, peer, TFTP_REFUSE_MALFORMED, TFTP_EBADOP, "malformed request");
        return;
    }
    uint64_t hash = request_hash(msg, len);
    struct tftp_session *old = session_of(s, peer);
    if (old && old->request_hash == hash) {
        request_repeated(s, old, now);
        return;
    }
    if (old)
        session_end(s, old, TFTP_END_SUPERSEDED);
    if (op == TFTP_WRQ) {
        refuse(s, peer, TFTP_REFUSE_WRQ, TFTP_EACCESS, "read-only server");
        return;
    }
    int mode = tftp_parse_mode(req.mode, req.mode_len);
    if (mode < 0) {
        refuse(s, peer, TFTP_REFUSE_MODE, TFTP_EBADOP,
               mode == -ENOTSUP ? "mail mode not supported" : "unknown mode");
        return;
    }
    int rc = fileroot_path_clean(req.name, req.name_len, path);
    if (rc == -EACCES) {
        refuse(s, peer, TFTP_REFUSE_PATH, TFTP_EACCESS, "access violation");
        return;
    }
    if (rc < 0) {
        refuse(s, peer, TFTP_REFUSE_NOT_FOUND, TFTP_ENOTFOUND, "file not found");
        return;
    }
    struct negotiated n;
    if (negotiate(&req, mode, max_payload, &n, &why) != 0) {
        refuse(s, peer, TFTP_REFUSE_OPTION, TFTP_EOPTNEG, why);
        return;
    }
    session_start(s, now, peer, root, path, mode, &n, hash);
}

/* --- transfers -------------------------------------------------------------------- */

static void on_ack(struct tftp_server *s, struct tftp_session *ss, uint32_t now, uint16_t block)
{
    if (ss->state == TFTP_S_OACK) {
        if (block != 0) {
            s->st.stale_acks++;
            return;
        }
        ss->state = TFTP_S_DATA;
        ss->retries = 0;
        send_window_or_end(s, ss, now, false);
        return;
    }
    /* The ACK names a block between the last one acknowledged (base - 1) and the
     * last one sent (next - 1): at most TFTP_MAX_WINDOW apart, so the 16-bit
     * difference from base - 1 says which, across any rollover. */
    uint64_t acked_before = ss->base - 1;
    uint16_t ahead = (uint16_t)(block - (uint16_t)acked_before);
    if (ahead == 0) {
        s->st.dup_acks++;
        return;
    }
    if (ahead > ss->next - ss->base) {
        s->st.stale_acks++;
        return;
    }
    uint64_t acked = acked_before + ahead;
    if (acked == ss->last) {
        session_end(s, ss, TFTP_END_COMPLETE);
        return;
    }
    ss->base = acked + 1;
    ss->retries = 0;
    send_window_or_end(s, ss, now, false);
}

int tftp_transfer_input(struct tftp_server *s, uint32_t now, int sid, const struct tftp_peer *peer,
                        const uint8_t *msg, size_t len)
{
    if (sid < 0 || sid >= TFTP_MAX_SESSIONS || s->s[sid].state == TFTP_S_FREE) {
        s->st.dropped[TFTP_DROP_NO_SESSION]++;
        return -ESRCH;
    }
    struct tftp_session *ss = &s->s[sid];
    uint16_t op = tftp_opcode_of(msg, len);
    if (!same_client(peer, &ss->peer)) {
        /* RFC 1350: answer the stranger, leave the transfer alone; never answer an
         * ERROR with one. */
        if (op == TFTP_ERROR) {
            s->st.dropped[TFTP_DROP_NO_SESSION]++;
        } else {
            s->st.foreign_tid++;
            tftp_send_error(s, sid, peer, TFTP_EBADID, "unknown transfer ID");
        }
        return -EPERM;
    }
    uint16_t block, code;
    switch (op) {
    case TFTP_ACK:
        if (tftp_parse_ack(msg, len, &block) != 0)
            s->st.dropped[TFTP_DROP_SHORT]++;
        else
            on_ack(s, ss, now, block);
        break;
    case TFTP_ERROR:
        if (tftp_parse_error(msg, len, &code) != 0)
            s->st.dropped[TFTP_DROP_SHORT]++;
        else
            session_end(s, ss, TFTP_END_CLIENT_ERROR);
        break;
    case 0:
        if (len < 2) {
            s->st.dropped[TFTP_DROP_SHORT]++;
            break;
        }
        /* opcode 0 is as illegal as any other */
        __attribute__((fallthrough));
    default:
        tftp_send_error(s, sid, &ss->peer, TFTP_EBADOP, "illegal TFTP operation");
        session_end(s, ss, TFTP_END_PROTOCOL);
        break;
    }
    return 0;
}

/* --- timers ----------------------------------------------------------------------- */

void tftp_tick(struct tftp_server *s, uint32_t now)
{
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++) {
        struct tftp_session *ss = &s->s[i];
        if (ss->state == TFTP_S_FREE || (int32_t)(now - ss->deadline) < 0)
            continue;
        s->st.timer_expiries++;
        if (ss->retries >= TFTP_MAX_RETRIES) {
            session_end(s, ss, TFTP_END_TIMEOUT);
            continue;
        }
        ss->retries++;
        if (ss->state == TFTP_S_OACK) {
            s->st.retransmits++;
            tftp_send_oack(s, ss);
            arm(ss, now);
        } else {
            send_window_or_end(s, ss, now, true);
        }
    }
}

int32_t tftp_next_timeout(const struct tftp_server *s, uint32_t now)
{
    int32_t best = -1;
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++) {
        const struct tftp_session *ss = &s->s[i];
        if (ss->state == TFTP_S_FREE)
            continue;
        int32_t d = (int32_t)(ss->deadline - now);
        if (d < 0)
            d = 0;
        if (best < 0 || d < best)
            best = d;
    }
    return best;
}
