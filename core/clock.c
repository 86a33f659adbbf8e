/* clock.c — real and virtual clocks, and the time formats on the wire. */
#include "at_clock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct at_clock {
  bool virtual_;
  int64_t epoch; /* virtual: start time; real: time of creation */
  int64_t now;   /* virtual only */
};

static int64_t wall_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct at_clock *at_clock_new_virtual(int64_t epoch_ms)
{
  struct at_clock *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->virtual_ = true;
  c->epoch = c->now = epoch_ms;
  return c;
}

struct at_clock *at_clock_new_real(void)
{
  struct at_clock *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->epoch = wall_now();
  return c;
}

void at_clock_free(struct at_clock *c) { free(c); }

bool at_clock_is_virtual(const struct at_clock *c) { return c->virtual_; }

int64_t at_clock_now(const struct at_clock *c)
{
  return c->virtual_ ? c->now : wall_now();
}

int64_t at_clock_epoch(const struct at_clock *c) { return c->epoch; }

int at_clock_advance_to(struct at_clock *c, int64_t t)
{
  if (!c->virtual_ || t < c->now)
    return -1;
  c->now = t;
  return 0;
}

/* ---- formats ----------------------------------------------------------- */

static void split(int64_t ms, struct tm *tm, int *millis)
{
  int64_t s = ms / 1000;
  int64_t r = ms % 1000;
  if (r < 0) {
    r += 1000;
    s -= 1;
  }
  time_t t = (time_t)s;
  gmtime_r(&t, tm);
  *millis = (int)r;
}

char *at_time_http_date(int64_t ms, char *buf)
{
  static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                  "Thu", "Fri", "Sat"};
  static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  int millis;
  split(ms, &tm, &millis);
  snprintf(buf, AT_TIME_BUF, "%s, %02d %s %04d %02d:%02d:%02d GMT",
           days[tm.tm_wday % 7], tm.tm_mday, mons[tm.tm_mon % 12],
           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

/* Write 'v' as exactly 'n' digits (hot path: no printf). */
static char *put_digits(char *p, int v, int n)
{
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (char)('0' + v % 10);
    v /= 10;
  }
  return p + n;
}

char *at_time_iso8601(int64_t ms, bool with_millis, char *buf)
{
  struct tm tm;
  int millis;
  split(ms, &tm, &millis);
  int year = tm.tm_year + 1900;
  if (year < 0 || year > 9999) {
    snprintf(buf, AT_TIME_BUF, "%d-01-01T00:00:00Z", year);
    return buf;
  }
  char *p = put_digits(buf, year, 4);
  *p++ = '-';
  p = put_digits(p, tm.tm_mon + 1, 2);
  *p++ = '-';
  p = put_digits(p, tm.tm_mday, 2);
  *p++ = 'T';
  p = put_digits(p, tm.tm_hour, 2);
  *p++ = ':';
  p = put_digits(p, tm.tm_min, 2);
  *p++ = ':';
  p = put_digits(p, tm.tm_sec, 2);
  if (with_millis) {
    *p++ = '.';
    p = put_digits(p, millis, 3);
  }
  *p++ = 'Z';
  *p = '\0';
  return buf;
}

/* Read exactly 'n' digits. */
static int digits(const char **p, int n, int *out)
{
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i]))
      return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

static int64_t days_from_civil(int y, int m, int d)
{
  /* Howard Hinnant's algorithm; valid for the proleptic Gregorian calendar. */
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bool valid_date(int y, int mo, int d)
{
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
    return false;
  if (mo == 2 && d == 29) {
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (!leap)
      return false;
  }
  return true;
}

int at_time_parse_iso8601(const char *s, int64_t *ms)
{
  int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
  const char *p = s;
  if (s == NULL || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
      *p++ != '-' || digits(&p, 2, &d))
    return -1;
  if (!valid_date(y, mo, d))
    return -1;
  int64_t off = 0;
  if (*p == 'T' || *p == 't' || *p == ' ') {
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
      return -1;
    if (*p == ':') {
      p++;
      if (digits(&p, 2, &sec))
        return -1;
    }
    if (*p == '.') {
      p++;
      int n = 0;
      while (isdigit((unsigned char)*p)) {
        if (n < 3)
          frac = frac * 10 + (*p - '0');
        n++;
        p++;
      }
      if (n == 0)
        return -1;
      for (; n < 3; n++)
        frac *= 10;
    }
    if (h > 23 || mi > 59 || sec > 60)
      return -1;
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      int sign = *p == '-' ? -1 : 1, oh, om;
      p++;
      if (digits(&p, 2, &oh))
        return -1;
      if (*p == ':')
        p++;
      if (digits(&p, 2, &om))
        return -1;
      off = sign * ((int64_t)oh * 3600 + om * 60) * 1000;
    } else {
      return -1; /* a time without a zone is ambiguous: refuse it */
    }
  }
  if (*p != '\0')
    return -1;
  int64_t days = days_from_civil(y, mo, d);
  *ms = ((days * 86400 + h * 3600 + mi * 60 + sec) * 1000 + frac) - off;
  return 0;
}

int at_time_parse_http_date(const char *s, int64_t *ms)
{
  static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char wd[4], mon[4];
  int d, y, h, mi, sec, n = 0;
  if (s == NULL ||
      sscanf(s, "%3s, %d %3s %d %d:%d:%d GMT%n", wd, &d, mon, &y, &h, &mi,
             &sec, &n) != 7 ||
      s[n] != '\0')
    return -1;
  const char *m = strstr(mons, mon);
  if (m == NULL || (m - mons) % 3 != 0)
    return -1;
  int mo = (int)(m - mons) / 3 + 1;
  if (!valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60)
    return -1;
  *ms = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000;
  return 0;
}

int at_duration_parse(const char *s, int64_t *ms)
{
  if (s == NULL || *s == '\0')
    return -1;
  const char *p = s;
  int64_t total = 0;
  bool any = false;
  while (*p) {
    if (!isdigit((unsigned char)*p))
      return -1;
    int64_t v = 0;
    while (isdigit((unsigned char)*p)) {
      v = v * 10 + (*p++ - '0');
      if (v > INT64_C(1000000000000))
        return -1;
    }
    int64_t unit;
    if (p[0] == 'm' && p[1] == 's') {
      unit = 1;
      p += 2;
    } else if (*p == 's') {
      unit = 1000;
      p++;
    } else if (*p == 'm') {
      unit = 60000;
      p++;
    } else if (*p == 'h') {
      unit = 3600000;
      p++;
    } else if (*p == 'd') {
      unit = 86400000;
      p++;
    } else if (*p == '\0' && !any) {
      unit = 1000; /* a bare number is seconds */
    } else {
      return -1;
    }
    /* v <= 1e12 and unit <= 8.64e7 cannot overflow one product, but
     * the sum of many parts could: cap the total at 1e15 ms (31,000
     * years) */
    if (v > INT64_C(1000000000000000) / unit ||
        total > INT64_C(1000000000000000) - v * unit)
      return -1;
    total += v * unit;
    any = true;
  }
  *ms = total;
  return 0;
}

char *at_duration_format(int64_t ms, char *buf, size_t len)
{
  if (ms < 0 || ms < 1000) {
    snprintf(buf, len, "%lldms", (long long)ms);
    return buf;
  }
  if (ms % 1000 != 0) {
    snprintf(buf, len, "%.3fs", (double)ms / 1000.0);
    return buf;
  }
  int64_t s = ms / 1000;
  int64_t part[4] = {s / 86400, s % 86400 / 3600, s % 3600 / 60, s % 60};
  static const char unit[4] = {'d', 'h', 'm', 's'};
  size_t o = 0;
  buf[0] = '\0';
  for (int i = 0; i < 4 && o < len; i++)
    if (part[i] != 0)
      o += (size_t)snprintf(buf + o, len - o, "%lld%c", (long long)part[i],
                            unit[i]);
  return buf;
}
