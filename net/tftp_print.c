/* What the TFTP server shows of itself: counters, reason names, the active
 * sessions (for the console's `tftp` command). Contracts in tftp.h. */
#include "tftp_priv.h"

#include <stdio.h>

static const char *const refusal_names[TFTP_REFUSALS] = {
    [TFTP_REFUSE_WRQ] = "write request",
    [TFTP_REFUSE_PATH] = "path outside the root",
    [TFTP_REFUSE_NOT_FOUND] = "not found",
    [TFTP_REFUSE_OPEN] = "open failed",
    [TFTP_REFUSE_MODE] = "mode",
    [TFTP_REFUSE_OPTION] = "option",
    [TFTP_REFUSE_TABLE_FULL] = "table full",
    [TFTP_REFUSE_CLIENT_LIMIT] = "client limit",
    [TFTP_REFUSE_NO_PORT] = "no port",
    [TFTP_REFUSE_MALFORMED] = "malformed",
    [TFTP_REFUSE_OPCODE] = "not a request",
};

static const char *const drop_names[TFTP_DROPS] = {
    [TFTP_DROP_SHORT] = "short",
    [TFTP_DROP_OVERSIZED] = "oversized",
    [TFTP_DROP_ERROR_TO_LISTEN] = "error to port 69",
    [TFTP_DROP_NO_SESSION] = "no session",
    [TFTP_DROP_LATE_RRQ] = "late repeated request",
};

static const char *const end_names[TFTP_ENDS] = {
    [TFTP_END_COMPLETE] = "complete",
    [TFTP_END_TIMEOUT] = "timeout",
    [TFTP_END_CLIENT_ERROR] = "client error",
    [TFTP_END_READ_ERROR] = "read error",
    [TFTP_END_PROTOCOL] = "protocol",
    [TFTP_END_SUPERSEDED] = "superseded",
    [TFTP_END_SHUTDOWN] = "shutdown",
};

const char *tftp_refusal_name(enum tftp_refusal r)
{
    return (unsigned)r < TFTP_REFUSALS ? refusal_names[r] : "?";
}

const char *tftp_drop_name(enum tftp_drop d)
{
    return (unsigned)d < TFTP_DROPS ? drop_names[d] : "?";
}

const char *tftp_end_name(enum tftp_end e)
{
    return (unsigned)e < TFTP_ENDS ? end_names[e] : "?";
}

const struct tftp_stats *tftp_get_stats(const struct tftp_server *s)
{
    return &s->st;
}

unsigned tftp_active(const struct tftp_server *s)
{
    return s->active;
}

/* Bytes of the file the client has acknowledged: everything before block base. */
static uint64_t acked_bytes(const struct tftp_session *ss)
{
    if (ss->state != TFTP_S_DATA)
        return 0;
    if (ss->mode == TFTP_MODE_NETASCII)
        return ss->pos[ss->base % TFTP_POS_RING].off;
    uint64_t b = (ss->base - 1) * ss->blksize;
    return b < ss->size ? b : ss->size;
}

void tftp_foreach_session(const struct tftp_server *s, uint32_t now,
                          void (*fn)(void *arg, const struct tftp_session_info *info), void *arg)
{
    for (unsigned i = 0; i < TFTP_MAX_SESSIONS; i++) {
        const struct tftp_session *ss = &s->s[i];
        if (ss->state == TFTP_S_FREE)
            continue;
        struct tftp_session_info info = {
            .sid = (int)i,
            .peer = ss->peer,
            .name = ss->name,
            .mode = ss->mode,
            .blksize = ss->blksize,
            .window = ss->window,
            .size = ss->size,
            .acked = acked_bytes(ss),
            .retries = ss->retries,
            .age_ms = now - ss->started_at,
        };
        fn(arg, &info);
    }
}

static char *ip_str(uint32_t a, char buf[16])
{
    snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
    return buf;
}

struct printer {
    tftp_printf_fn pr;
};

static void print_session(void *arg, const struct tftp_session_info *i)
{
    const struct printer *p = arg;
    char a[16];
    p->pr("  %-24s %s:%u %s blksize %u window %u, %llu of %llu bytes acked, %us%s\n", i->name,
          ip_str(i->peer.addr, a), i->peer.port, i->mode == TFTP_MODE_OCTET ? "octet" : "netascii",
          i->blksize, i->window, (unsigned long long)i->acked, (unsigned long long)i->size,
          (unsigned)(i->age_ms / 1000), i->retries ? ", retransmitting" : "");
}

static unsigned long long u(uint64_t v)
{
    return (unsigned long long)v;
}

void tftp_print(const struct tftp_server *s, uint32_t now, tftp_printf_fn pr)
{
    const struct tftp_stats *st = &s->st;
    pr("tftp: %u active (room for %u, %u per client); %llu requests, %llu started, "
       "%llu completed, %llu failed\n",
       s->active, TFTP_MAX_SESSIONS, TFTP_CLIENT_MAX, u(st->requests), u(st->started),
       u(st->completed), u(st->failed));
    pr("  ended:");
    for (unsigned e = 0; e < TFTP_ENDS; e++)
        pr("%s %s %llu", e ? "," : "", end_names[e], u(st->ends[e]));
    pr("\n  sent: %llu bytes in %llu blocks (%llu from the root's bytes), %llu OACKs, "
       "%llu sent again, %llu timer expiries, %llu send errors\n",
       u(st->bytes), u(st->blocks), u(st->zero_copy), u(st->oacks), u(st->retransmits),
       u(st->timer_expiries), u(st->send_errors));
    pr("  received: %llu repeated requests answered, %llu duplicate ACKs, %llu ACKs outside "
       "the window, %llu from a foreign port\n",
       u(st->dup_requests), u(st->dup_acks), u(st->stale_acks), u(st->foreign_tid));
    pr("  refused:");
    for (unsigned r = 0; r < TFTP_REFUSALS; r++)
        pr("%s %s %llu", r ? "," : "", refusal_names[r], u(st->refused[r]));
    pr("\n  dropped:");
    for (unsigned d = 0; d < TFTP_DROPS; d++)
        pr("%s %s %llu", d ? "," : "", drop_names[d], u(st->dropped[d]));
    pr("\n");
    struct printer p = {pr};
    tftp_foreach_session(s, now, print_session, &p);
}
