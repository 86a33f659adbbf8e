/* at_clock.h — the one clock every component reads.
 *
 * A clock is either real (the wall clock, for `atsim serve` and the
 * `atsync` daemon) or virtual (a number that only moves when its owner
 * advances it, for tests and scenario runs). Every timestamp that reaches
 * the wire (Date, X-RateLimit-Reset, token expiry, created_at) is derived
 * from at_clock_now(), so a virtual run never reads the wall clock.
 *
 * Times are milliseconds since the Unix epoch (int64_t) everywhere. */
#ifndef AT_CLOCK_H
#define AT_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct at_clock;

/* The default epoch of a virtual clock: Monday 2026-03-02 09:00:00 UTC. */
#define AT_CLOCK_DEFAULT_EPOCH_MS INT64_C(1772442000000)

/* Create a virtual clock that starts at 'epoch_ms'. Caller frees with
 * at_clock_free(). Returns NULL on allocation failure. */
struct at_clock *at_clock_new_virtual(int64_t epoch_ms);

/* Create a real clock (CLOCK_REALTIME). Caller frees with at_clock_free(). */
struct at_clock *at_clock_new_real(void);

/* Free a clock; NULL is a no-op. */
void at_clock_free(struct at_clock *c);

bool at_clock_is_virtual(const struct at_clock *c);

/* Current time in ms since the Unix epoch. */
int64_t at_clock_now(const struct at_clock *c);

/* The epoch a virtual clock started at (the start time of a real one). */
int64_t at_clock_epoch(const struct at_clock *c);

/* Move a virtual clock forward to 't'. Returns 0, or -1 (and does nothing)
 * when the clock is real or 't' lies in the past. */
int at_clock_advance_to(struct at_clock *c, int64_t t);

/* ---- time formats -------------------------------------------------------
 * All formatters write a NUL-terminated string into 'buf' (at least
 * AT_TIME_BUF bytes) and return 'buf'. */
#define AT_TIME_BUF 64

/* IMF-fixdate for HTTP: "Mon, 02 Mar 2026 09:00:00 GMT". */
char *at_time_http_date(int64_t ms, char *buf);

/* ISO-8601 UTC: "2026-03-02T09:00:00Z", or with millis ".123Z". */
char *at_time_iso8601(int64_t ms, bool millis, char *buf);

/* Parse ISO-8601 ("2026-03-02T09:00:00Z", optional ".sss", optional
 * "+hh:mm" offset, or a bare date "2026-03-02"). Returns 0 and sets *ms,
 * or -1 for anything else. */
int at_time_parse_iso8601(const char *s, int64_t *ms);

/* Parse an IMF-fixdate HTTP date. Returns 0 and sets *ms, or -1. */
int at_time_parse_http_date(const char *s, int64_t *ms);

/* Parse a duration such as "250ms", "30s", "5m", "2h", "1d", "1h30m" or a
 * bare number of seconds. Returns 0 and sets *ms, or -1. */
int at_duration_parse(const char *s, int64_t *ms);

/* Format a duration compactly ("1h30m", "45s", "250ms"). Returns buf. */
char *at_duration_format(int64_t ms, char *buf, size_t len);

#endif
