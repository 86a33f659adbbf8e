/* http.h — the engine's HTTP client on the shared loop: one request, its
 * virtual-or-real deadline, the headers the engine acts on, a capped body.
 * Non-idempotent requests go on a fresh connection that is not reused, so
 * libcurl can never silently send them twice (c-libs.md, "silent
 * retry"). */
#ifndef ATSYNC_HTTP_H
#define ATSYNC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_loop.h"

#define HTTP_BODY_CAP ((size_t)8 << 20)

struct http_req {
  char method[8];
  char *url;                 /* owned */
  struct curl_slist *headers;/* owned */
  char *body;                /* owned, NUL-terminated */
  size_t body_len;
  bool fresh;                /* a write: fresh connection, never reused */
};

struct http_resp {
  long status;               /* 0 when no HTTP answer arrived */
  int curl_rc;               /* CURLcode */
  bool sent;                 /* request bytes left us (false: refused,
                                no connection) */
  char *body;                /* NUL-terminated, owned by the response */
  size_t len;
  bool truncated_body;       /* more than HTTP_BODY_CAP */
  char retry_after[64];
  char rl_limit[24], rl_remaining[24], rl_reset[32];
  char link[2048];
  char location[2048];
  char content_type[128];
};

struct http_call;
typedef void (*http_done_fn)(void *ud, struct http_resp *r);

/* Start 'req' (ownership moves to the call) with a deadline on the loop's
 * clock. 'done' gets the response, which is freed after it returns.
 * Returns the call, or NULL (then done is never called). */
struct http_call *http_send(struct at_loop *loop, struct http_req *req,
                            int64_t deadline, http_done_fn done, void *ud);
/* Abandon a call in flight; 'done' is not called. */
void http_cancel(struct http_call *call);

/* Helpers to build a request. */
void http_req_init(struct http_req *r, const char *method, const char *url);
void http_req_header(struct http_req *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void http_req_body(struct http_req *r, const char *ctype, const char *body);
void http_req_free(struct http_req *r);

#endif
