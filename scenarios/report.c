/* report.c — results as people and CI read them: the result <-> JSON
 * functions of scn.h (the child -> parent wire format of `atsim run`, and
 * the runs of its --json report), the terminal lines and summary, JUnit
 * XML. Works on struct scn_result alone; nothing here runs a scenario. */
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- names and small formats --------------------------------------------- */

static const char *const verdict_names[] = {
    [SCN_PASS] = "pass",
    [SCN_FAIL] = "fail",
    [SCN_ERROR] = "error",
    [SCN_PENDING] = "pending",
    [SCN_PENDING_PASSED] = "passed_but_pending",
};

static const char *const verdict_labels[] = {
    [SCN_PASS] = "PASS",
    [SCN_FAIL] = "FAIL",
    [SCN_ERROR] = "ERROR",
    [SCN_PENDING] = "PENDING",
    [SCN_PENDING_PASSED] = "PASSED-BUT-PENDING",
};

#define NVERDICTS (sizeof verdict_names / sizeof verdict_names[0])

const char *scn_verdict_name(enum scn_verdict v)
{
  if ((size_t)v >= NVERDICTS)
    return "error";
  return verdict_names[v];
}

const char *scn_verdict_label(enum scn_verdict v)
{
  if ((size_t)v >= NVERDICTS)
    return "ERROR";
  return verdict_labels[v];
}

bool scn_verdict_is_failure(enum scn_verdict v)
{
  return v != SCN_PASS && v != SCN_PENDING;
}

char *scn_duration_str(int64_t ms, char *buf, size_t len)
{
  long long v = ms < 0 ? 0 : (long long)ms;
  if (v < 1000) {
    snprintf(buf, len, "%lldms", v);
  } else if (v < 60000) {
    long long tenths = v / 100;
    if (tenths % 10 == 0)
      snprintf(buf, len, "%llds", tenths / 10);
    else
      snprintf(buf, len, "%lld.%llds", tenths / 10, tenths % 10);
  } else if (v < 3600000LL) {
    snprintf(buf, len, "%lldm%02llds", v / 60000, v / 1000 % 60);
  } else if (v < 86400000LL) {
    snprintf(buf, len, "%lldh%02lldm", v / 3600000LL, v / 60000 % 60);
  } else {
    snprintf(buf, len, "%lldd%02lldh", v / 86400000LL, v / 3600000LL % 24);
  }
  return buf;
}

/* ---- result -> JSON ------------------------------------------------------ */

/* Add a string, or null for NULL; false on allocation failure. */
static bool add_str(cJSON *o, const char *k, const char *v)
{
  if (v == NULL)
    return cJSON_AddNullToObject(o, k) != NULL;
  return cJSON_AddStringToObject(o, k, v) != NULL;
}

/* Add the blank-separated words of 's' as an array of strings. */
static bool add_words(cJSON *o, const char *k, const char *s)
{
  cJSON *a = cJSON_AddArrayToObject(o, k);
  if (a == NULL)
    return false;
  for (const char *p = s; p != NULL && *p != '\0';) {
    size_t n = strcspn(p, " ");
    if (n > 0) {
      char *w = strndup(p, n);
      cJSON *item = w != NULL ? cJSON_CreateString(w) : NULL;
      free(w);
      if (item == NULL)
        return false;
      cJSON_AddItemToArray(a, item);
    }
    p += n;
    p += strspn(p, " ");
  }
  return true;
}

static bool add_num(cJSON *o, const char *k, double v)
{
  return cJSON_AddNumberToObject(o, k, v) != NULL;
}

/* Wall times to the microsecond: more digits are noise. */
static bool add_ms(cJSON *o, const char *k, double ms)
{
  return add_num(o, k, (double)(long long)(ms * 1000 + 0.5) / 1000);
}

static bool add_requests(cJSON *o, const struct scn_result *r)
{
  cJSON *q = cJSON_AddObjectToObject(o, "requests");
  return q != NULL && add_num(q, "total", (double)r->requests) &&
         add_num(q, "2xx", (double)r->status_2xx) &&
         add_num(q, "4xx", (double)r->status_4xx) &&
         add_num(q, "429", (double)r->status_429) &&
         add_num(q, "5xx", (double)r->status_5xx) &&
         add_num(q, "no_response", (double)r->no_response);
}

cJSON *scn_result_json(const struct scn_result *r, bool with_trace)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL)
    return NULL;
  char seed[24], hash[24];
  snprintf(seed, sizeof seed, "%" PRIu64, r->seed);
  snprintf(hash, sizeof hash, "%016" PRIx64, r->hash);
  bool ok = add_str(o, "file", r->file) && add_str(o, "title", r->title) &&
            add_str(o, "ats", r->ats) && add_words(o, "tags", r->tags) &&
            add_words(o, "causes", r->causes) &&
            add_str(o, "pending", r->pending) && add_str(o, "seed", seed) &&
            add_num(o, "repeat", r->repeat) &&
            add_str(o, "verdict", scn_verdict_name(r->verdict)) &&
            add_str(o, "message", r->message) &&
            add_str(o, "excerpt", r->excerpt) &&
            (!with_trace || add_str(o, "trace", r->trace)) &&
            add_str(o, "repro", r->repro) && add_str(o, "hash", hash) &&
            add_num(o, "virtual_ms", (double)r->virtual_ms) &&
            add_ms(o, "wall_ms", r->wall_ms) && add_requests(o, r) &&
            add_num(o, "expectations", r->expectations) &&
            add_num(o, "checks", r->checks);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

/* ---- JSON -> result ------------------------------------------------------ */

void scn_result_free(struct scn_result *r)
{
  if (r == NULL)
    return;
  free(r->file);
  free(r->title);
  free(r->ats);
  free(r->tags);
  free(r->causes);
  free(r->pending);
  free(r->message);
  free(r->excerpt);
  free(r->trace);
  free(r->repro);
  memset(r, 0, sizeof *r);
}

/* The string under 'k' copied into *out; null gives NULL when 'nullable'.
 * -1 when the key is missing or holds anything else. */
static int get_str(const cJSON *j, const char *k, bool nullable, char **out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
  if (v == NULL)
    return -1;
  if (nullable && cJSON_IsNull(v)) {
    *out = NULL;
    return 0;
  }
  if (!cJSON_IsString(v) || v->valuestring == NULL)
    return -1;
  *out = strdup(v->valuestring);
  return *out != NULL ? 0 : -1;
}

/* An array of strings under 'k', joined with blanks into *out. */
static int get_words(const cJSON *j, const char *k, char **out)
{
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, k);
  if (!cJSON_IsArray(a))
    return -1;
  size_t len = 1;
  const cJSON *w;
  cJSON_ArrayForEach(w, a) {
    if (!cJSON_IsString(w) || w->valuestring == NULL)
      return -1;
    len += strlen(w->valuestring) + 1;
  }
  char *s = malloc(len);
  if (s == NULL)
    return -1;
  size_t o = 0;
  cJSON_ArrayForEach(w, a) {
    size_t n = strlen(w->valuestring);
    if (o > 0)
      s[o++] = ' ';
    memcpy(s + o, w->valuestring, n);
    o += n;
  }
  s[o] = '\0';
  *out = s;
  return 0;
}

/* A number under 'k' within [lo, hi]; whole unless 'fraction'. */
static int get_num(const cJSON *j, const char *k, double lo, double hi,
                   bool fraction, double *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
  if (!cJSON_IsNumber(v))
    return -1;
  double d = v->valuedouble;
  if (!(d >= lo && d <= hi))
    return -1;
  if (!fraction && (double)(long long)d != d)
    return -1;
  *out = d;
  return 0;
}

static int get_long(const cJSON *j, const char *k, long *out)
{
  double d;
  if (get_num(j, k, 0, 2147483647.0, false, &d) != 0)
    return -1;
  *out = (long)d;
  return 0;
}

static int get_int(const cJSON *j, const char *k, int *out)
{
  long v;
  if (get_long(j, k, &v) != 0)
    return -1;
  *out = (int)v;
  return 0;
}

/* "seed": decimal digits that fit a uint64_t. */
static int get_seed(const cJSON *j, uint64_t *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "seed");
  if (!cJSON_IsString(v) || v->valuestring == NULL)
    return -1;
  const char *s = v->valuestring;
  size_t n = strlen(s);
  if (n == 0 || n > 20 || strspn(s, "0123456789") != n)
    return -1;
  errno = 0;
  unsigned long long u = strtoull(s, NULL, 10);
  if (errno != 0)
    return -1;
  *out = (uint64_t)u;
  return 0;
}

/* "hash": exactly 16 hex digits. */
static int get_hash(const cJSON *j, uint64_t *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "hash");
  if (!cJSON_IsString(v) || v->valuestring == NULL)
    return -1;
  const char *s = v->valuestring;
  if (strlen(s) != 16 || strspn(s, "0123456789abcdefABCDEF") != 16)
    return -1;
  *out = (uint64_t)strtoull(s, NULL, 16);
  return 0;
}

static int get_verdict(const cJSON *j, enum scn_verdict *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "verdict");
  if (!cJSON_IsString(v) || v->valuestring == NULL)
    return -1;
  for (size_t i = 0; i < NVERDICTS; i++) {
    if (strcmp(v->valuestring, verdict_names[i]) == 0) {
      *out = (enum scn_verdict)i;
      return 0;
    }
  }
  return -1;
}

static int get_requests(const cJSON *j, struct scn_result *r)
{
  const cJSON *q = cJSON_GetObjectItemCaseSensitive(j, "requests");
  if (!cJSON_IsObject(q))
    return -1;
  if (get_long(q, "total", &r->requests) != 0 ||
      get_long(q, "2xx", &r->status_2xx) != 0 ||
      get_long(q, "4xx", &r->status_4xx) != 0 ||
      get_long(q, "429", &r->status_429) != 0 ||
      get_long(q, "5xx", &r->status_5xx) != 0 ||
      get_long(q, "no_response", &r->no_response) != 0)
    return -1;
  return 0;
}

/* The strings of a result; the rest is in scn_result_from_json. */
static int get_strings(const cJSON *j, struct scn_result *r)
{
  if (get_str(j, "file", true, &r->file) != 0 ||
      get_str(j, "title", true, &r->title) != 0 ||
      get_str(j, "ats", true, &r->ats) != 0 ||
      get_words(j, "tags", &r->tags) != 0 ||
      get_words(j, "causes", &r->causes) != 0 ||
      get_str(j, "pending", true, &r->pending) != 0 ||
      get_str(j, "message", true, &r->message) != 0 ||
      get_str(j, "excerpt", true, &r->excerpt) != 0 ||
      get_str(j, "repro", true, &r->repro) != 0)
    return -1;
  /* The trace is there only when it was asked for. */
  if (cJSON_GetObjectItemCaseSensitive(j, "trace") != NULL &&
      get_str(j, "trace", true, &r->trace) != 0)
    return -1;
  return 0;
}

int scn_result_from_json(const cJSON *j, struct scn_result *r)
{
  memset(r, 0, sizeof *r);
  if (!cJSON_IsObject(j))
    return -1;
  double vms, wall;
  if (get_strings(j, r) != 0 || get_seed(j, &r->seed) != 0 ||
      get_int(j, "repeat", &r->repeat) != 0 ||
      get_verdict(j, &r->verdict) != 0 || get_hash(j, &r->hash) != 0 ||
      get_num(j, "virtual_ms", 0, 9007199254740992.0, false, &vms) != 0 ||
      get_num(j, "wall_ms", 0, 1e15, true, &wall) != 0 ||
      get_requests(j, r) != 0 ||
      get_int(j, "expectations", &r->expectations) != 0 ||
      get_int(j, "checks", &r->checks) != 0) {
    scn_result_free(r);
    return -1;
  }
  r->virtual_ms = (int64_t)vms;
  r->wall_ms = wall;
  return 0;
}

/* ---- terminal ------------------------------------------------------------ */

void scn_summary_add(struct scn_summary *s, const struct scn_result *r)
{
  s->runs++;
  switch (r->verdict) {
  case SCN_PASS:
    s->passed++;
    break;
  case SCN_FAIL:
    s->failed++;
    break;
  case SCN_PENDING:
    s->pending++;
    break;
  case SCN_PENDING_PASSED:
    s->passed_but_pending++;
    break;
  case SCN_ERROR:
  default:
    s->errors++;
    break;
  }
  if (r->virtual_ms > 0)
    s->virtual_ms += r->virtual_ms;
}

/* Each line of 'text' after 'indent'; a final newline is not a line. */
static void write_indented(FILE *f, const char *indent, const char *text)
{
  const char *p = text;
  while (p != NULL && *p != '\0') {
    size_t n = strcspn(p, "\n");
    fprintf(f, "%s%.*s\n", indent, (int)n, p);
    p += n;
    if (*p == '\n')
      p++;
  }
}

static void write_wall(FILE *f, double ms)
{
  if (ms < 10)
    fprintf(f, "%.1f ms", ms);
  else if (ms < 10000)
    fprintf(f, "%.0f ms", ms);
  else
    fprintf(f, "%.1f s", ms / 1000);
}

static void write_run_line(FILE *f, const struct scn_result *r,
                           bool repeating)
{
  char dur[SCN_DURATION_BUF];
  fprintf(f, "%-5s %s [%s]", scn_verdict_label(r->verdict),
          r->file != NULL ? r->file : "?", r->ats != NULL ? r->ats : "?");
  if (repeating)
    fprintf(f, " #%d", r->repeat + 1);
  fprintf(f, " seed %" PRIu64 " · %s simulated · ", r->seed,
          scn_duration_str(r->virtual_ms, dur, sizeof dur));
  write_wall(f, r->wall_ms);
  fprintf(f, " · hash %016" PRIx64 "\n", r->hash);
}

static void write_failure_block(FILE *f, const struct scn_result *r)
{
  if (r->message != NULL && r->message[0] != '\0')
    write_indented(f, "  ", r->message);
  else if (r->verdict == SCN_PENDING_PASSED)
    fputs("  passes but is marked pending: remove its pending line\n", f);
  else
    fputs("  (no message)\n", f);
  if (r->excerpt != NULL && r->excerpt[0] != '\0') {
    fputs("  trace around the failure:\n", f);
    write_indented(f, "    ", r->excerpt);
  }
  if (r->repro != NULL && r->repro[0] != '\0')
    fprintf(f, "  reproduce: %s\n", r->repro);
}

void scn_report_run(FILE *f, const struct scn_result *r, bool repeating,
                    bool quiet, bool with_trace)
{
  bool failed = scn_verdict_is_failure(r->verdict);
  if (quiet && !failed)
    return;
  write_run_line(f, r, repeating);
  if (failed)
    write_failure_block(f, r);
  if (with_trace && r->trace != NULL) {
    fputs("  trace:\n", f);
    write_indented(f, "    ", r->trace);
  }
}

static bool same_str(const char *a, const char *b)
{
  return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

void scn_report_pending(FILE *f, const struct scn_result *rs, size_t n)
{
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    if (rs[i].verdict != SCN_PENDING)
      continue;
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++)
      seen = rs[k].verdict == SCN_PENDING && same_str(rs[k].file, rs[i].file);
    if (seen)
      continue;
    if (!any)
      fputs("pending (failing as expected; not counted as failures):\n", f);
    any = true;
    fprintf(f, "  %s [", rs[i].file != NULL ? rs[i].file : "?");
    /* every personality it was pending on, once each */
    bool first = true;
    for (size_t k = i; k < n; k++) {
      if (rs[k].verdict != SCN_PENDING || !same_str(rs[k].file, rs[i].file))
        continue;
      bool dup = false;
      for (size_t m = i; m < k && !dup; m++)
        dup = rs[m].verdict == SCN_PENDING &&
              same_str(rs[m].file, rs[i].file) &&
              same_str(rs[m].ats, rs[k].ats);
      if (dup)
        continue;
      fprintf(f, "%s%s", first ? "" : " ", rs[k].ats != NULL ? rs[k].ats : "?");
      first = false;
    }
    fprintf(f, "]: %s\n", rs[i].pending != NULL ? rs[i].pending : "");
  }
}

void scn_report_summary(FILE *f, const struct scn_summary *s)
{
  char dur[SCN_DURATION_BUF];
  /* always the plural words: scripts read this line */
  fprintf(f, "%zu scenarios, %zu runs: %zu passed, %zu failed, %zu errors, "
             "%zu pending",
          s->scenarios, s->runs, s->passed, s->failed, s->errors, s->pending);
  if (s->passed_but_pending > 0)
    fprintf(f, ", %zu passed-but-pending", s->passed_but_pending);
  fprintf(f, " · %s simulated in %.2f s wall",
          scn_duration_str(s->virtual_ms, dur, sizeof dur),
          s->wall_ms / 1000);
  if (s->wall_ms > 0 && s->virtual_ms > 0) {
    double ratio = (double)s->virtual_ms / s->wall_ms;
    fprintf(f, " (%.*f× real time)", ratio >= 100 ? 0 : ratio >= 10 ? 1 : 2,
            ratio);
  }
  fputc('\n', f);
}

/* ---- XML ----------------------------------------------------------------- */

/* Decode one UTF-8 character (strictly: no overlongs, no surrogates, at
 * most U+10FFFF). Returns its length, or 0 when 'p' does not start one. */
static size_t utf8_decode(const unsigned char *p, uint32_t *cp)
{
  unsigned char b = p[0];
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
    *cp = b & 0x1Fu;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    *cp = b & 0x0Fu;
    if (b == 0xE0)
      lo = 0xA0;
    else if (b == 0xED)
      hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    *cp = b & 0x07u;
    if (b == 0xF0)
      lo = 0x90;
    else if (b == 0xF4)
      hi = 0x8F;
  } else {
    return 0;
  }
  if (p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 1; i < n; i++) {
    if (i > 1 && (p[i] < 0x80 || p[i] > 0xBF))
      return 0;
    *cp = (*cp << 6) | (p[i] & 0x3Fu);
  }
  return n;
}

static bool xml_allowed(uint32_t c)
{
  return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

void scn_xml_write(FILE *f, const char *s, bool attr)
{
  const unsigned char *p = (const unsigned char *)s;
  while (p != NULL && *p != '\0') {
    uint32_t c;
    size_t n = utf8_decode(p, &c);
    if (n == 0) {
      fputs("\xEF\xBF\xBD", f); /* U+FFFD for a byte that is not UTF-8 */
      p++;
      continue;
    }
    if (!xml_allowed(c)) {
      p += n;
      continue;
    }
    switch (c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    case '\r': fputs("&#13;", f); break;
    case '\t':
    case '\n':
      if (attr)
        fprintf(f, "&#%u;", (unsigned)c);
      else
        fputc((int)c, f);
      break;
    default:
      fwrite(p, 1, n, f);
      break;
    }
    p += n;
  }
}

char *scn_xml_escape(const char *s, bool attr)
{
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  if (f == NULL)
    return NULL;
  scn_xml_write(f, s, attr);
  if (fclose(f) != 0) {
    free(out);
    return NULL;
  }
  return out;
}

/* ---- JUnit --------------------------------------------------------------- */

/* The length of the folder part of a path ("a/b/c.scn" -> 3), 0 if none. */
static size_t folder_len(const char *path)
{
  const char *slash = path != NULL ? strrchr(path, '/') : NULL;
  return slash != NULL ? (size_t)(slash - path) : 0;
}

static bool same_folder(const char *a, const char *b)
{
  size_t la = folder_len(a), lb = folder_len(b);
  return la == lb && (la == 0 || memcmp(a, b, la) == 0);
}

/* The folder of 'path' ("." when it has none) into a new string. */
static char *folder_of(const char *path)
{
  size_t n = folder_len(path);
  return n == 0 ? strdup(".") : strndup(path, n);
}

struct junit_counts {
  size_t tests, failures, errors, skipped;
  double seconds;
};

static void junit_count(struct junit_counts *c, const struct scn_result *r)
{
  c->tests++;
  if (r->verdict == SCN_FAIL || r->verdict == SCN_PENDING_PASSED)
    c->failures++;
  else if (r->verdict == SCN_ERROR)
    c->errors++;
  else if (r->verdict == SCN_PENDING)
    c->skipped++;
  c->seconds += r->wall_ms / 1000;
}

static void junit_counts_attrs(FILE *f, const struct junit_counts *c)
{
  fprintf(f, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\""
             " time=\"%.3f\"",
          c->tests, c->failures, c->errors, c->skipped, c->seconds);
}

static void junit_property(FILE *f, const char *name, const char *value)
{
  fprintf(f, "        <property name=\"%s\" value=\"", name);
  scn_xml_write(f, value, true);
  fputs("\"/>\n", f);
}

/* The body of a <failure> or <error>: message, excerpt, reproduce. */
static void junit_problem(FILE *f, const char *tag, const char *type,
                          const char *message, const struct scn_result *r)
{
  const char *msg = message;
  if (msg == NULL)
    msg = r->message != NULL ? r->message : "";
  size_t first = strcspn(msg, "\n");
  char *line = strndup(msg, first);
  fprintf(f, "      <%s message=\"", tag);
  scn_xml_write(f, line != NULL ? line : "", true);
  fprintf(f, "\" type=\"%s\">", type);
  free(line);
  if (r->message != NULL) {
    scn_xml_write(f, r->message, false);
    fputc('\n', f);
  }
  if (r->excerpt != NULL && r->excerpt[0] != '\0') {
    fputs("trace around the failure:\n", f);
    scn_xml_write(f, r->excerpt, false);
    fputc('\n', f);
  }
  if (r->repro != NULL) {
    fputs("reproduce: ", f);
    scn_xml_write(f, r->repro, false);
    fputc('\n', f);
  }
  fprintf(f, "</%s>\n", tag);
}

static void junit_testcase(FILE *f, const struct scn_result *r,
                           bool repeating, const char *classname)
{
  char rep[24] = "";
  if (repeating)
    snprintf(rep, sizeof rep, " #%d", r->repeat + 1);
  char *name = NULL;
  if (asprintf(&name, "%s [%s]%s", r->title != NULL ? r->title : "",
               r->ats != NULL ? r->ats : "", rep) < 0)
    name = NULL;
  fputs("    <testcase name=\"", f);
  scn_xml_write(f, name != NULL ? name : "", true);
  free(name);
  fputs("\" classname=\"", f);
  scn_xml_write(f, classname, true);
  fputs("\" file=\"", f);
  scn_xml_write(f, r->file, true);
  fprintf(f, "\" time=\"%.3f\">\n", r->wall_ms / 1000);

  char seed[24], hash[24], vms[24];
  snprintf(seed, sizeof seed, "%" PRIu64, r->seed);
  snprintf(hash, sizeof hash, "%016" PRIx64, r->hash);
  snprintf(vms, sizeof vms, "%lld", (long long)r->virtual_ms);
  fputs("      <properties>\n", f);
  junit_property(f, "seed", seed);
  junit_property(f, "hash", hash);
  junit_property(f, "virtual_ms", vms);
  fputs("      </properties>\n", f);

  if (r->verdict == SCN_FAIL) {
    junit_problem(f, "failure", "expectation", NULL, r);
  } else if (r->verdict == SCN_ERROR) {
    junit_problem(f, "error", "error", NULL, r);
  } else if (r->verdict == SCN_PENDING_PASSED) {
    junit_problem(f, "failure", "pending-passed",
                  "passes but is marked pending: remove its pending line", r);
  } else if (r->verdict == SCN_PENDING) {
    fputs("      <skipped message=\"pending: ", f);
    scn_xml_write(f, r->pending, true);
    fputs("\"/>\n", f);
  }
  if (r->trace != NULL) {
    fputs("      <system-out>", f);
    scn_xml_write(f, r->trace, false);
    fputs("</system-out>\n", f);
  }
  fputs("    </testcase>\n", f);
}

/* The suite of the folder of rs[first]: every later run in that folder. */
static void junit_suite(FILE *f, const struct scn_result *rs, size_t n,
                        size_t first, bool repeating)
{
  struct junit_counts c = {0};
  for (size_t i = first; i < n; i++)
    if (same_folder(rs[i].file, rs[first].file))
      junit_count(&c, &rs[i]);
  char *folder = folder_of(rs[first].file);
  char *cls = folder != NULL ? strdup(folder) : NULL;
  for (char *p = cls; p != NULL && *p != '\0'; p++)
    if (*p == '/')
      *p = '.';
  fputs("  <testsuite name=\"", f);
  scn_xml_write(f, folder != NULL ? folder : ".", true);
  fputc('"', f);
  junit_counts_attrs(f, &c);
  fputs(">\n", f);
  for (size_t i = first; i < n; i++)
    if (same_folder(rs[i].file, rs[first].file))
      junit_testcase(f, &rs[i], repeating, cls != NULL ? cls : ".");
  fputs("  </testsuite>\n", f);
  free(folder);
  free(cls);
}

int scn_report_junit(FILE *f, const struct scn_result *rs, size_t n,
                     bool repeating, const struct scn_summary *s)
{
  struct junit_counts all = {0};
  for (size_t i = 0; i < n; i++)
    junit_count(&all, &rs[i]);
  if (s != NULL)
    all.seconds = s->wall_ms / 1000;
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
  fputs("<testsuites name=\"atsim\"", f);
  junit_counts_attrs(f, &all);
  fputs(">\n", f);
  for (size_t i = 0; i < n; i++) {
    bool seen = false;
    for (size_t k = 0; k < i && !seen; k++)
      seen = same_folder(rs[k].file, rs[i].file);
    if (!seen)
      junit_suite(f, rs, n, i, repeating);
  }
  fputs("</testsuites>\n", f);
  return ferror(f) ? -1 : 0;
}

/* ---- the JSON report ----------------------------------------------------- */

static cJSON *summary_json(const struct scn_summary *s)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL)
    return NULL;
  bool ok = add_num(o, "scenarios", (double)s->scenarios) &&
            add_num(o, "runs", (double)s->runs) &&
            add_num(o, "passed", (double)s->passed) &&
            add_num(o, "failed", (double)s->failed) &&
            add_num(o, "errors", (double)s->errors) &&
            add_num(o, "pending", (double)s->pending) &&
            add_num(o, "passed_but_pending", (double)s->passed_but_pending) &&
            add_num(o, "virtual_ms", (double)s->virtual_ms) &&
            add_ms(o, "wall_ms", s->wall_ms);
  if (!ok) {
    cJSON_Delete(o);
    return NULL;
  }
  return o;
}

cJSON *scn_report_json(const struct scn_result *rs, size_t n,
                       const struct scn_summary *s)
{
  cJSON *o = cJSON_CreateObject();
  if (o == NULL)
    return NULL;
  cJSON *sum = NULL, *runs = NULL;
  if (cJSON_AddNumberToObject(o, "version", 1) == NULL ||
      (sum = summary_json(s)) == NULL)
    goto fail;
  cJSON_AddItemToObject(o, "summary", sum);
  if ((runs = cJSON_AddArrayToObject(o, "runs")) == NULL)
    goto fail;
  for (size_t i = 0; i < n; i++) {
    cJSON *r = scn_result_json(&rs[i], false);
    if (r == NULL)
      goto fail;
    cJSON_AddItemToArray(runs, r);
  }
  return o;
fail:
  cJSON_Delete(o);
  return NULL;
}
