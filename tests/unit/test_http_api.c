/* tests/unit/test_http_api.c - the parser API's promises that a fixture cannot show:
 * pipelined requests parsed one after another from one buffer, a 1xx response followed
 * by the final one, a chunked body far larger than any one read, repeated calls after
 * DONE or ERROR, and the header array filled to exactly its capacity. */
#include <stdlib.h>
#include <string.h>

#include "parser/http.h"
#include "tests/tap.h"

static int parse_request_at(const char *buf, size_t len, size_t at, struct pt_http_request *req,
                            struct pt_http_header *hs, uint16_t cap)
{
    pt_http_request_init(req, hs, cap, NULL);
    return pt_http_request_parse(req, buf + at, len - at);
}

static void pipelined_requests(void)
{
    const char *in = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                     "POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
                     "GET /c HTTP/1.0\r\n\r\n";
    size_t len = strlen(in), at = 0;
    struct pt_http_header hs[8];
    struct pt_http_request req;
    const char *paths[] = {"/a", "/b", "/c"};

    for (int i = 0; i < 3; i++) {
        int rc = parse_request_at(in, len, at, &req, hs, 8);
        TAP_INT(rc, PT_PARSE_DONE, "pipelined request %d parses", i + 1);
        TAP_INT(req.path.len == strlen(paths[i]) &&
                    memcmp(in + at + req.path.off, paths[i], req.path.len) == 0, 1,
                "pipelined request %d has path %s", i + 1, paths[i]);
        at += req.head.head_length;
        if (req.head.framing == PT_BODY_LENGTH)
            at += req.head.content_length;
    }
    TAP_INT(at, len, "three pipelined requests consume the buffer exactly");
    TAP_INT(req.head.flags & PT_HTTP_KEEP_ALIVE, 0, "HTTP/1.0 without keep-alive closes");
}

static void interim_then_final_response(void)
{
    const char *in = "HTTP/1.1 100 Continue\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    struct pt_http_header hs[4];
    struct pt_http_response resp;
    size_t len = strlen(in);

    pt_http_response_init(&resp, hs, 4, NULL, PT_METHOD_POST);
    TAP_INT(pt_http_response_parse(&resp, in, len), PT_PARSE_DONE, "100 Continue parses");
    TAP_INT(resp.status, 100, "first status is 100");
    TAP_INT(resp.head.framing, PT_BODY_NONE, "a 1xx has no body");
    size_t at = resp.head.head_length;
    pt_http_response_init(&resp, hs, 4, NULL, PT_METHOD_POST);
    TAP_INT(pt_http_response_parse(&resp, in + at, len - at), PT_PARSE_DONE, "final parses");
    TAP_INT(resp.status, 200, "final status is 200");
    TAP_INT(resp.head.content_length, 2, "final response has Content-Length 2");
    TAP_INT(at + resp.head.head_length + 2, len, "head and body end where the input does");
}

/* 1 MiB of data in chunks of 4000 bytes, fed in reads of 1000: every data byte comes back
 * once, in order, and the decoder ends exactly at the final CRLF. */
static void large_chunked_body(void)
{
    enum { TOTAL = 1 << 20, CHUNK = 4000, READ = 1000 };
    size_t cap = TOTAL + TOTAL / 10 + 64, len = 0, out_len = 0;
    char *in = malloc(cap), *out = malloc(TOTAL);
    struct pt_chunked c;
    int rc = PT_PARSE_AGAIN, mismatch = 0;

    for (size_t done = 0; done < TOTAL; done += CHUNK) {
        size_t n = TOTAL - done < CHUNK ? TOTAL - done : CHUNK;
        len += (size_t)snprintf(in + len, cap - len, "%zx\r\n", n);
        for (size_t i = 0; i < n; i++)
            in[len + i] = (char)('a' + (done + i) % 26);
        len += n;
        memcpy(in + len, "\r\n", 2), len += 2;
    }
    memcpy(in + len, "0\r\n\r\n", 5), len += 5;

    pt_chunked_init(&c, 0, 0);
    for (size_t at = 0; at < len && rc != PT_PARSE_DONE && rc != PT_PARSE_ERROR;) {
        size_t end = at + READ < len ? at + READ : len, pos = at, used = 0;
        struct pt_slice d;
        while ((rc = pt_chunked_parse(&c, in + pos, end - pos, &used, &d)) == PT_PARSE_DATA) {
            memcpy(out + out_len, in + pos + d.off, d.len);
            out_len += d.len;
            pos += used;
        }
        at = pos + used;
    }
    for (size_t i = 0; i < out_len; i++)
        mismatch |= out[i] != (char)('a' + i % 26);
    TAP_INT(rc, PT_PARSE_DONE, "1 MiB chunked body completes");
    TAP_INT(out_len, TOTAL, "every data byte is returned once");
    TAP_INT(mismatch, 0, "data comes back in order");
    free(in);
    free(out);
}

static void calls_after_the_end(void)
{
    const char *ok = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *bad = "GET / HTTP/1.1\r\nHost x\r\n\r\n";
    struct pt_http_header hs[4];
    struct pt_http_request req;

    pt_http_request_init(&req, hs, 4, NULL);
    pt_http_request_parse(&req, ok, strlen(ok));
    TAP_INT(pt_http_request_parse(&req, ok, strlen(ok)), PT_PARSE_DONE, "DONE stays DONE");
    pt_http_request_init(&req, hs, 4, NULL);
    pt_http_request_parse(&req, bad, strlen(bad));
    TAP_INT(pt_http_request_parse(&req, bad, strlen(bad)), PT_PARSE_ERROR,
            "ERROR stays ERROR");
    TAP_INT(req.head.error_status, 400, "a header line without a colon is 400");
    TAP_INT(req.head.error_offset, 20, "the offset names the refused byte (the space)");
}

static void header_capacity(void)
{
    const char *in = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n";
    struct pt_http_header hs[3];
    struct pt_http_request req;

    pt_http_request_init(&req, hs, 3, NULL);
    TAP_INT(pt_http_request_parse(&req, in, strlen(in)), PT_PARSE_DONE,
            "three headers fit an array of three");
    pt_http_request_init(&req, hs, 2, NULL);
    TAP_INT(pt_http_request_parse(&req, in, strlen(in)), PT_PARSE_ERROR,
            "three headers overflow an array of two");
    TAP_INT(req.head.error_status, 431, "too many headers is 431");
}

int main(void)
{
    pipelined_requests();
    interim_then_final_response();
    large_chunked_body();
    calls_after_the_end();
    header_capacity();
    return tap_done();
}
