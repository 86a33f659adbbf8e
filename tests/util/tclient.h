/* tclient.h — a small blocking-style HTTP client for tests: it starts a
 * libcurl transfer on the loop and runs the loop (advancing a virtual clock
 * as timers require) until the answer arrives. Never sleeps. */
#ifndef TCLIENT_H
#define TCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "at_loop.h"

struct tc_resp {
  long status;        /* 0 when the transfer failed */
  int curl_rc;        /* CURLcode */
  char *body;         /* NUL-terminated, malloc'd */
  size_t len;
  char *headers;      /* raw header block of the final response */
  int64_t done_at;    /* loop time of completion */
  uint64_t seq;
};

struct tc_opts {
  const char *user;        /* Basic auth "key:" */
  const char *bearer;      /* Authorization: Bearer */
  const char *obo;         /* On-Behalf-Of */
  const char *ctype;       /* default application/json when a body is sent */
  const char *extra[8];    /* more "Name: value" lines, NULL-terminated */
  int64_t timeout_ms;      /* virtual deadline; default 30 s */
  bool fresh;              /* CURLOPT_FRESH_CONNECT */
};

/* Send a request and wait for the answer. 'url' is absolute. Returns the
 * response (free it with tc_free). */
struct tc_resp tc_do(struct at_loop *loop, const char *method, const char *url,
                     const char *body, const struct tc_opts *o);

/* Start a request without waiting; *out is filled when it completes (check
 * out->done_at != 0). */
void tc_start(struct at_loop *loop, const char *method, const char *url,
              const char *body, const struct tc_opts *o, struct tc_resp *out);

/* A response header's value (first match, case-insensitive) copied into
 * buf, or NULL. */
const char *tc_header(const struct tc_resp *r, const char *name, char *buf,
                      size_t len);

void tc_free(struct tc_resp *r);

#endif
