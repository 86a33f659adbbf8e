/* util.c — small containers used across the sim, and the wire helpers
 * every personality needs (JSON answers, percent-coding, Basic and Bearer
 * credentials, query strings and form bodies). */
#include "sim_int.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void oom(void)
{
  fputs("atsim: out of memory\n", stderr);
  abort();
}

char *xstrdup(const char *s)
{
  if (s == NULL)
    return NULL;
  char *d = strdup(s);
  if (d == NULL)
    oom();
  return d;
}

void *xcalloc(size_t n, size_t sz)
{
  void *p = calloc(n ? n : 1, sz ? sz : 1);
  if (p == NULL)
    oom();
  return p;
}

void sim_setstr(char **dst, const char *src)
{
  char *copy = xstrdup(src);
  free(*dst);
  *dst = copy;
}

void vec_push(struct vec *a, void *p)
{
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 16;
    void **v = realloc(a->v, cap * sizeof *v);
    if (v == NULL)
      oom();
    a->v = v;
    a->cap = cap;
  }
  a->v[a->n++] = p;
}

void vec_free(struct vec *a)
{
  free(a->v);
  a->v = NULL;
  a->n = a->cap = 0;
}

void strv_add(struct strv *s, const char *x)
{
  char **v = realloc(s->v, (s->n + 1) * sizeof *v);
  if (v == NULL)
    oom();
  s->v = v;
  s->v[s->n++] = xstrdup(x);
}

bool strv_has(const struct strv *s, const char *x)
{
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->v[i], x) == 0)
      return true;
  return false;
}

bool strv_remove(struct strv *s, const char *x)
{
  for (size_t i = 0; i < s->n; i++) {
    if (strcmp(s->v[i], x) == 0) {
      free(s->v[i]);
      memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
      s->n--;
      return true;
    }
  }
  return false;
}

void strv_clear(struct strv *s)
{
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i]);
  free(s->v);
  s->v = NULL;
  s->n = 0;
}

void strv_copy(struct strv *dst, const struct strv *src)
{
  strv_clear(dst);
  for (size_t i = 0; i < src->n; i++)
    strv_add(dst, src->v[i]);
}

void strv_split(struct strv *s, const char *list)
{
  if (list == NULL)
    return;
  const char *p = list;
  while (*p) {
    while (*p == ',' || *p == ' ')
      p++;
    const char *e = p;
    while (*e && *e != ',' && *e != ' ')
      e++;
    if (e > p) {
      char buf[256];
      size_t n = (size_t)(e - p) < sizeof buf - 1 ? (size_t)(e - p)
                                                   : sizeof buf - 1;
      memcpy(buf, p, n);
      buf[n] = '\0';
      if (!strv_has(s, buf))
        strv_add(s, buf);
    }
    p = e;
  }
}

char *strv_join(const struct strv *s, const char *sep)
{
  size_t len = 1;
  for (size_t i = 0; i < s->n; i++)
    len += strlen(s->v[i]) + strlen(sep);
  char *out = xcalloc(1, len);
  for (size_t i = 0; i < s->n; i++) {
    if (i)
      strcat(out, sep);
    strcat(out, s->v[i]);
  }
  return out;
}

/* ---- idmap ------------------------------------------------------------- */

static size_t slot_of(int64_t k, size_t cap)
{
  uint64_t h = (uint64_t)k * UINT64_C(0x9E3779B97F4A7C15);
  return (size_t)(h >> 20) & (cap - 1);
}

static void idmap_grow(struct idmap *m)
{
  size_t cap = m->cap ? m->cap * 2 : 64;
  int64_t *keys = xcalloc(cap, sizeof *keys);
  void **vals = xcalloc(cap, sizeof *vals);
  for (size_t i = 0; i < m->cap; i++) {
    if (m->vals[i] == NULL)
      continue;
    size_t s = slot_of(m->keys[i], cap);
    while (vals[s] != NULL)
      s = (s + 1) & (cap - 1);
    keys[s] = m->keys[i];
    vals[s] = m->vals[i];
  }
  free(m->keys);
  free(m->vals);
  m->keys = keys;
  m->vals = vals;
  m->cap = cap;
}

void idmap_put(struct idmap *m, int64_t k, void *v)
{
  if ((m->n + 1) * 2 > m->cap)
    idmap_grow(m);
  size_t s = slot_of(k, m->cap);
  while (m->vals[s] != NULL && m->keys[s] != k)
    s = (s + 1) & (m->cap - 1);
  if (m->vals[s] == NULL)
    m->n++;
  m->keys[s] = k;
  m->vals[s] = v;
}

void *idmap_get(const struct idmap *m, int64_t k)
{
  if (m->cap == 0)
    return NULL;
  size_t s = slot_of(k, m->cap);
  while (m->vals[s] != NULL) {
    if (m->keys[s] == k)
      return m->vals[s];
    s = (s + 1) & (m->cap - 1);
  }
  return NULL;
}

void idmap_free(struct idmap *m)
{
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

/* ---- wire helpers shared by the personalities ------------------------------ */

struct at_resp *sim_json_resp(unsigned status, cJSON *body)
{
  struct at_resp *r = at_resp_new(status);
  size_t len;
  char *t = jprint(body, &len);
  cJSON_Delete(body);
  at_resp_body_take(r, "application/json; charset=utf-8", t, len);
  return r;
}

bool sim_path_match(const char *pat, const char *path, int (*ok)(int ch),
                    char *seg, size_t seglen)
{
  while (*pat && *path) {
    if (*pat == '{') {
      const char *pe = strchr(pat, '}');
      const char *e = path;
      while (*e && *e != '/' && (ok == NULL || ok((unsigned char)*e)))
        e++;
      size_t n = (size_t)(e - path);
      if (pe == NULL || n == 0 || n >= seglen)
        return false;
      memcpy(seg, path, n);
      seg[n] = '\0';
      pat = pe + 1;
      path = e;
      continue;
    }
    if (*pat != *path)
      return false;
    pat++;
    path++;
  }
  if (*path == '/' && path[1] == '\0')
    path++;
  return *pat == '\0' && *path == '\0';
}

int sim_hexval(int ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  ch = tolower(ch);
  return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

void sim_pct_decode(char *p)
{
  char *w = p;
  for (char *r = p; *r; r++) {
    if (*r == '%' && sim_hexval(r[1]) >= 0 && sim_hexval(r[2]) >= 0) {
      *w++ = (char)(sim_hexval(r[1]) * 16 + sim_hexval(r[2]));
      r += 2;
    } else {
      *w++ = *r == '+' ? ' ' : *r;
    }
  }
  *w = '\0';
}

void sim_url_put(char *out, size_t *o, size_t cap, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for (; *s && *o + 4 < cap; s++) {
    unsigned char ch = (unsigned char)*s;
    if (isalnum(ch) || strchr("-._~", ch)) {
      out[(*o)++] = (char)ch;
    } else {
      out[(*o)++] = '%';
      out[(*o)++] = hex[ch >> 4];
      out[(*o)++] = hex[ch & 15];
    }
  }
  out[*o] = '\0';
}

static bool copy_fit(char *dst, size_t len, const char *src)
{
  size_t n = strlen(src);
  if (n >= len)
    return false;
  memcpy(dst, src, n + 1);
  return true;
}

bool sim_basic_pair(const char *auth, char *user, size_t ul, char *pass,
                    size_t pl)
{
  if (auth == NULL || strncasecmp(auth, "Basic ", 6) != 0)
    return false;
  const char *b = auth + 6;
  while (*b == ' ')
    b++;
  size_t n = strlen(b);
  if (n == 0 || n > 512 || n % 4 != 0)
    return false;
  unsigned char dec[400];
  int dl = EVP_DecodeBlock(dec, (const unsigned char *)b, (int)n);
  if (dl < 0)
    return false;
  if (b[n - 1] == '=')
    dl--;
  if (n >= 2 && b[n - 2] == '=')
    dl--;
  dec[dl] = '\0';
  if (memchr(dec, '\0', (size_t)dl) != NULL) /* no NUL inside credentials */
    return false;
  char *colon = strchr((char *)dec, ':');
  if (colon == NULL && pass != NULL)
    return false;
  if (colon)
    *colon = '\0';
  return copy_fit(user, ul, (char *)dec) &&
         (pass == NULL || copy_fit(pass, pl, colon + 1));
}

const char *sim_bearer(struct sim_call *c)
{
  const char *a = at_req_header(c->req, "Authorization");
  if (a == NULL || strncasecmp(a, "Bearer ", 7) != 0)
    return NULL;
  a += 7;
  while (*a == ' ')
    a++;
  return a;
}

bool sim_query_collect(void *ud, const char *k, const char *v)
{
  struct sim_query *q = ud;
  if (q->n == SIM_MAXQ) {
    q->overflow = true;
    return false;
  }
  q->kv[q->n].key = k;
  q->kv[q->n].value = v;
  q->n++;
  return true;
}

const char *sim_query_get(const struct sim_query *q, const char *k)
{
  for (size_t i = 0; i < q->n; i++)
    if (strcmp(q->kv[i].key, k) == 0)
      return q->kv[i].value;
  return NULL;
}

void sim_form_parse(struct sim_call *c, const char *qs, struct sim_query *q)
{
  char *copy = at_req_strdup(c->req, qs);
  char *save = NULL;
  for (char *tok = strtok_r(copy, "&", &save); tok && q->n < SIM_MAXQ;
       tok = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(tok, '=');
    char *v = eq ? eq + 1 : tok + strlen(tok);
    if (eq)
      *eq = '\0';
    sim_pct_decode(tok);
    sim_pct_decode(v);
    q->kv[q->n].key = tok;
    q->kv[q->n].value = v;
    q->n++;
  }
}
