/* tests/fuzz/fuzz_chunked.c - libFuzzer target for the chunked body decoder.
 *
 * The input is the bytes after a head with Transfer-Encoding: chunked. They are decoded
 * whole, byte by byte, in two pieces and in pieces of 1..23 bytes (every piece a fresh
 * heap copy of its exact length), under the default limits and tight ones: the verdict,
 * the decoded data and where the body ends must be the same every time; an accepted body
 * is re-read by a plain RFC 9112 7.1 reader (fuzz_common.h) which must agree byte for
 * byte, and the plainest valid bodies must be accepted. What follows a finished body is
 * decoded as the next one, as on a keep-alive connection.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t start = 0;

    for (int body = 0; body < 8 && start < size; body++) {
        size_t total = 0;
        fz_set_context("body %d at offset %zu", body, start);
        if (fz_chunk_check(data + start, size - start, &total) != PT_PARSE_DONE)
            break;
        FZ_CHECK("chunk-end", total > 0 && total <= size - start, "DONE after %zu of %zu",
                 total, size - start);
        start += total;
    }
    return 0;
}
