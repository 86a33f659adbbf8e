/* wire.c — the plumbing every connector shares (see wire.h): written once
 * so that a new ATS is its wire format alone, and so that the rules that
 * keep secrets and records safe (the whole-authority check before a next
 * page, no signature without a secret, ids fit for a URL path) cannot
 * drift apart between connectors. */
#include "wire.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"
#include "at_json.h"

/* ---- reading records ------------------------------------------------------ */

void wire_fail(struct wire_rd *rd, const char *path, const char *k,
               const char *what)
{
  if (rd->err[0] == '\0')
    snprintf(rd->err, sizeof rd->err, "'%s%s%s' %s", path,
             path[0] && k[0] ? "." : "", k, what);
}

void wire_path(char *buf, size_t len, const char *path, const char *k)
{
  snprintf(buf, len, "%s%s%s", path, path[0] ? "." : "", k);
}

const cJSON *wire_get(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNull(v) ? NULL : v;
}

void wire_copy(char *dst, size_t len, const char *src)
{
  size_t n = src ? strlen(src) : 0;
  if (n >= len) {
    n = len - 1;
    while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
      n--; /* src[n] is the first byte left out: not a continuation */
  }
  if (n)
    memcpy(dst, src, n);
  dst[n] = '\0';
}

bool wire_token_ok(const char *s, size_t cap)
{
  size_t n = strlen(s);
  if (n == 0 || n >= cap)
    return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
      return false;
  return true;
}

int wire_id(struct wire_rd *rd, const cJSON *o, const char *path,
            const char *k, char *buf, size_t len, bool required)
{
  static const struct wire_ids any = {.numbers = true,
                                      .not_id = "is not an id"};
  const struct wire_ids *ids = rd->ids ? rd->ids : &any;
  const cJSON *v = wire_get(o, k);
  buf[0] = '\0';
  if (v == NULL) {
    if (required)
      wire_fail(rd, path, k, "is missing");
    return 1;
  }
  /* at_json_id_item: a token string, or a whole number below 2^53 that
   * never went through a lossy double; no record has a negative id */
  bool ok = (cJSON_IsString(v) || (ids->numbers && cJSON_IsNumber(v) &&
                                   v->valuedouble >= 0)) &&
            at_json_id_item(v, buf, len) == 0;
  if (!ok) {
    buf[0] = '\0';
    wire_fail(rd, path, k, ids->not_id);
    return -1;
  }
  return 0;
}

void wire_str(struct wire_rd *rd, const cJSON *o, const char *path,
              const char *k, char *buf, size_t len)
{
  const cJSON *v = wire_get(o, k);
  buf[0] = '\0';
  if (v == NULL)
    return;
  if (!cJSON_IsString(v))
    wire_fail(rd, path, k, "is not a string");
  else
    wire_copy(buf, len, v->valuestring);
}

int64_t wire_time(struct wire_rd *rd, const cJSON *o, const char *path,
                  const char *k)
{
  const cJSON *v = wire_get(o, k);
  int64_t ms = 0;
  if (v && (!cJSON_IsString(v) ||
            at_time_parse_iso8601(v->valuestring, &ms) != 0)) {
    wire_fail(rd, path, k, "is not an ISO-8601 time");
    return 0;
  }
  return ms;
}

bool wire_bool(struct wire_rd *rd, const cJSON *o, const char *path,
               const char *k)
{
  const cJSON *v = wire_get(o, k);
  if (v && !cJSON_IsBool(v))
    wire_fail(rd, path, k, "is not true or false");
  return cJSON_IsTrue(v);
}

const cJSON *wire_obj(struct wire_rd *rd, const cJSON *o, const char *path,
                      const char *k)
{
  const cJSON *v = wire_get(o, k);
  if (v && !cJSON_IsObject(v)) {
    wire_fail(rd, path, k, "is not an object");
    return NULL;
  }
  return v;
}

const cJSON *wire_need_obj(struct wire_rd *rd, const cJSON *o,
                           const char *path, const char *k)
{
  const cJSON *v = wire_obj(rd, o, path, k);
  if (v == NULL)
    wire_fail(rd, path, k, "is missing");
  return v;
}

size_t wire_contacts(struct wire_rd *rd, const cJSON *o, const char *path,
                     const char *k, char *out, size_t each, size_t max)
{
  const cJSON *a = wire_get(o, k), *e;
  if (a == NULL)
    return 0;
  if (!cJSON_IsArray(a)) {
    wire_fail(rd, path, k, "is not a list");
    return 0;
  }
  size_t n = 0;
  cJSON_ArrayForEach(e, a)
  {
    const char *val = at_json_str(e, "value");
    if (val == NULL) {
      wire_fail(rd, path, k, "has an entry without a string 'value'");
      return n;
    }
    if (n < max)
      wire_copy(out + each * n++, each, val);
  }
  return n;
}

void wire_full_name(const char *first, const char *last, char *buf,
                    size_t len)
{
  snprintf(buf, len, "%s%s%s", first ? first : "",
           first && *first && last && *last ? " " : "", last ? last : "");
}

void wire_split_name(const char *name, char *first, size_t flen, char *last,
                     size_t llen)
{
  const char *sp = strrchr(name, ' ');
  if (sp == NULL) {
    wire_copy(first, flen, name);
    last[0] = '\0';
    return;
  }
  /* the part before the space, cut like any copy when it does not fit */
  size_t n = (size_t)(sp - name);
  wire_copy(first, flen < n + 1 ? flen : n + 1, name);
  wire_copy(last, llen, sp + 1);
}

/* ---- building requests ---------------------------------------------------- */

void wire_enc(char *out, size_t cap, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = strlen(out);
  for (; s && *s && o + 4 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (isalnum(c) || strchr("-._~", c)) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
}

void wire_add_q(char *url, size_t cap, const char *k, const char *v)
{
  size_t o = strlen(url);
  snprintf(url + o, cap - o, "%s%s=", strchr(url, '?') ? "&" : "?", k);
  wire_enc(url, cap, v);
}

void wire_form_add(char *form, size_t cap, const char *k, const char *v)
{
  if (v == NULL)
    return;
  size_t o = strlen(form);
  snprintf(form + o, cap - o, "%s%s=", o ? "&" : "", k);
  wire_enc(form, cap, v);
}

void wire_json_body(struct http_req *r, cJSON *body)
{
  char *t = cJSON_PrintUnformatted(body);
  cJSON_Delete(body);
  http_req_body(r, "application/json", t ? t : "{}");
  free(t);
}

void wire_basic(struct http_req *r, const char *user, const char *pass)
{
  char userpass[512];
  snprintf(userpass, sizeof userpass, "%s:%s", user ? user : "",
           pass ? pass : "");
  unsigned char b64[4 * (sizeof userpass + 2) / 3 + 1];
  EVP_EncodeBlock(b64, (const unsigned char *)userpass, (int)strlen(userpass));
  http_req_header(r, "Authorization: Basic %s", (char *)b64);
}

void wire_bearer(struct http_req *r, const char *token)
{
  http_req_header(r, "Authorization: Bearer %s", token ? token : "");
}

bool wire_under_base(const char *base, const char *url)
{
  size_t bl = strlen(base);
  return strncmp(url, base, bl) == 0 &&
         (url[bl] == '\0' || url[bl] == '/' || url[bl] == '?');
}

int wire_later_page(int (*build_next)(const struct conn_view *, const char *,
                                      struct http_req *),
                    const struct conn_view *v, const char *url,
                    struct http_req *r, char *err, size_t errlen)
{
  if (build_next(v, url, r) != 0) {
    snprintf(err, errlen, "the ATS gave a next page on another host");
    return -1;
  }
  return 0;
}

/* ---- reading answers ------------------------------------------------------ */

bool wire_take_token(const cJSON *j, struct op_result *out)
{
  const char *at = at_json_str(j, "access_token");
  if (at == NULL || strlen(at) >= sizeof out->access_token)
    return false;
  snprintf(out->access_token, sizeof out->access_token, "%s", at);
  const char *rt = at_json_str(j, "refresh_token");
  if (rt && strlen(rt) < sizeof out->refresh_token)
    snprintf(out->refresh_token, sizeof out->refresh_token, "%s", rt);
  const cJSON *ei = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
  if (cJSON_IsNumber(ei))
    out->expires_in_ms = (int64_t)ei->valuedouble * 1000;
  return true;
}

bool wire_token_refused(enum op op, const struct http_resp *r,
                        const cJSON *j, const char *text,
                        struct op_result *out)
{
  if (op != OP_TOKEN || r->status < 400 || r->status >= 500 ||
      r->status == 429)
    return false;
  const char *e = at_json_str(j, "error");
  snprintf(out->what, sizeof out->what, "%s",
           e ? e : (text && text[0] ? text : "rejected"));
  out->outcome = OUT_AUTH;
  return true;
}

const char *wire_label(const struct wire_label *t, size_t n, const char *what)
{
  if (what == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    if (strcmp(what, t[i].field) == 0)
      return t[i].label;
  return NULL;
}

/* ---- webhooks ------------------------------------------------------------- */

cJSON *wire_event_json(const struct webhook_req *r, char *err, size_t errlen,
                       bool *syntax)
{
  char scratch[8];
  if (err == NULL) { /* the caller wants no reason */
    err = scratch;
    errlen = sizeof scratch;
  }
  if (syntax)
    *syntax = false;
  if (r->body == NULL || r->len == 0) {
    snprintf(err, errlen, "webhook payload: the body is empty");
    return NULL;
  }
  char *buf = malloc(r->len + 1);
  if (buf == NULL) {
    snprintf(err, errlen, "webhook payload: out of memory");
    return NULL;
  }
  memcpy(buf, r->body, r->len);
  buf[r->len] = '\0';
  cJSON *j = NULL;
  const char *end = NULL;
  if (strlen(buf) != r->len) {
    snprintf(err, errlen, "webhook payload: not JSON (a NUL byte at byte "
             "%zu)", strlen(buf));
  } else {
    /* the whole body, nothing after the value (the length counts our
     * NUL); cJSON copies what it keeps, so buf goes right after */
    j = cJSON_ParseWithLengthOpts(buf, r->len + 1, &end, 1);
    if (j == NULL) {
      size_t at = end && end >= buf ? (size_t)(end - buf) : 0;
      snprintf(err, errlen, "webhook payload: not JSON (it stops making "
               "sense at byte %zu of %zu)", at, r->len);
      if (syntax)
        *syntax = true;
    }
  }
  free(buf);
  return j;
}

enum sig_result wire_sig_keyed(enum sig_result res, const char *secret)
{
  if (res == SIG_OK && (secret == NULL || *secret == '\0'))
    return SIG_MISMATCH;
  return res;
}

enum sig_result wire_sig_header(const char *secret,
                                const struct webhook_req *r,
                                const char *header, const char *prefix)
{
  const char *h = r->header ? r->header(r->ud, header) : NULL;
  if (h == NULL)
    return SIG_MISSING;
  size_t pl = strlen(prefix);
  if (strncmp(h, prefix, pl) != 0)
    return SIG_MALFORMED;
  return wire_sig_keyed(
      hmac_sha256_hex_check(secret, r->body, r->len, h + pl), secret);
}
