/* tclient.c — see tclient.h. */
#include "tclient.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct pending {
  struct tc_resp *out;
  struct at_loop *loop;
  struct curl_slist *hdrs;
  char *reqbody;
  char *body, *head;
  size_t blen, bcap, hlen, hcap;
  bool done;
};

static size_t grow_append(char **buf, size_t *len, size_t *cap,
                          const char *data, size_t n)
{
  if (*len + n + 1 > *cap) {
    size_t c = *cap ? *cap : 512;
    while (c < *len + n + 1)
      c *= 2;
    char *b = realloc(*buf, c);
    if (b == NULL)
      return 0;
    *buf = b;
    *cap = c;
  }
  memcpy(*buf + *len, data, n);
  *len += n;
  (*buf)[*len] = '\0';
  return n;
}

static size_t on_body(char *data, size_t sz, size_t nm, void *ud)
{
  struct pending *p = ud;
  return grow_append(&p->body, &p->blen, &p->bcap, data, sz * nm);
}

static size_t on_head(char *data, size_t sz, size_t nm, void *ud)
{
  struct pending *p = ud;
  size_t n = sz * nm;
  /* keep only the last response's header block */
  if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
    p->hlen = 0;
  return grow_append(&p->head, &p->hlen, &p->hcap, data, n);
}

static void on_done(void *ud, CURL *easy, CURLcode rc)
{
  struct pending *p = ud;
  struct tc_resp *out = p->out;
  long status = 0;
  if (rc == CURLE_OK)
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  out->status = status;
  out->curl_rc = (int)rc;
  out->body = p->body ? p->body : calloc(1, 1);
  out->len = p->blen;
  out->headers = p->head ? p->head : calloc(1, 1);
  out->done_at = at_loop_now(p->loop);
  if (out->done_at == 0)
    out->done_at = 1;
  curl_easy_cleanup(easy);
  curl_slist_free_all(p->hdrs);
  free(p->reqbody);
  free(p);
}

void tc_start(struct at_loop *loop, const char *method, const char *url,
              const char *body, const struct tc_opts *o, struct tc_resp *out)
{
  static const struct tc_opts none;
  if (o == NULL)
    o = &none;
  memset(out, 0, sizeof *out);
  struct pending *p = calloc(1, sizeof *p);
  p->out = out;
  p->loop = loop;
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  if (strcmp(method, "HEAD") == 0)
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_head);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, p);
  if (o->fresh)
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  p->hdrs = curl_slist_append(p->hdrs, "Expect:");
  char line[1024];
  if (o->user) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(e, CURLOPT_USERPWD, o->user);
  }
  if (o->bearer) {
    snprintf(line, sizeof line, "Authorization: Bearer %s", o->bearer);
    p->hdrs = curl_slist_append(p->hdrs, line);
  }
  if (o->obo) {
    snprintf(line, sizeof line, "On-Behalf-Of: %s", o->obo);
    p->hdrs = curl_slist_append(p->hdrs, line);
  }
  for (int i = 0; i < 8 && o->extra[i]; i++)
    p->hdrs = curl_slist_append(p->hdrs, o->extra[i]);
  if (body) {
    snprintf(line, sizeof line, "Content-Type: %s",
             o->ctype ? o->ctype : "application/json");
    p->hdrs = curl_slist_append(p->hdrs, line);
    p->reqbody = strdup(body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, p->reqbody);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, p->hdrs);
  int64_t to = o->timeout_ms ? o->timeout_ms : 30000;
  if (!at_clock_is_virtual(at_loop_clock(loop)))
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)to);
  out->seq = at_xfer_start(loop, e, at_loop_now(loop) + to, on_done, p);
}

static bool resp_done(void *ud)
{
  return ((struct tc_resp *)ud)->done_at != 0;
}

struct tc_resp tc_do(struct at_loop *loop, const char *method, const char *url,
                     const char *body, const struct tc_opts *o)
{
  struct tc_resp r;
  tc_start(loop, method, url, body, o, &r);
  at_loop_run_while(loop, resp_done, &r, at_loop_now(loop) + 3600 * 1000);
  return r;
}

const char *tc_header(const struct tc_resp *r, const char *name, char *buf,
                      size_t len)
{
  size_t nl = strlen(name);
  for (const char *l = r->headers; l && *l;) {
    const char *eol = strchr(l, '\n');
    size_t ll = eol ? (size_t)(eol - l) : strlen(l);
    if (ll > nl && strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
      const char *v = l + nl + 1;
      while (*v == ' ')
        v++;
      size_t vl = ll - (size_t)(v - l);
      while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
        vl--;
      if (vl >= len)
        vl = len - 1;
      memcpy(buf, v, vl);
      buf[vl] = '\0';
      return buf;
    }
    l = eol ? eol + 1 : NULL;
  }
  return NULL;
}

void tc_free(struct tc_resp *r)
{
  free(r->body);
  free(r->headers);
  r->body = r->headers = NULL;
}
