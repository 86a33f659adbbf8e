/* http.c — see http.h. */
#include "http.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct http_call {
  struct at_loop *loop;
  CURL *easy;
  struct http_req req;
  struct http_resp resp;
  size_t cap;
  http_done_fn done;
  void *ud;
};

void http_req_init(struct http_req *r, const char *method, const char *url)
{
  memset(r, 0, sizeof *r);
  snprintf(r->method, sizeof r->method, "%s", method);
  r->url = strdup(url);
  r->headers = curl_slist_append(NULL, "Expect:");
  r->headers = curl_slist_append(r->headers, "Accept: application/json");
  r->headers = curl_slist_append(r->headers, "User-Agent: atsync/1");
}

void http_req_header(struct http_req *r, const char *fmt, ...)
{
  char line[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  r->headers = curl_slist_append(r->headers, line);
}

void http_req_body(struct http_req *r, const char *ctype, const char *body)
{
  free(r->body);
  r->body = strdup(body);
  r->body_len = strlen(body);
  http_req_header(r, "Content-Type: %s", ctype);
}

void http_req_free(struct http_req *r)
{
  free(r->url);
  free(r->body);
  curl_slist_free_all(r->headers);
  memset(r, 0, sizeof *r);
}

static size_t on_body(char *data, size_t sz, size_t nm, void *ud)
{
  struct http_call *c = ud;
  size_t n = sz * nm;
  struct http_resp *r = &c->resp;
  if (r->len + n > HTTP_BODY_CAP) {
    r->truncated_body = true;
    return 0; /* abort: never trust the server's size */
  }
  if (r->len + n + 1 > c->cap) {
    size_t cap = c->cap ? c->cap : 1024;
    while (cap < r->len + n + 1)
      cap *= 2;
    char *b = realloc(r->body, cap);
    if (b == NULL)
      return 0;
    r->body = b;
    c->cap = cap;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  r->body[r->len] = '\0';
  return n;
}

/* Keep a header value (trimmed) if it is one we act on. */
static void keep(char *dst, size_t len, const char *v, size_t vl)
{
  while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
    vl--;
  while (vl && *v == ' ') {
    v++;
    vl--;
  }
  if (vl >= len)
    vl = len - 1;
  memcpy(dst, v, vl);
  dst[vl] = '\0';
}

static size_t on_header(char *data, size_t sz, size_t nm, void *ud)
{
  struct http_call *c = ud;
  struct http_resp *r = &c->resp;
  size_t n = sz * nm;
  if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) { /* a new response */
    r->retry_after[0] = r->rl_limit[0] = r->rl_remaining[0] = '\0';
    r->rl_reset[0] = r->link[0] = r->location[0] = r->content_type[0] = '\0';
    return n;
  }
  const char *colon = memchr(data, ':', n);
  if (colon == NULL)
    return n;
  size_t kl = (size_t)(colon - data);
  const char *v = colon + 1;
  size_t vl = n - kl - 1;
  static const struct { const char *name; size_t off, len; } want[] = {
      {"Retry-After", offsetof(struct http_resp, retry_after), 64},
      {"X-RateLimit-Limit", offsetof(struct http_resp, rl_limit), 24},
      {"X-RateLimit-Remaining", offsetof(struct http_resp, rl_remaining), 24},
      {"X-RateLimit-Reset", offsetof(struct http_resp, rl_reset), 32},
      /* the same, as Workable spells them */
      {"X-Rate-Limit-Limit", offsetof(struct http_resp, rl_limit), 24},
      {"X-Rate-Limit-Remaining", offsetof(struct http_resp, rl_remaining), 24},
      {"X-Rate-Limit-Reset", offsetof(struct http_resp, rl_reset), 32},
      {"Link", offsetof(struct http_resp, link), 2048},
      {"Location", offsetof(struct http_resp, location), 2048},
      {"Content-Type", offsetof(struct http_resp, content_type), 128},
  };
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    if (strlen(want[i].name) == kl && strncasecmp(want[i].name, data, kl) == 0)
      keep((char *)r + want[i].off, want[i].len, v, vl);
  }
  return n;
}

static void on_done(void *ud, CURL *easy, CURLcode rc)
{
  struct http_call *c = ud;
  struct http_resp *r = &c->resp;
  r->curl_rc = (int)rc;
  long status = 0, reqsize = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &reqsize);
  r->status = rc == CURLE_OK ? status : 0;
  r->sent = reqsize > 0 || status > 0;
  if (r->body == NULL)
    r->body = calloc(1, 1);
  c->done(c->ud, r);
  curl_easy_cleanup(c->easy);
  http_req_free(&c->req);
  free(r->body);
  free(c);
}

struct http_call *http_send(struct at_loop *loop, struct http_req *req,
                            int64_t deadline, http_done_fn done, void *ud)
{
  struct http_call *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->loop = loop;
  c->req = *req;
  memset(req, 0, sizeof *req);
  c->done = done;
  c->ud = ud;
  CURL *e = curl_easy_init();
  if (e == NULL) {
    http_req_free(&c->req);
    free(c);
    return NULL;
  }
  c->easy = e;
  curl_easy_setopt(e, CURLOPT_URL, c->req.url);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, c->req.method);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->req.headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  if (c->req.body) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->req.body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)c->req.body_len);
  }
  if (c->req.fresh) { /* never a reused connection, never reused after */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  if (!at_clock_is_virtual(at_loop_clock(loop))) {
    /* a real-time backstop; the loop's deadline is the one that counts */
    int64_t left = deadline - at_loop_now(loop);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(left > 0 ? left + 1000 : 1000));
  }
  if (at_xfer_start(loop, e, deadline, on_done, c) == 0) {
    curl_easy_cleanup(e);
    http_req_free(&c->req);
    free(c);
    return NULL;
  }
  return c;
}

void http_cancel(struct http_call *c)
{
  if (c == NULL)
    return;
  at_xfer_cancel(c->loop, c->easy);
  curl_easy_cleanup(c->easy);
  http_req_free(&c->req);
  free(c->resp.body);
  free(c);
}
