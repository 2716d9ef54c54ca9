/* proxy/http_status.c - reason phrases (RFC 9110 section 15) and error pages. The pages
 * are built once, at first use, for each code in the table. */
#include "proxy/http_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/version.h"

struct status_row {
    uint16_t code;
    uint8_t has_page; /* nginx sends an HTML page when the response carries no text */
    const char *reason;
};

static const struct status_row rows[] = {
    {100, 0, "Continue"},
    {101, 0, "Switching Protocols"},
    {200, 0, "OK"},
    {201, 0, "Created"},
    {202, 0, "Accepted"},
    {204, 0, "No Content"},
    {206, 0, "Partial Content"},
    {301, 1, "Moved Permanently"},
    {302, 1, "Moved Temporarily"},
    {303, 1, "See Other"},
    {304, 0, "Not Modified"},
    {307, 1, "Temporary Redirect"},
    {308, 1, "Permanent Redirect"},
    {400, 1, "Bad Request"},
    {401, 1, "Unauthorized"},
    {402, 1, "Payment Required"},
    {403, 1, "Forbidden"},
    {404, 1, "Not Found"},
    {405, 1, "Not Allowed"},
    {406, 1, "Not Acceptable"},
    {408, 1, "Request Time-out"},
    {409, 1, "Conflict"},
    {410, 1, "Gone"},
    {411, 1, "Length Required"},
    {412, 1, "Precondition Failed"},
    {413, 1, "Request Entity Too Large"},
    {414, 1, "Request-URI Too Large"},
    {415, 1, "Unsupported Media Type"},
    {416, 1, "Requested Range Not Satisfiable"},
    {417, 1, "Expectation Failed"},
    {421, 1, "Misdirected Request"},
    {429, 1, "Too Many Requests"},
    {431, 1, "Request Header Fields Too Large"},
    {500, 1, "Internal Server Error"},
    {501, 1, "Not Implemented"},
    {502, 1, "Bad Gateway"},
    {503, 1, "Service Temporarily Unavailable"},
    {504, 1, "Gateway Time-out"},
    {505, 1, "HTTP Version Not Supported"},
    {507, 1, "Insufficient Storage"},
};

#define ROW_COUNT (sizeof(rows) / sizeof(rows[0]))

static const struct status_row *find(uint16_t code)
{
    for (size_t i = 0; i < ROW_COUNT; i++) {
        if (rows[i].code == code)
            return &rows[i];
    }
    return NULL;
}

const char *pt_http_reason(uint16_t code)
{
    const struct status_row *r = find(code);

    return r ? r->reason : "";
}

/* nginx titles 302 pages "302 Found" while its status line says "Moved Temporarily". */
static const char *page_title_reason(const struct status_row *r)
{
    return r->code == 302 ? "Found" : r->reason;
}

struct page {
    char *text;
    size_t len;
};

static struct page pages[2][ROW_COUNT];

static const char page_format[] =
    "<html>\r\n<head><title>%u %s</title></head>\r\n<body>\r\n"
    "<center><h1>%u %s</h1></center>\r\n<hr><center>%s</center>\r\n"
    "</body>\r\n</html>\r\n";

static void build_page(struct page *p, const struct status_row *r, int server_tokens)
{
    const char *server = server_tokens ? pt_version() : "portico";
    const char *title = page_title_reason(r);
    int n = snprintf(NULL, 0, page_format, r->code, title, r->code, title, server);

    p->text = malloc((size_t)n + 1);
    if (p->text == NULL)
        return;
    snprintf(p->text, (size_t)n + 1, page_format, r->code, title, r->code, title, server);
    p->len = (size_t)n;
}

const char *pt_http_error_page(uint16_t code, int server_tokens, size_t *len)
{
    const struct status_row *r = find(code);
    struct page *p;

    *len = 0;
    if (r == NULL || !r->has_page)
        return NULL;
    p = &pages[server_tokens ? 1 : 0][r - rows];
    if (p->text == NULL)
        build_page(p, r, server_tokens);
    *len = p->len;
    return p->text;
}
