/* tests/unit/test_resolver.c - proxy/resolver: the DNS client on a real reactor against
 * fake name servers on loopback UDP sockets in this process (each answers as the case
 * says, between reactor turns): A and AAAA merged, answers with another id or question
 * ignored, a refusing address and a malformed answer skipped for the next address,
 * silence timing out after resolver_timeout with every address asked, NXDOMAIN, server
 * failures, cancelling. Every loop is bounded by turns and by time. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/clock.h"
#include "proxy/resolver.h"
#include "tests/tap.h"

static struct pt_reactor reactor;

struct fake;
/* Writes the reply to query q (n bytes) into out; returns its length, 0 for none. */
typedef size_t (*reply_fn)(struct fake *f, const uint8_t *q, size_t n, uint8_t *out);

struct fake {
    int fd;
    struct sockaddr_storage addr;
    int queries;
    reply_fn reply;
    int wrong_first; /* answers with a wrong id, then another question, before the right */
};

struct outcome {
    int called;
    int rc;
    struct pt_resolver_answer a;
    char why[160];
};

static void on_done(void *arg, int rc, const struct pt_resolver_answer *a, const char *why)
{
    struct outcome *o = arg;

    o->called++;
    o->rc = rc;
    if (a)
        o->a = *a;
    snprintf(o->why, sizeof(o->why), "%s", why);
}

static struct sockaddr_storage loopback(uint16_t port)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *s = (struct sockaddr_in *)&ss;

    memset(&ss, 0, sizeof(ss));
    s->sin_family = AF_INET;
    s->sin_port = htons(port);
    s->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ss;
}

static void fake_open(struct fake *f, reply_fn reply)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);

    memset(f, 0, sizeof(*f));
    f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(f->fd, (struct sockaddr *)&a, sizeof(a));
    getsockname(f->fd, (struct sockaddr *)&a, &len);
    f->addr = loopback(ntohs(a.sin_port));
    f->reply = reply;
}

/* A port with nothing on it: a query there is refused (ICMP port unreachable). */
static struct sockaddr_storage dead_address(void)
{
    struct fake f;
    struct sockaddr_storage ss;

    fake_open(&f, NULL);
    ss = f.addr;
    close(f.fd);
    return ss;
}

/* ---- answers ---- */

static size_t header(uint8_t *out, const uint8_t *q, unsigned flags, unsigned an)
{
    memcpy(out, q, 2);
    out[2] = (uint8_t)(flags >> 8);
    out[3] = (uint8_t)flags;
    out[4] = 0;
    out[5] = 1;
    out[6] = 0;
    out[7] = (uint8_t)an;
    memset(out + 8, 0, 4);
    return 12;
}

static uint16_t qtype(const uint8_t *q, size_t n)
{
    return (uint16_t)(q[n - 4] << 8 | q[n - 3]);
}

/* NOERROR: 10.0.0.1 and 10.0.0.2 (TTL 30) for A, ::1 (TTL 10) for AAAA. */
static size_t answer_good(struct fake *f, const uint8_t *q, size_t n, uint8_t *out)
{
    int aaaa = qtype(q, n) == PT_DNS_TYPE_AAAA;
    size_t at = header(out, q, 0x8180, aaaa ? 1 : 2);

    (void)f;
    memcpy(out + at, q + 12, n - 12); /* the question */
    at += n - 12;
    for (int i = 0; i < (aaaa ? 1 : 2); i++) {
        static const uint8_t a_rr[] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, 1};
        static const uint8_t aaaa_rr[] = {0xC0, 12, 0, 28, 0, 1, 0, 0, 0, 10, 0, 16,
                                          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        const uint8_t *rr = aaaa ? aaaa_rr : a_rr;
        size_t len = aaaa ? sizeof(aaaa_rr) : sizeof(a_rr);
        memcpy(out + at, rr, len);
        if (!aaaa)
            out[at + len - 1] = (uint8_t)(i + 1);
        at += len;
    }
    return at;
}

static size_t answer_nxdomain(struct fake *f, const uint8_t *q, size_t n, uint8_t *out)
{
    size_t at = header(out, q, 0x8183, 0);

    (void)f;
    memcpy(out + at, q + 12, n - 12);
    return at + n - 12;
}

static size_t answer_servfail(struct fake *f, const uint8_t *q, size_t n, uint8_t *out)
{
    size_t at = header(out, q, 0x8182, 0);

    (void)f;
    memcpy(out + at, q + 12, n - 12);
    return at + n - 12;
}

/* Claims two answers and carries none: malformed. */
static size_t answer_malformed(struct fake *f, const uint8_t *q, size_t n, uint8_t *out)
{
    size_t at = header(out, q, 0x8180, 2);

    (void)f;
    memcpy(out + at, q + 12, n - 12);
    return at + n - 12;
}

static size_t answer_nothing(struct fake *f, const uint8_t *q, size_t n, uint8_t *out)
{
    (void)f;
    (void)q;
    (void)n;
    (void)out;
    return 0;
}

/* ---- driving ---- */

static void serve(struct fake *f)
{
    for (int i = 0; i < 16; i++) {
        uint8_t q[512], out[1024];
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(f->fd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
        size_t len;

        if (n < 17)
            return;
        f->queries++;
        len = f->reply(f, q, (size_t)n, out);
        if (len == 0)
            continue;
        if (f->wrong_first) {
            out[1] ^= 1; /* another id */
            sendto(f->fd, out, len, 0, (struct sockaddr *)&from, fl);
            out[1] ^= 1;
            out[13] ^= 'a' ^ 'b'; /* another question: "bpp.test" */
            sendto(f->fd, out, len, 0, (struct sockaddr *)&from, fl);
            out[13] ^= 'a' ^ 'b';
        }
        sendto(f->fd, out, len, 0, (struct sockaddr *)&from, fl);
    }
}

static void on_guard(struct pt_timer *t)
{
    (void)t;
}

/* Turns the reactor, serving the fakes between turns, until o is called back or
 * limit_ms passes (at most 1000 turns; a guard timer bounds each turn's wait even when
 * nothing else is armed). */
static void drive(struct outcome *o, struct fake *fakes, int nf, uint64_t limit_ms)
{
    struct pt_timer guard = {.fire = on_guard};
    uint64_t end;

    pt_clock_update();
    end = pt_now_ms + limit_ms;
    for (int turns = 0; turns < 1000 && !o->called && pt_now_ms < end; turns++) {
        for (int i = 0; i < nf; i++)
            serve(&fakes[i]);
        pt_timer_set(&reactor.timers, &guard, pt_now_ms + 50);
        pt_reactor_turn(&reactor);
    }
    pt_timer_cancel(&reactor.timers, &guard);
}

static struct pt_resolver_query *start(const struct pt_conf_resolver *conf, const char *name,
                                       struct outcome *o)
{
    int err = 0;

    memset(o, 0, sizeof(*o));
    pt_clock_update();
    return pt_resolver_start(&reactor, conf, name, on_done, o, &err);
}

static char text[INET6_ADDRSTRLEN];

static const char *addr_of(const struct pt_resolver_answer *a, uint32_t i)
{
    inet_ntop(a->addrs[i].family, a->addrs[i].addr, text, sizeof(text));
    return text;
}

/* ---- cases ---- */

static void merged(void)
{
    struct fake f;
    struct sockaddr_storage addrs[1];
    struct pt_conf_resolver conf = {.addrs = addrs, .addr_count = 1, .ipv6 = 1,
                                    .timeout = 2000};
    struct outcome o;

    fake_open(&f, answer_good);
    f.wrong_first = 1;
    addrs[0] = f.addr;
    tap_ok(start(&conf, "app.test", &o) != NULL, "a query starts");
    TAP_INT(o.called, 0, "never called back from start");
    drive(&o, &f, 1, 2000);
    TAP_INT(o.called, 1, "called back once");
    TAP_INT(o.rc, 0, "an answer (another id, another question: ignored)");
    TAP_INT(f.queries, 2, "A and AAAA asked");
    TAP_INT(o.a.count, 3, "three addresses");
    TAP_STR(addr_of(&o.a, 0), "10.0.0.1", "IPv4 first");
    TAP_STR(addr_of(&o.a, 2), "::1", "IPv6 after");
    TAP_INT(o.a.ttl, 10, "the smaller TTL");
    close(f.fd);
}

static void refused_then_next(void)
{
    struct fake f;
    struct sockaddr_storage addrs[2];
    struct pt_conf_resolver conf = {.addrs = addrs, .addr_count = 2, .timeout = 4000};
    struct outcome o;

    fake_open(&f, answer_good);
    addrs[0] = dead_address();
    addrs[1] = f.addr;
    for (int round = 0; round < 2; round++) { /* queries start on the addresses in turn */
        uint64_t t0;
        start(&conf, "app.test", &o);
        t0 = pt_now_ms;
        drive(&o, &f, 1, 4000);
        TAP_INT(o.rc == 0 && o.a.count == 2, 1, "a refusing address beside a good one (%d)",
                round);
        tap_ok(pt_now_ms - t0 < 1000, "the refusal moves on at once, not after the resend "
               "interval (%llums)", (unsigned long long)(pt_now_ms - t0));
    }
    close(f.fd);
}

static void malformed_then_next(void)
{
    struct fake f[2];
    struct sockaddr_storage addrs[2];
    struct pt_conf_resolver conf = {.addrs = addrs, .addr_count = 2, .timeout = 4000};
    struct outcome o;

    fake_open(&f[0], answer_malformed);
    fake_open(&f[1], answer_good);
    addrs[0] = f[0].addr;
    addrs[1] = f[1].addr;
    for (int round = 0; round < 2; round++) {
        start(&conf, "app.test", &o);
        drive(&o, f, 2, 4000);
        TAP_INT(o.rc == 0 && o.a.count == 2, 1, "a malformed answer: the next address "
                "answers (%d)", round);
    }
    TAP_INT(f[0].queries, 1, "the bad one asked once: queries start on the addresses in "
            "turn, and the good one answered the round that started there");
    close(f[0].fd);
    close(f[1].fd);
}

static void silence(void)
{
    struct fake f[2];
    struct sockaddr_storage addrs[2];
    struct pt_conf_resolver conf = {.addrs = addrs, .addr_count = 2, .timeout = 300};
    struct outcome o;
    uint64_t t0;

    fake_open(&f[0], answer_nothing);
    fake_open(&f[1], answer_nothing);
    addrs[0] = f[0].addr;
    addrs[1] = f[1].addr;
    start(&conf, "app.test", &o);
    t0 = pt_now_ms;
    drive(&o, f, 2, 3000);
    TAP_INT(o.called, 1, "silence: called back");
    TAP_INT(o.rc, -ETIMEDOUT, "timed out");
    TAP_STR(o.why, "timed out", "said so");
    tap_ok(pt_now_ms - t0 >= 300 && pt_now_ms - t0 < 1500, "after resolver_timeout (%llums)",
           (unsigned long long)(pt_now_ms - t0));
    tap_ok(f[0].queries >= 1 && f[1].queries >= 1, "both addresses were asked (%d, %d)",
           f[0].queries, f[1].queries);
    close(f[0].fd);
    close(f[1].fd);
}

static void nxdomain_and_failures(void)
{
    struct fake f;
    struct sockaddr_storage addrs[1];
    struct pt_conf_resolver conf = {.addrs = addrs, .addr_count = 1, .ipv6 = 1,
                                    .timeout = 300};
    struct outcome o;

    fake_open(&f, answer_nxdomain);
    addrs[0] = f.addr;
    start(&conf, "app.test", &o);
    drive(&o, &f, 1, 2000);
    TAP_INT(o.rc, 0, "NXDOMAIN: an answer");
    TAP_INT(o.a.count, 0, "no address");
    TAP_INT(o.a.nxdomain, 1, "the name does not exist");

    f.reply = answer_servfail;
    start(&conf, "app.test", &o);
    drive(&o, &f, 1, 2000);
    TAP_INT(o.rc, -EPROTO, "SERVFAIL from the only address: a failure at resolver_timeout");
    tap_ok(strstr(o.why, "SERVFAIL") != NULL, "named (%s)", o.why);
    close(f.fd);
}

static void cancel_and_refusals(void)
{
    struct fake f;
    struct sockaddr_storage addrs[1];
    struct pt_conf_resolver conf = {.addrs = addrs, .addr_count = 1, .timeout = 200};
    struct pt_resolver_query *q;
    struct outcome o;
    int err = 0;

    fake_open(&f, answer_good);
    addrs[0] = f.addr;
    q = start(&conf, "app.test", &o);
    pt_resolver_cancel(q);
    drive(&o, &f, 1, 400);
    TAP_INT(o.called, 0, "cancelled: never called back");
    tap_ok(pt_resolver_start(&reactor, &conf, "bad name", on_done, &o, &err) == NULL &&
           err == -EINVAL, "a name a query cannot carry is refused");
    conf.addr_count = 0;
    tap_ok(pt_resolver_start(&reactor, &conf, "app.test", on_done, &o, &err) == NULL &&
           err == -EINVAL, "no resolver address is refused");
    close(f.fd);
}

int main(void)
{
    if (pt_reactor_init(&reactor, NULL) != 0) {
        printf("Bail out! no reactor\n");
        return 1;
    }
    merged();
    refused_then_next();
    malformed_then_next();
    silence();
    nxdomain_and_failures();
    cancel_and_refusals();
    pt_reactor_cleanup(&reactor);
    return tap_done();
}
