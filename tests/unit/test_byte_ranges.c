/* tests/unit/test_byte_ranges.c - proxy/byte_ranges.h: a Range field held against a size
 * (the outcomes in the table were checked against nginx 1.22's range filter), and the
 * multipart/byteranges body: its length equals the bytes it makes, framed as nginx's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy/byte_ranges.h"
#include "tests/tap.h"

#define UNLIMITED 2147483647 /* max_ranges' default */

/* The outcome for s against size with max_ranges: "none", "bad", or the ranges kept as
 * "a-b a-b ..." (last byte included). */
static const char *judge(const char *s, uint64_t size, uint64_t max_ranges)
{
    static char text[512];
    struct pt_byte_ranges br;
    enum pt_ranges_result res = pt_byte_ranges_judge(s, strlen(s), size, max_ranges, &br);
    size_t n = 0;

    text[0] = '\0';
    if (res == PT_RANGES_NONE)
        snprintf(text, sizeof(text), "none");
    else if (res == PT_RANGES_BAD)
        snprintf(text, sizeof(text), "bad");
    else if (res == PT_RANGES_NOMEM)
        snprintf(text, sizeof(text), "nomem");
    for (uint32_t i = 0; (res == PT_RANGES_ONE || res == PT_RANGES_MANY) && i < br.count; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%llu-%llu", i ? " " : "",
                              (unsigned long long)br.list[i].start,
                              (unsigned long long)(br.list[i].start + br.list[i].len - 1));
    if ((res == PT_RANGES_ONE) != (br.count == 1) && res != PT_RANGES_NONE && res != PT_RANGES_BAD)
        snprintf(text, sizeof(text), "ONE/MANY disagree with count %u", br.count);
    pt_byte_ranges_cleanup(&br);
    return text;
}

static void check_judge(void)
{
    const uint64_t all = UNLIMITED;

    TAP_STR(judge("bytes=0-1,3-4", 6, all), "0-1 3-4", "two ranges");
    TAP_STR(judge("bytes=0-1,5-10,10-20", 6, all), "0-1 5-5", "past the end: dropped; cut");
    TAP_STR(judge("bytes=10-20,30-", 6, all), "bad", "none satisfiable: 416");
    TAP_STR(judge("bytes=0-2,1-3", 6, all), "0-2 1-3", "overlap within the size: kept");
    TAP_STR(judge("bytes=0-3,1-4", 6, all), "none", "overlap past the size: whole file");
    TAP_STR(judge("bytes=0-2,3-5", 6, all), "0-2 3-5", "a sum equal to the size");
    TAP_STR(judge("bytes=0-1,100-200", 6, all), "0-1", "one of two satisfiable: single");
    TAP_STR(judge("bytes=", 6, all), "none", "bytes= alone: whole file (nginx)");
    TAP_STR(judge("bytes=5-3,0-1", 6, all), "0-1", "a reversed range is dropped");
    TAP_STR(judge("bytes=-0", 6, all), "bad", "-0 alone: 416");
    TAP_STR(judge("bytes=-0,0-1", 6, all), "0-1", "-0 among others: dropped");
    TAP_STR(judge("bytes=1-1,-2", 6, all), "1-1 4-5", "a suffix");
    TAP_STR(judge("bytes=-100,0-0", 6, all), "none", "a suffix larger than the file + 1");
    TAP_STR(judge("bytes=0-1", 0, all), "none", "an empty file: whole (nginx)");
    TAP_STR(judge("bytes=-1,0-1", 0, all), "none", "an empty file, a suffix: whole");
    TAP_STR(judge("items=0-1,2-3", 6, all), "none", "another unit");
    TAP_STR(judge("bytes=0-1,x", 6, all), "bad", "malformed: 416");
    TAP_STR(judge("bytes=9223372036854775808-,0-0", 6, all), "bad", "past off_t: 416");
    TAP_STR(judge("bytes=0-0,9223372036854775807-", 6, all), "0-0", "off_t's largest: dropped");
    TAP_STR(judge("bytes=0-0,1-1", 6, 2), "0-0 1-1", "max_ranges 2, two");
    TAP_STR(judge("bytes=0-0,1-1,20-30", 6, 2), "0-0 1-1", "max_ranges 2, a third unsatisfiable");
    TAP_STR(judge("bytes=0-0,1-1,2-2", 6, 2), "none", "max_ranges 2, three: whole");
    TAP_STR(judge("bytes=0-0,1-1", 6, 1), "none", "max_ranges 1, two: whole");
    TAP_STR(judge("bytes=10-20", 6, 0), "none", "max_ranges 0: not looked at");
    TAP_STR(judge("bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10", 100, all),
            "0-0 1-1 2-2 3-3 4-4 5-5 6-6 7-7 8-8 9-9 10-10", "more than the inline eight");
    TAP_STR(judge("bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,99-,300-", 100, all),
            "0-0 1-1 2-2 3-3 4-4 5-5 6-6 7-7 8-8 99-99", "more than eight, one dropped");
}

/* A file holding data; its fd. */
static int temp_file(const char *data, size_t len)
{
    char path[] = "/tmp/pt-test-byte-ranges-XXXXXX";
    int fd = mkstemp(path);

    if (fd < 0)
        return -1;
    unlink(path);
    if (write(fd, data, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    return fd;
}

static void check_multipart(void)
{
    static const char data[] = "0123456789abcdefghij";
    struct pt_byte_ranges br;
    struct pt_multipart *m;
    char type[PT_MULTIPART_TYPE_MAX], body[1024], want[1024];
    uint64_t len;
    int fd = temp_file(data, 20), n;

    TAP_INT(pt_byte_ranges_judge("bytes=0-1,15-15,13-15", 21, 20, UNLIMITED, &br), PT_RANGES_MANY,
            "three ranges: multipart");
    m = pt_multipart_new(&br, 20, "text/plain");
    pt_byte_ranges_cleanup(&br);
    TAP_INT(m != NULL, 1, "made");
    if (m == NULL || fd < 0) {
        pt_multipart_free(m);
        return;
    }
    pt_multipart_content_type(m, type);
    TAP_INT(strncmp(type, "multipart/byteranges; boundary=", 31) == 0 && strlen(type) == 51 &&
            strspn(type + 31, "0123456789") == 20, 1, "Content-Type with 20 digits");
    n = snprintf(want, sizeof(want),
                 "\r\n--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\n01"
                 "\r\n--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 15-15/20\r\n\r\nf"
                 "\r\n--%s\r\nContent-Type: text/plain\r\nContent-Range: bytes 13-15/20\r\n\r\ndef"
                 "\r\n--%s--\r\n", m->boundary, m->boundary, m->boundary, m->boundary);
    len = pt_multipart_length(m);
    TAP_INT((int)len, n, "length: every byte counted");
    TAP_INT(pt_multipart_read(m, fd, body), 0, "read");
    TAP_INT(memcmp(body, want, (size_t)n), 0, "nginx's framing, byte for byte");
    pt_multipart_format_header(m, 3);
    TAP_INT(m->header_len == 4 + 20 + 4 && memcmp(m->header + 24, "--\r\n", 4) == 0, 1,
            "the closing boundary");
    pt_multipart_free(m);

    TAP_INT(pt_byte_ranges_judge("bytes=0-0,2-2", 13, 20, UNLIMITED, &br), PT_RANGES_MANY,
            "two");
    m = pt_multipart_new(&br, 20, "");
    pt_byte_ranges_cleanup(&br);
    n = snprintf(want, sizeof(want),
                 "\r\n--%s\r\nContent-Range: bytes 0-0/20\r\n\r\n0"
                 "\r\n--%s\r\nContent-Range: bytes 2-2/20\r\n\r\n2\r\n--%s--\r\n",
                 m->boundary, m->boundary, m->boundary);
    TAP_INT((int)pt_multipart_length(m), n, "no type: length");
    TAP_INT(pt_multipart_read(m, fd, body) == 0 && memcmp(body, want, (size_t)n) == 0, 1,
            "no type: no Content-Type line in the parts (nginx)");
    pt_multipart_free(m);
    close(fd);
}

int main(void)
{
    check_judge();
    check_multipart();
    return tap_done();
}
