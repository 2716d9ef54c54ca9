/* config/values.h - nginx's value syntaxes: sizes, times, numbers, flags.
 *
 * Pure functions over (text, len), shared by the setters and tested on their own. Each
 * returns PT_OK and stores the value, or PT_ERROR and leaves *out alone; overflow is an
 * error, never a wrap. Internal to config/.
 */
#ifndef PT_CONFIG_VALUES_H
#define PT_CONFIG_VALUES_H

#include <stdint.h>

#include "config/config.h"

/* 512, 8k, 10m, 1g (k m g in either case, powers of 1024) -> bytes. */
int pt_conf_parse_size(const char *s, uint32_t len, uint64_t *out);

/* 75s, 500ms, 1h30m, 2d, 1w, 1M (30 days), 1y (365 days); a bare number is seconds,
 * also as the last part ("1m30", and "1s5" as nginx takes it). Units in descending
 * order, each once -> milliseconds. */
int pt_conf_parse_time(const char *s, uint32_t len, pt_msec_t *out);

/* Decimal digits only. */
int pt_conf_parse_number(const char *s, uint32_t len, uint64_t *out);

/* on | off, in any case as nginx -> 1 | 0. */
int pt_conf_parse_flag(const char *s, uint32_t len, uint8_t *out);

#endif
