/* json.c — cJSON helpers. Ids are 64-bit integers: they are written as raw
 * integer literals and read back exactly, never through a lossy double. */
#include "sim_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"

/* Decimal digits of v into buf (at least 24 bytes); no printf on this hot
 * path. */
static const char *i64_str(int64_t v, char *buf)
{
  char *p = buf + 23;
  *p = '\0';
  uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0)
    *--p = '-';
  return p;
}

cJSON *jid(int64_t id)
{
  char buf[24];
  return cJSON_CreateRaw(i64_str(id, buf));
}

/* Keys passed to the jput_* and jadd_* helpers are string literals (or
 * otherwise outlive the tree): cJSON keeps a pointer instead of a copy,
 * which halves the allocations of a rendering. */
static void put(cJSON *o, const char *k, cJSON *v)
{
  cJSON_AddItemToObjectCS(o, k, v);
}

void jput_id(cJSON *o, const char *k, int64_t id)
{
  put(o, k, id ? jid(id) : cJSON_CreateNull());
}

void jput_str(cJSON *o, const char *k, const char *s)
{
  put(o, k, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

void jadd(cJSON *o, const char *k, cJSON *item) { put(o, k, item); }

void jadd_null(cJSON *o, const char *k) { put(o, k, cJSON_CreateNull()); }

cJSON *jadd_arr(cJSON *o, const char *k)
{
  cJSON *a = cJSON_CreateArray();
  put(o, k, a);
  return a;
}

cJSON *jadd_obj(cJSON *o, const char *k)
{
  cJSON *a = cJSON_CreateObject();
  put(o, k, a);
  return a;
}

void jput_time(cJSON *o, const char *k, int64_t ms)
{
  char buf[AT_TIME_BUF];
  if (ms == 0)
    put(o, k, cJSON_CreateNull());
  else
    put(o, k, cJSON_CreateString(at_time_iso8601(ms, true, buf)));
}

void jput_date(cJSON *o, const char *k, int64_t ms)
{
  char buf[AT_TIME_BUF];
  at_time_iso8601(ms, false, buf);
  buf[10] = '\0';
  put(o, k, cJSON_CreateString(buf));
}

void jput_bool(cJSON *o, const char *k, bool b)
{
  put(o, k, cJSON_CreateBool(b));
}

void jput_int(cJSON *o, const char *k, long v)
{
  char buf[24];
  put(o, k, cJSON_CreateRaw(i64_str(v, buf)));
}

int parse_id(const char *s, int64_t *out)
{
  if (s == NULL || *s == '\0' || strlen(s) > 18)
    return -1;
  int64_t v = 0;
  for (const char *p = s; *p; p++) {
    if (!isdigit((unsigned char)*p))
      return -1;
    v = v * 10 + (*p - '0');
  }
  *out = v;
  return 0;
}

int jget_id(const cJSON *o, const char *k, int64_t *out)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (v == NULL || cJSON_IsNull(v))
    return 1;
  if (cJSON_IsString(v))
    return parse_id(v->valuestring, out);
  if (!cJSON_IsNumber(v))
    return -1;
  double d = v->valuedouble;
  if (d != floor(d) || fabs(d) >= 9007199254740992.0)
    return -1;
  *out = (int64_t)d;
  return 0;
}

const char *jget_str(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

bool jbad_str(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return v != NULL && !cJSON_IsNull(v) && !cJSON_IsString(v);
}

cJSON *jparse(const char *body, size_t len, char *err, size_t errlen)
{
  const char *end = NULL;
  /* body is NUL-terminated by the server; the length bounds the parse */
  cJSON *j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
  if (j != NULL && end != NULL) { /* only whitespace may follow ("{}{}") */
    while (end < body + len && *end && strchr(" \t\r\n", *end))
      end++;
    if (end < body + len) {
      cJSON_Delete(j);
      j = NULL;
    }
  }
  if (j == NULL) {
    size_t off = end && end >= body ? (size_t)(end - body) : 0;
    snprintf(err, errlen, "Malformed JSON at byte %zu", off);
  }
  return j;
}

char *jprint(const cJSON *j, size_t *len)
{
  /* one buffer big enough for most answers: fewer reallocations */
  char *s = cJSON_PrintBuffered(j, 4096, 0);
  if (s == NULL) {
    fputs("atsim: out of memory\n", stderr);
    abort();
  }
  if (len)
    *len = strlen(s);
  return s;
}
