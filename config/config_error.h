/* config/config_error.h - the shape of a config error message.
 *
 * One function that lays out "FILE:LINE:COL: MESSAGE", the source line, a caret under
 * the column and an optional hint, so that every stage of loading (and the tests, which
 * compare messages byte for byte) agrees on it. Internal to config/.
 */
#ifndef PT_CONFIG_CONFIG_ERROR_H
#define PT_CONFIG_CONFIG_ERROR_H

#include <stddef.h>
#include <stdint.h>

/* Writes the message into out (always NUL-terminated, every line ending in "\n").
 * name NULL: no position, only msg (and hint). text/len: the whole source, from which
 * line `line` is shown; col is 1-based in characters (a tab or a UTF-8 sequence is one). */
void pt_conf_format_error(char *out, size_t cap, const char *name, const char *text,
                          uint32_t len, uint32_t line, uint32_t col, const char *msg,
                          const char *hint);

#endif
