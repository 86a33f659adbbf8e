/* normalize.c — a candidate's data in the forms an ATS accepts (see
 * normalize.h). Nothing here guesses: a phone number without a country,
 * a date that reads two ways, an address without a domain are refused
 * with a sentence that says how to write them. No locale (isspace and
 * friends would depend on it): only explicit ASCII tests. */
#include "normalize.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------------- */

static bool is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
         c == '\f';
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool is_alpha(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char lower(unsigned char c)
{
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* The trimmed extent of 's' (NULL = ""): *start and its length. */
static size_t trimmed(const char *s, const char **start)
{
  if (s == NULL)
    s = "";
  while (is_space((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && is_space((unsigned char)s[n - 1]))
    n--;
  *start = s;
  return n;
}

static void say(char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t whylen, const char *fmt, ...)
{
  if (why == NULL || whylen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, whylen, fmt, ap);
  va_end(ap);
}

static int refuse(char *out, size_t len)
{
  if (out && len)
    out[0] = '\0';
  return -1;
}

/* The length of the UTF-8 sequence a lead byte starts (1 for ASCII, a
 * stray continuation byte or an invalid lead: copied as one byte). */
static size_t utf8_len(unsigned char c)
{
  if (c >= 0xF0 && c <= 0xF7)
    return 4;
  if (c >= 0xE0)
    return c <= 0xEF ? 3 : 1;
  if (c >= 0xC0)
    return 2;
  return 1;
}

/* ---- phone ------------------------------------------------------------------- */

/* Dialing rules of the countries whose national numbers we accept. min/max
 * bound the national significant number (without the trunk prefix). */
struct dial {
  char iso[3];
  const char *cc;      /* country calling code */
  const char *trunk;   /* national trunk prefix dropped before +cc, or NULL */
  const char *intl;    /* the country's own international prefix, or NULL */
  unsigned char min, max;
  bool nanp;           /* North American Numbering Plan rules */
  const char *example; /* how to write one, for the messages */
};

static const struct dial dials[] = {
    {"US", "1", "1", "011", 10, 10, true, "+1 415 555 0100"},
    {"CA", "1", "1", "011", 10, 10, true, "+1 416 555 0100"},
    {"GB", "44", "0", NULL, 9, 10, false, "+44 20 7946 0958"},
    {"DE", "49", "0", NULL, 6, 13, false, "+49 30 1234567"},
    {"FR", "33", "0", NULL, 9, 9, false, "+33 1 23 45 67 89"},
    {"NL", "31", "0", NULL, 9, 9, false, "+31 20 123 4567"},
    {"ES", "34", NULL, NULL, 9, 9, false, "+34 912 345 678"},
    /* Italy: the leading 0 of a landline is part of the number */
    {"IT", "39", NULL, NULL, 6, 11, false, "+39 06 1234 5678"},
    {"IE", "353", "0", NULL, 7, 9, false, "+353 1 234 5678"},
    {"AU", "61", "0", "0011", 9, 9, false, "+61 2 1234 5678"},
    {"IN", "91", "0", NULL, 10, 10, false, "+91 98765 43210"},
    {"BR", "55", "0", NULL, 10, 11, false, "+55 11 91234 5678"},
    {"JP", "81", "0", "010", 9, 10, false, "+81 3 1234 5678"},
    {"MX", "52", NULL, NULL, 10, 10, false, "+52 55 1234 5678"},
    {"CH", "41", "0", NULL, 9, 9, false, "+41 44 123 45 67"},
    {"AT", "43", "0", NULL, 4, 13, false, "+43 1 234567"},
    {"BE", "32", "0", NULL, 8, 9, false, "+32 2 123 45 67"},
    {"SE", "46", "0", NULL, 7, 9, false, "+46 8 123 456 78"},
    {"NO", "47", NULL, NULL, 8, 8, false, "+47 21 23 45 67"},
    {"DK", "45", NULL, NULL, 8, 8, false, "+45 32 12 34 56"},
    {"PL", "48", NULL, NULL, 9, 9, false, "+48 22 123 45 67"},
    {"PT", "351", NULL, NULL, 9, 9, false, "+351 21 123 4567"},
    {"NZ", "64", "0", NULL, 8, 10, false, "+64 9 123 4567"},
    {"SG", "65", NULL, NULL, 8, 8, false, "+65 6123 4567"},
    {"ZA", "27", "0", NULL, 9, 9, false, "+27 21 123 4567"},
};

static const struct dial *dial_find(const char *iso)
{
  if (iso == NULL || strlen(iso) != 2)
    return NULL;
  for (size_t i = 0; i < sizeof dials / sizeof *dials; i++)
    if (lower((unsigned char)iso[0]) == lower((unsigned char)dials[i].iso[0]) &&
        lower((unsigned char)iso[1]) == lower((unsigned char)dials[i].iso[1]))
      return &dials[i];
  return NULL;
}

#define MAX_DIGITS 24 /* more is refused long before E.164's 15 */
#define MAX_EXT 10

/* Does 'p' (up to 'end') read as an extension: "ext", "ext.",
 * "extension", "x" or "#", then 1 to MAX_EXT digits, nothing after? */
static bool read_ext(const char *p, const char *end, char *ext)
{
  static const char *const marks[] = {"extension", "ext.", "ext", "x", "#"};
  size_t rest = (size_t)(end - p);
  for (size_t m = 0; m < sizeof marks / sizeof *marks; m++) {
    size_t ml = strlen(marks[m]);
    if (rest < ml)
      continue;
    bool match = true;
    for (size_t i = 0; i < ml && match; i++)
      match = lower((unsigned char)p[i]) == (unsigned char)marks[m][i];
    if (!match)
      continue;
    const char *q = p + ml;
    while (q < end && (is_space((unsigned char)*q) || *q == ':' || *q == '.'))
      q++;
    size_t n = 0;
    while (q < end && is_digit((unsigned char)*q) && n < MAX_EXT)
      ext[n++] = *q++;
    ext[n] = '\0';
    if (n > 0 && q == end)
      return true;
  }
  return false;
}

/* The number's digits, whether it began with '+', where a "(0)" stood
 * (the digit index it would have had, or -1) and its extension. Returns
 * 0, or -1 with the reason. */
struct phone_parts {
  char d[MAX_DIGITS + 1];
  size_t n;
  bool plus;
  long paren0;
  char ext[MAX_EXT + 1];
};

static int phone_scan(const char *s, size_t len, struct phone_parts *pp,
                      char *why, size_t whylen)
{
  memset(pp, 0, sizeof *pp);
  pp->paren0 = -1;
  const char *end = s + len;
  for (const char *p = s; p < end; p++) {
    unsigned char c = (unsigned char)*p;
    bool trunk0 = c == '(' && end - p >= 3 && p[1] == '0' && p[2] == ')' &&
                  pp->n > 0 && pp->paren0 < 0;
    if (is_digit(c) || trunk0) {
      if (pp->n >= MAX_DIGITS) { /* room for this digit, whichever it is */
        say(why, whylen, "the phone number has too many digits: an "
            "international number has at most 15 (write it as "
            "+<country code> <number>)");
        return -1;
      }
      if (trunk0) {
        pp->paren0 = (long)pp->n; /* "+44 (0)20": the trunk 0 in brackets */
        pp->d[pp->n++] = '0';
        p += 2;
      } else {
        pp->d[pp->n++] = (char)c;
      }
    } else if (c == '+') {
      if (p != s) {
        say(why, whylen, "the phone number has a '+' inside it: only the "
            "country code may follow a '+', at the start");
        return -1;
      }
      pp->plus = true;
    } else if (c == ' ' || c == '\t' || c == '-' || c == '.' || c == '(' ||
               c == ')' || c == '/') {
      continue;
    } else if ((is_alpha(c) || c == '#') && pp->n > 0 &&
               read_ext(p, end, pp->ext)) {
      break;
    } else if (is_alpha(c)) {
      say(why, whylen, "the phone number has letters ('%c'): write it with "
          "digits only, an extension as 'ext. 123'", c);
      return -1;
    } else {
      char what[8] = "'?'";
      if (c >= 0x20 && c < 0x7f)
        what[1] = (char)c;
      say(why, whylen, "the phone number has a character a phone number "
          "cannot have (%s): write it with digits, spaces and an optional "
          "leading '+'", c >= 0x80 ? "a non-ASCII character" : what);
      return -1;
    }
  }
  if (pp->n == 0) {
    say(why, whylen, "the phone number has no digits");
    return -1;
  }
  return 0;
}

static bool starts(const char *d, const char *prefix)
{
  return prefix && strncmp(d, prefix, strlen(prefix)) == 0;
}

static void drop_front(struct phone_parts *pp, size_t k)
{
  memmove(pp->d, pp->d + k, pp->n - k + 1);
  pp->n -= k;
  if (pp->paren0 >= 0)
    pp->paren0 = pp->paren0 >= (long)k ? pp->paren0 - (long)k : -1;
}

static int phone_out(const char *cc, const char *nsn, const char *ext,
                     char *out, size_t len, char *why, size_t whylen)
{
  int n = ext[0] ? snprintf(out, len, "+%s%s ext. %s", cc, nsn, ext)
                 : snprintf(out, len, "+%s%s", cc, nsn);
  if (n < 0 || (size_t)n >= len) {
    say(why, whylen, "no room for the phone number (%d bytes needed)", n + 1);
    return refuse(out, len);
  }
  return 0;
}

/* "+..." (or an international prefix already dropped). */
static int phone_international(struct phone_parts *pp, char *out, size_t len,
                               char *why, size_t whylen)
{
  if (pp->paren0 > 0) { /* "+44 (0)20 ...": the bracketed trunk 0 goes */
    size_t at = (size_t)pp->paren0;
    memmove(pp->d + at, pp->d + at + 1, pp->n - at); /* with the NUL */
    pp->n--;
  }
  if (pp->n == 0 || pp->d[0] == '0') {
    say(why, whylen, "the phone number has no country code after the '+' "
        "(country codes never start with 0): write it as +<country code> "
        "<number>, e.g. +44 20 7946 0958");
    return refuse(out, len);
  }
  if (pp->n < 8 || pp->n > 15) {
    say(why, whylen, "the phone number has %zu digits after the '+'; an "
        "international number has 8 to 15, country code included: check it "
        "for missing or extra digits", pp->n);
    return refuse(out, len);
  }
  return phone_out("", pp->d, pp->ext, out, len, why, whylen);
}

static int phone_national(struct phone_parts *pp, const struct dial *dl,
                          char *out, size_t len, char *why, size_t whylen)
{
  size_t typed = pp->n;
  /* NANP: 11 digits starting with 1 are 1 + the 10-digit number */
  if (dl->nanp ? pp->n == 11 && pp->d[0] == '1' : starts(pp->d, dl->trunk))
    drop_front(pp, strlen(dl->trunk));
  if (pp->n < dl->min || pp->n > dl->max) {
    say(why, whylen, "the phone number has %s digits for a %s number (%zu): "
        "check it, or if it is from another country write it with its "
        "country code, e.g. %s", pp->n < dl->min ? "too few" : "too many",
        dl->iso, typed, dl->example);
    return refuse(out, len);
  }
  if (dl->nanp && (pp->d[0] == '0' || pp->d[0] == '1')) {
    say(why, whylen, "the phone number is not a valid %s number (an area "
        "code never starts with 0 or 1): check it, or write it with its "
        "country code, e.g. %s", dl->iso, dl->example);
    return refuse(out, len);
  }
  if (strlen(dl->cc) + pp->n > 15) {
    say(why, whylen, "the phone number is too long for E.164 (15 digits "
        "with the country code): check it");
    return refuse(out, len);
  }
  return phone_out(dl->cc, pp->d, pp->ext, out, len, why, whylen);
}

int norm_phone_e164(const char *in, const char *country, char *out,
                    size_t len, char *why, size_t whylen)
{
  const char *s;
  size_t n = trimmed(in, &s);
  if (n == 0) {
    say(why, whylen, "the phone number is empty");
    return refuse(out, len);
  }
  struct phone_parts pp;
  if (phone_scan(s, n, &pp, why, whylen) != 0)
    return refuse(out, len);
  if (pp.plus)
    return phone_international(&pp, out, len, why, whylen);
  const struct dial *dl = dial_find(country);
  /* an international prefix in place of the '+': the country's own
   * (0011 in Australia starts with 00 too, so it goes first), then 00 */
  if (dl && dl->intl && starts(pp.d, dl->intl)) {
    drop_front(&pp, strlen(dl->intl));
    return phone_international(&pp, out, len, why, whylen);
  }
  if (starts(pp.d, "00")) {
    drop_front(&pp, 2);
    return phone_international(&pp, out, len, why, whylen);
  }
  if (country == NULL || country[0] == '\0') {
    say(why, whylen, "the phone number has no country code and no default "
        "country is set: write it with its country code (e.g. +44 20 7946 "
        "0958), or set the default country");
    return refuse(out, len);
  }
  if (dl == NULL) {
    say(why, whylen, "the phone number has no country code, and atsync has "
        "no dialing rules for the default country '%.8s': write it with its "
        "country code (+<code> <number>)", country);
    return refuse(out, len);
  }
  return phone_national(&pp, dl, out, len, why, whylen);
}

/* ---- email ------------------------------------------------------------------- */

void norm_email_key(const char *in, char *out, size_t len)
{
  if (out == NULL || len == 0)
    return;
  const char *s;
  size_t n = trimmed(in, &s);
  if (n >= len)
    n = len - 1;
  for (size_t i = 0; i < n; i++)
    out[i] = (char)lower((unsigned char)s[i]);
  out[n] = '\0';
}

int norm_email(const char *in, char *out, size_t len, char *why,
               size_t whylen)
{
  const char *s;
  size_t n = trimmed(in, &s);
  if (n == 0) {
    say(why, whylen, "the email address is empty");
    return refuse(out, len);
  }
  const char *at = NULL;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_space(c) || c < 0x20 || c == 0x7f) {
      say(why, whylen, "the email address has a space or a control "
          "character inside it: write it without them (name@example.com)");
      return refuse(out, len);
    }
    if (c == '@') {
      if (at) {
        say(why, whylen, "the email address has more than one '@': write "
            "one address per field (name@example.com)");
        return refuse(out, len);
      }
      at = s + i;
    }
  }
  if (at == NULL) {
    say(why, whylen, "the email address has no '@': write it as "
        "name@example.com");
    return refuse(out, len);
  }
  const char *dom = at + 1, *end = s + n;
  if (at == s || dom == end) {
    say(why, whylen, "the email address has nothing %s the '@': write it "
        "as name@example.com", at == s ? "before" : "after");
    return refuse(out, len);
  }
  const char *dot = memchr(dom, '.', (size_t)(end - dom));
  if (dot == NULL) {
    say(why, whylen, "the email address's domain has no dot ('%.*s'): "
        "write the full domain, e.g. name@example.com",
        (int)(end - dom > 64 ? 64 : end - dom), dom);
    return refuse(out, len);
  }
  /* an empty label: ".com", "example.", "a..com" */
  for (const char *p = dom; p < end; p++)
    if (*p == '.' && (p == dom || p + 1 == end || p[1] == '.')) {
      say(why, whylen, "the email address's domain has an empty part "
          "('%.*s'): check the dots", (int)(end - dom > 64 ? 64 : end - dom),
          dom);
      return refuse(out, len);
    }
  if (n >= len) {
    say(why, whylen, "the email address is too long (%zu characters)", n);
    return refuse(out, len);
  }
  memcpy(out, s, n);
  out[n] = '\0';
  return 0;
}

/* ---- text and names ---------------------------------------------------------- */

void norm_text(const char *in, char *out, size_t len)
{
  if (out == NULL || len == 0)
    return;
  size_t o = 0;
  bool gap = false;
  for (const unsigned char *p = (const unsigned char *)(in ? in : ""); *p;) {
    if (is_space(*p) || (p[0] == 0xC2 && p[1] == 0xA0)) { /* NBSP too */
      p += *p == 0xC2 ? 2 : 1;
      gap = o > 0;
      continue;
    }
    size_t k = utf8_len(*p);
    bool cut = false;
    for (size_t i = 1; i < k && !cut; i++)
      cut = p[i] == '\0';
    if (cut) /* a character cut short by the string's end: not copied */
      break;
    size_t need = k + (gap ? 1 : 0);
    if (o + need >= len) /* never a partial character */
      break;
    if (gap)
      out[o++] = ' ';
    memcpy(out + o, p, k);
    o += k;
    p += k;
    gap = false;
  }
  out[o] = '\0';
}

void norm_name_key(const char *first, const char *last, char *out,
                   size_t len)
{
  if (out == NULL || len == 0)
    return;
  char both[1024];
  snprintf(both, sizeof both, "%s %s", first ? first : "", last ? last : "");
  norm_text(both, out, len);
  unsigned char *p = (unsigned char *)out;
  for (; *p; p++) {
    *p = lower(*p);
    /* Latin-1 capitals in UTF-8 (C3 80..C3 9E, not the sign C3 97) */
    if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0x9E && p[1] != 0x97)
      p[1] = (unsigned char)(p[1] + 0x20), p++;
  }
}

/* ---- dates ------------------------------------------------------------------- */

static const char *const month_names[12] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

static const char *const month_title[12] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in(int y, int m)
{
  static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* A month name, full or abbreviated to 3 letters ("Sept" too), any case,
 * an optional '.' after it. Returns 1..12, or 0. */
static int month_of(const char *w, size_t n)
{
  if (n > 0 && w[n - 1] == '.')
    n--;
  if (n < 3)
    return 0;
  char b[16];
  if (n >= sizeof b)
    return 0;
  for (size_t i = 0; i < n; i++)
    b[i] = (char)lower((unsigned char)w[i]);
  b[n] = '\0';
  for (int m = 0; m < 12; m++)
    if (strcmp(b, month_names[m]) == 0 ||
        (n == 3 && strncmp(b, month_names[m], 3) == 0) ||
        (m == 8 && strcmp(b, "sept") == 0))
      return m + 1;
  return 0;
}

/* Digits of s[*i..] (at most 'max'): the value, or -1 with none. */
static long digits(const char *s, size_t n, size_t *i, size_t max,
                   size_t *count)
{
  long v = 0;
  size_t k = 0;
  while (*i < n && is_digit((unsigned char)s[*i]) && k < max) {
    v = v * 10 + (s[*i] - '0');
    (*i)++;
    k++;
  }
  if (count)
    *count = k;
  return k ? v : -1;
}

static int date_out(int y, int m, int d, const char *s, size_t n, char *out,
                    size_t len, char *why, size_t whylen)
{
  if (y < 1000 || y > 9999) {
    say(why, whylen, "'%.*s': write the year with four digits "
        "(YYYY-MM-DD)", (int)(n > 40 ? 40 : n), s);
    return refuse(out, len);
  }
  if (m < 1 || m > 12) {
    say(why, whylen, "'%.*s' is not a date (there is no month %d): write "
        "it as YYYY-MM-DD", (int)(n > 40 ? 40 : n), s, m);
    return refuse(out, len);
  }
  if (d < 1 || d > days_in(y, m)) {
    say(why, whylen, "'%.*s' is not a date (%s %d has %d days): check the "
        "day", (int)(n > 40 ? 40 : n), s, month_title[m - 1], y,
        days_in(y, m));
    return refuse(out, len);
  }
  if (len < 11) {
    say(why, whylen, "no room for the date (11 bytes needed)");
    return refuse(out, len);
  }
  snprintf(out, len, "%04d-%02d-%02d", y, m, d);
  return 0;
}

/* YYYY-MM-DD, YYYY/MM/DD, or an ISO-8601 timestamp's date. 1 = not this
 * form. */
static int date_ymd(const char *s, size_t n, char *out, size_t len,
                    char *why, size_t whylen)
{
  size_t i = 0, c;
  long y = digits(s, n, &i, 4, &c);
  if (c != 4 || i == n || (s[i] != '-' && s[i] != '/'))
    return 1;
  char sep = s[i++];
  long m = digits(s, n, &i, 2, NULL);
  if (m < 0 || i == n || s[i] != sep)
    return 1;
  i++;
  long d = digits(s, n, &i, 2, NULL);
  if (d < 0)
    return 1;
  if (i < n) { /* a timestamp: "T10:00", " 10:00" after a '-' date */
    bool t = sep == '-' && (s[i] == 'T' || s[i] == 't' || s[i] == ' ') &&
             n - i >= 6 && is_digit((unsigned char)s[i + 1]) &&
             is_digit((unsigned char)s[i + 2]) && s[i + 3] == ':';
    if (!t)
      return 1;
  }
  return date_out((int)y, (int)m, (int)d, s, n, out, len, why, whylen);
}

/* D/M/YYYY or M/D/YYYY ('/', '.', '-'): only an unambiguous reading. */
static int date_dmy(const char *s, size_t n, char *out, size_t len,
                    char *why, size_t whylen)
{
  size_t i = 0, yc;
  long a = digits(s, n, &i, 2, NULL);
  if (a < 0 || i == n || (s[i] != '/' && s[i] != '.' && s[i] != '-'))
    return 1;
  char sep = s[i++];
  long b = digits(s, n, &i, 2, NULL);
  if (b < 0 || i == n || s[i] != sep)
    return 1;
  i++;
  long y = digits(s, n, &i, 4, &yc);
  if (y < 0 || i != n)
    return 1;
  int w = (int)(n > 40 ? 40 : n);
  if (yc != 4) {
    say(why, whylen, "'%.*s' has a %zu-digit year: write it as YYYY-MM-DD",
        w, s, yc);
    return refuse(out, len);
  }
  if (a > 12 && b > 12) {
    say(why, whylen, "'%.*s' is not a date (neither %ld nor %ld is a "
        "month): write it as YYYY-MM-DD", w, s, a, b);
    return refuse(out, len);
  }
  if (a == b || a > 12) /* the same either way, or day first */
    return date_out((int)y, (int)b, (int)a, s, n, out, len, why, whylen);
  if (b > 12) /* month first */
    return date_out((int)y, (int)a, (int)b, s, n, out, len, why, whylen);
  if (a < 1 || b < 1) {
    say(why, whylen, "'%.*s' is not a date: write it as YYYY-MM-DD", w, s);
    return refuse(out, len);
  }
  say(why, whylen, "%.*s could be %ld %s or %ld %s: write it as YYYY-MM-DD",
      w, s, a, month_title[b - 1], b, month_title[a - 1]);
  return refuse(out, len);
}

/* "28 Nov 2026", "Nov 28, 2026", "November 28 2026". */
static int date_words(const char *s, size_t n, char *out, size_t len,
                      char *why, size_t whylen)
{
  /* three words split by spaces and commas */
  const char *w[3];
  size_t wl[3], k = 0, i = 0;
  while (i < n) {
    while (i < n && (s[i] == ' ' || s[i] == ','))
      i++;
    if (i == n)
      break;
    if (k == 3)
      return 1;
    w[k] = s + i;
    while (i < n && s[i] != ' ' && s[i] != ',')
      i++;
    wl[k] = (size_t)(s + i - w[k]);
    k++;
  }
  if (k != 3)
    return 1;
  int m;
  size_t di;
  if ((m = month_of(w[1], wl[1])) != 0)
    di = 0; /* 28 Nov 2026 */
  else if ((m = month_of(w[0], wl[0])) != 0)
    di = 1; /* Nov 28, 2026 */
  else
    return 1;
  size_t j = 0, yj = 0, yc;
  long d = digits(w[di], wl[di], &j, 2, NULL);
  long y = digits(w[2], wl[2], &yj, 4, &yc);
  if (d < 0 || j != wl[di] || y < 0 || yj != wl[2])
    return 1;
  if (yc != 4) {
    say(why, whylen, "'%.*s' has a %zu-digit year: write it as YYYY-MM-DD",
        (int)(n > 40 ? 40 : n), s, yc);
    return refuse(out, len);
  }
  return date_out((int)y, m, (int)d, s, n, out, len, why, whylen);
}

int norm_date_iso(const char *in, char *out, size_t len, char *why,
                  size_t whylen)
{
  const char *s;
  size_t n = trimmed(in, &s);
  if (n == 0) {
    say(why, whylen, "the date is empty");
    return refuse(out, len);
  }
  int rc = date_ymd(s, n, out, len, why, whylen);
  if (rc == 1)
    rc = date_dmy(s, n, out, len, why, whylen);
  if (rc == 1)
    rc = date_words(s, n, out, len, why, whylen);
  if (rc == 1) {
    say(why, whylen, "'%.*s' is not a date atsync reads: write it as "
        "YYYY-MM-DD", (int)(n > 40 ? 40 : n), s);
    return refuse(out, len);
  }
  return rc;
}
