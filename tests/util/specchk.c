/* specchk.c — a JSON body against an OpenAPI schema (see specchk.h). */
#include "specchk.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 40 /* schemas may refer to themselves */

static const cJSON *get(const cJSON *o, const char *k)
{
  return cJSON_GetObjectItemCaseSensitive(o, k);
}

cJSON *specchk_load(const char *rel)
{
  const char *dir = getenv("ATSIM_SRCDIR");
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", rel);
  FILE *fp = fopen(path, "rb");
  if (fp == NULL)
    fail_msg("cannot open %s (run from the repository root or set "
             "ATSIM_SRCDIR)", path);
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
  buf[n] = '\0';
  fclose(fp);
  cJSON *j = cJSON_Parse(buf);
  free(buf);
  if (j == NULL)
    fail_msg("%s is not JSON", path);
  return j;
}

static const cJSON *pointer(const cJSON *doc, const char *ref, int depth)
{
  if (depth > 32 || strncmp(ref, "#/", 2) != 0)
    return NULL;
  const cJSON *o = doc;
  const char *p = ref + 2;
  char part[256];
  while (*p && o) {
    size_t n = 0;
    for (; *p && *p != '/' && n + 1 < sizeof part; p++) {
      if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
        part[n++] = p[1] == '1' ? '/' : '~';
        p++;
      } else {
        part[n++] = *p;
      }
    }
    part[n] = '\0';
    if (*p == '/')
      p++;
    const cJSON *r;
    while (o && cJSON_IsString(r = get(o, "$ref")))
      o = pointer(doc, r->valuestring, depth + 1);
    if (o != NULL)
      o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(part)) : get(o, part);
  }
  return o;
}

const cJSON *specchk_at(const cJSON *doc, const char *ptr)
{
  return pointer(doc, ptr, 0);
}

const cJSON *specchk_schema(const cJSON *doc, const char *name)
{
  return get(get(get(doc, "components"), "schemas"), name);
}

const cJSON *specchk_response(const cJSON *doc, const char *route,
                              const char *method, const char *status)
{
  char esc[256], ptr[512];
  size_t n = 0;
  for (const char *c = route; *c && n + 3 < sizeof esc; c++) {
    if (*c == '/' || *c == '~') {
      esc[n++] = '~';
      esc[n++] = *c == '/' ? '1' : '0';
    } else {
      esc[n++] = *c;
    }
  }
  esc[n] = '\0';
  snprintf(ptr, sizeof ptr,
           "#/paths/%s/%s/responses/%s/content/application~1json/schema", esc,
           method, status);
  const cJSON *s = pointer(doc, ptr, 0);
  if (s == NULL)
    fail_msg("no %s schema for %s %s in the spec", status, method, route);
  return s;
}

static void vproblem(struct specchk *k, const char *path, const char *fmt,
                     va_list ap)
{
  k->count++;
  if (k->len >= sizeof k->errors - 200)
    return;
  k->len += (size_t)snprintf(k->errors + k->len, sizeof k->errors - k->len,
                             "  %s: ", path);
  k->len += (size_t)vsnprintf(k->errors + k->len, sizeof k->errors - k->len,
                              fmt, ap);
  k->len += (size_t)snprintf(k->errors + k->len, sizeof k->errors - k->len,
                             "\n");
}

void specchk_problem(struct specchk *k, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vproblem(k, path, fmt, ap);
  va_end(ap);
}

/* A mismatch, unless the spec says it is one of its known defects. */
static void mismatch(struct specchk *k, enum specchk_kind kind,
                     const struct specchk_site *at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void mismatch(struct specchk *k, enum specchk_kind kind,
                     const struct specchk_site *at, const char *fmt, ...)
{
  if (k->rules && k->rules->known_defect && k->rules->known_defect(kind, at))
    return;
  va_list ap;
  va_start(ap, fmt);
  vproblem(k, at->path, fmt, ap);
  va_end(ap);
}

static const char *json_type(const cJSON *v)
{
  if (cJSON_IsString(v))
    return "string";
  if (cJSON_IsBool(v))
    return "boolean";
  if (cJSON_IsNumber(v) || cJSON_IsRaw(v))
    return "number";
  if (cJSON_IsArray(v))
    return "array";
  if (cJSON_IsObject(v))
    return "object";
  return "null";
}

/* 'v' is of the type named t (any type the checker does not know fits). */
static bool type_ok(const char *t, const cJSON *v)
{
  const char *have = json_type(v);
  if (!strcmp(t, "integer"))
    t = "number";
  if (!strcmp(t, "string") || !strcmp(t, "number") || !strcmp(t, "boolean") ||
      !strcmp(t, "array") || !strcmp(t, "object") || !strcmp(t, "null"))
    return !strcmp(t, have);
  return true;
}

/* The schema's type(s) as text: "string", "string or null". */
static const char *type_names(const cJSON *type, char *buf, size_t len)
{
  if (cJSON_IsString(type))
    return type->valuestring;
  size_t n = 0;
  const cJSON *t;
  buf[0] = '\0';
  cJSON_ArrayForEach(t, type)
  {
    if (cJSON_IsString(t) && n < len)
      n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " or " : "",
                            t->valuestring);
  }
  return buf;
}

static bool null_ok(const cJSON *schema)
{
  const cJSON *type = get(schema, "type"), *t;
  if (cJSON_IsTrue(get(schema, "nullable")))
    return true;
  if (cJSON_IsString(type))
    return !strcmp(type->valuestring, "null");
  if (!cJSON_IsArray(type))
    return true;
  cJSON_ArrayForEach(t, type)
  {
    if (cJSON_IsString(t) && !strcmp(t->valuestring, "null"))
      return true;
  }
  return false;
}

bool specchk_is_uuid(const char *s)
{
  if (s == NULL || strlen(s) != 36)
    return false;
  for (int i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !strchr("0123456789abcdef", s[i]))
      return false;
  }
  return true;
}

static const cJSON *resolve(const cJSON *doc, const cJSON *s)
{
  const cJSON *r;
  for (int guard = 0; s && cJSON_IsString(r = get(s, "$ref")) && guard < 32;
       guard++)
    s = pointer(doc, r->valuestring, 0);
  return s;
}

static void walk(struct specchk *k, const cJSON *schema,
                 const struct specchk_site *at, int depth);

/* Some alternative fits; otherwise the first one's mismatches are told. */
static void alternatives(struct specchk *k, const cJSON *alts,
                         const struct specchk_site *at, int depth)
{
  char first[1024] = "";
  const cJSON *alt;
  cJSON_ArrayForEach(alt, alts)
  {
    struct specchk sub = {.doc = k->doc, .rules = k->rules};
    walk(&sub, alt, at, depth + 1);
    if (sub.count == 0)
      return;
    if (!first[0])
      snprintf(first, sizeof first, "%s", sub.errors);
  }
  mismatch(k, SPECCHK_ONEOF, at,
           "matches no alternative of oneOf/anyOf; the first:\n%s", first);
}

/* The value has the schema's type, or one of its types. */
static bool typed(struct specchk *k, const cJSON *schema,
                  const struct specchk_site *at)
{
  const cJSON *type = get(schema, "type"), *t;
  bool ok = true;
  if (cJSON_IsString(type))
    ok = type_ok(type->valuestring, at->value);
  else if (cJSON_IsArray(type)) {
    ok = false;
    cJSON_ArrayForEach(t, type) ok |=
        cJSON_IsString(t) && type_ok(t->valuestring, at->value);
  }
  if (!ok) {
    char names[128];
    mismatch(k, SPECCHK_TYPE, at, "expected %s, got %s",
             type_names(type, names, sizeof names), json_type(at->value));
  }
  return ok;
}

static void member(struct specchk *k, const cJSON *schema,
                   const struct specchk_site *at, const char *name,
                   const cJSON *v, int depth)
{
  char path[256];
  snprintf(path, sizeof path, "%s.%s", at->path, name);
  struct specchk_site m = {path, at->path, name, v};
  walk(k, schema, &m, depth + 1);
}

/* 'why': "required" or "named". */
static void missing(struct specchk *k, const struct specchk_site *at,
                    const char *name, const char *why)
{
  char path[256];
  snprintf(path, sizeof path, "%s.%s", at->path, name);
  struct specchk_site m = {path, at->path, name, NULL};
  mismatch(k, SPECCHK_MISSING, &m, "missing (%s by the spec)", why);
}

static bool listed(const cJSON *names, const char *name)
{
  const cJSON *e;
  cJSON_ArrayForEach(e, names)
  {
    if (cJSON_IsString(e) && !strcmp(e->valuestring, name))
      return true;
  }
  return false;
}

/* The members of an object: those required (or, with every_property, all
 * it names) are there, and each member the schema describes fits. */
static void members(struct specchk *k, const cJSON *schema,
                    const struct specchk_site *at, int depth)
{
  const cJSON *v = at->value, *e;
  const cJSON *req = get(schema, "required");
  const cJSON *props = get(schema, "properties");
  const cJSON *addl = get(schema, "additionalProperties");
  cJSON_ArrayForEach(e, req)
  {
    if (cJSON_IsString(e) && get(v, e->valuestring) == NULL)
      missing(k, at, e->valuestring, "required");
  }
  cJSON_ArrayForEach(e, props)
  {
    const cJSON *mine = get(v, e->string);
    if (mine != NULL)
      member(k, e, at, e->string, mine, depth);
    else if (k->rules && k->rules->every_property && !listed(req, e->string))
      missing(k, at, e->string, "named");
  }
  if (!cJSON_IsObject(addl))
    return;
  cJSON_ArrayForEach(e, v)
  {
    if (get(props, e->string) == NULL)
      member(k, addl, at, e->string, e, depth);
  }
}

static void walk(struct specchk *k, const cJSON *schema,
                 const struct specchk_site *at, int depth)
{
  const cJSON *v = at->value, *e;
  schema = resolve(k->doc, schema);
  if (schema == NULL || depth > MAX_DEPTH)
    return;
  if (cJSON_IsNull(v)) {
    char names[128];
    if (k->rules && k->rules->null_declared && !null_ok(schema))
      mismatch(k, SPECCHK_NULL, at, "expected %s, got null",
               type_names(get(schema, "type"), names, sizeof names));
    return;
  }
  cJSON_ArrayForEach(e, get(schema, "allOf")) walk(k, e, at, depth + 1);
  const cJSON *alts = get(schema, "oneOf");
  if (alts == NULL)
    alts = get(schema, "anyOf");
  if (cJSON_IsArray(alts))
    alternatives(k, alts, at, depth);
  if (!typed(k, schema, at))
    return;
  const cJSON *fmt = get(schema, "format");
  if (cJSON_IsString(fmt) && !strcmp(fmt->valuestring, "uuid") &&
      cJSON_IsString(v) && !specchk_is_uuid(v->valuestring))
    mismatch(k, SPECCHK_FORMAT, at, "expected a uuid, got '%s'",
             v->valuestring);
  const cJSON *enm = get(schema, "enum");
  if (cJSON_IsArray(enm) && cJSON_IsString(v) && !listed(enm, v->valuestring))
    mismatch(k, SPECCHK_ENUM, at, "expected one of the enum, got '%s'",
             v->valuestring);
  if (cJSON_IsObject(v))
    members(k, schema, at, depth);
  if (cJSON_IsArray(v)) {
    const cJSON *items = get(schema, "items");
    char path[256];
    int i = 0;
    cJSON_ArrayForEach(e, v)
    {
      snprintf(path, sizeof path, "%s[%d]", at->path, i++);
      struct specchk_site item = {path, at->path, NULL, e};
      walk(k, items, &item, depth + 1);
    }
  }
}

int specchk_check(struct specchk *k, const cJSON *schema, const cJSON *v,
                  const char *path)
{
  struct specchk_site root = {path, "", NULL, v};
  walk(k, schema, &root, 0);
  return k->count;
}
