/* core/clock.h - the time, read once per reactor turn.
 *
 * Every event of a turn sees the same "now": timers, timeouts and log lines need no
 * clock call of their own (DESIGN.md, "no time() per event"). Both clocks are vDSO reads,
 * so an update costs no syscall. The HTTP Date value is formatted once per second.
 */
#ifndef PT_CORE_CLOCK_H
#define PT_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds, for deadlines. */
extern uint64_t pt_now_ms;
/* Wall-clock seconds, for logs and Date. */
extern time_t pt_now_sec;

void pt_clock_update(void);

/* "Sun, 22 Nov 2026 05:02:52 GMT" (29 bytes, RFC 9110 5.6.7) for pt_now_sec. */
const char *pt_clock_http_date(void);
#define PT_HTTP_DATE_LEN 29

#endif
