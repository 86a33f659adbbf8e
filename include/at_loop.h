/* at_loop.h — one thread that drives HTTP servers (libmicrohttpd, no
 * internal thread), HTTP client transfers (one libcurl multi handle) and
 * timers, on a real or a virtual clock.
 *
 * On a virtual clock the loop runs every "instant" until it is settled and
 * only then jumps the clock to the next timer. Settled is decided by
 * bookkeeping on both ends, never by "nothing was ready": every request a
 * server has started is either finished or deliberately waiting (parked,
 * delayed by a timer, or held by a fault), and every client transfer inside
 * libcurl is matched to such a waiting request. Requests are parked on
 * arrival and decided at settle points in the client's issue order, and
 * client completions are delivered in issue order, so a run is
 * deterministic byte for byte (see shared/research/one-thread-loop.md).
 *
 * On a real clock the servers answer as requests arrive, completions are
 * delivered at once and timers fire when the wall clock reaches them.
 *
 * Ownership: the loop borrows its clock. Servers are created on a loop and
 * must be freed (at_httpd_free) before the loop. Easy handles stay the
 * caller's: the loop never frees one. */
#ifndef AT_LOOP_H
#define AT_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "at_clock.h"

struct at_loop;
struct at_timer;
struct at_httpd;
struct at_req;
struct at_resp;

/* ---- the loop ----------------------------------------------------------- */

/* Create a loop over 'clock' (borrowed; it must outlive the loop).
 * curl_global_init() must have been called. Returns NULL on failure. */
struct at_loop *at_loop_new(struct at_clock *clock);

/* Free the loop. Transfers still running are removed from libcurl without a
 * callback. Every server must have been freed before. NULL is a no-op. */
void at_loop_free(struct at_loop *loop);

struct at_clock *at_loop_clock(const struct at_loop *loop);
int64_t at_loop_now(const struct at_loop *loop);

/* Results of the run functions. */
enum at_run {
  AT_RUN_OK = 0,     /* reached the requested time / condition */
  AT_RUN_IDLE = 1,   /* nothing left to do (no timer, no transfer) */
  AT_RUN_STOPPED = 2,/* at_loop_stop() was called */
  AT_RUN_STALL = -1  /* virtual: the network did not settle (a harness bug,
                        or a transfer to a server outside the loop); see
                        at_loop_error() */
};

/* Run the current instant until it is settled: no parked request, no
 * undelivered completion and no timer due now. Virtual clocks only. */
enum at_run at_loop_settle(struct at_loop *loop);

/* Virtual: run instants and jump the clock from timer to timer up to 't',
 * then leave the clock at 't' (settled). Real: run until the wall clock
 * reaches 't'. */
enum at_run at_loop_run_until(struct at_loop *loop, int64_t t);

/* Run until 'done(ud)' returns true (checked at every settle point), or the
 * clock reaches 'limit' (AT_RUN_OK with done false: check it yourself), or
 * nothing is left to do (AT_RUN_IDLE). */
enum at_run at_loop_run_while(struct at_loop *loop, bool (*done)(void *ud),
                              void *ud, int64_t limit);

/* Run until no timer is pending and no transfer is in flight, or 'limit'. */
enum at_run at_loop_run_until_idle(struct at_loop *loop, int64_t limit);

/* Real clock: run until at_loop_stop(). */
enum at_run at_loop_run(struct at_loop *loop);

/* Ask a running loop to return AT_RUN_STOPPED. Async-signal-safe. */
void at_loop_stop(struct at_loop *loop);

/* A description of the last AT_RUN_STALL (valid until the next run). */
const char *at_loop_error(const struct at_loop *loop);

/* How long the virtual network may stay unsettled in real time before a
 * run gives up with AT_RUN_STALL (default 10000 ms). */
void at_loop_set_stall_limit(struct at_loop *loop, int64_t real_ms);

/* ---- timers ------------------------------------------------------------- */

typedef void (*at_timer_fn)(void *ud);

/* Call 'fn(ud)' once the clock reaches 'due'. Timers due at the same time
 * fire in the order they were added. The loop frees the timer after the
 * call; drop your pointer then. Returns NULL on allocation failure. */
struct at_timer *at_timer_add(struct at_loop *loop, int64_t due,
                              at_timer_fn fn, void *ud);

/* Cancel a pending timer (NULL is a no-op). Never call it on a timer that
 * has already fired. */
void at_timer_cancel(struct at_loop *loop, struct at_timer *t);

/* Due time of the next pending timer, or INT64_MAX. */
int64_t at_loop_next_timer(const struct at_loop *loop);

/* ---- client transfers --------------------------------------------------- */

typedef void (*at_xfer_fn)(void *ud, CURL *easy, CURLcode rc);

/* Start 'easy' (configured by the caller, who keeps ownership; the loop
 * uses CURLOPT_PRIVATE). When it finishes, the loop removes it from libcurl
 * and calls 'done(ud, easy, rc)'; the easy handle is the caller's again.
 * 'deadline' (absolute, on the loop's clock; 0 = none) abandons the transfer
 * with CURLE_OPERATION_TIMEDOUT when the clock passes it: that is how
 * timeouts work on a virtual clock. Returns the transfer's sequence number
 * (> 0), or 0 on failure (then 'done' is never called). */
uint64_t at_xfer_start(struct at_loop *loop, CURL *easy, int64_t deadline,
                       at_xfer_fn done, void *ud);

/* Abandon a transfer without calling its callback. */
void at_xfer_cancel(struct at_loop *loop, CURL *easy);

/* Transfers started and not yet delivered. */
size_t at_loop_xfers(const struct at_loop *loop);

/* ---- HTTP servers ------------------------------------------------------- */

/* Called once per complete request. The handler must answer it with
 * at_req_respond(), at_req_hold() or at_req_drop() (now, or later for a
 * held request). 'req' stays valid until it is answered and sent. */
typedef void (*at_handler_fn)(void *ud, struct at_req *req);

struct at_httpd_config {
  const char *name;     /* for messages; default "httpd" */
  const char *bind;     /* IPv4 address; default "127.0.0.1" */
  uint16_t port;        /* 0 = an ephemeral port */
  size_t max_body;      /* request bodies above this are cut; default 1 MiB */
  unsigned conn_limit;  /* 0 = libmicrohttpd's default */
  at_handler_fn handler;
  void *ud;
};

/* Start a server on 'loop'. On failure returns NULL and writes a message to
 * 'err' (errlen bytes). */
struct at_httpd *at_httpd_new(struct at_loop *loop,
                              const struct at_httpd_config *cfg, char *err,
                              size_t errlen);

/* Stop the server: held requests are dropped, connections closed. */
void at_httpd_free(struct at_httpd *h);

uint16_t at_httpd_port(const struct at_httpd *h);

/* Take the listener down (connections are refused and every open connection
 * is closed) or bring it back on the same port. Safe to call from a
 * handler: the change happens when the handler has returned. Returns 0, or
 * -1 if the port could not be bound again. */
int at_httpd_set_down(struct at_httpd *h, bool down);
bool at_httpd_is_down(const struct at_httpd *h);

/* Requests started and not yet finished (for tests and diagnostics). */
size_t at_httpd_live(const struct at_httpd *h);

/* ---- requests ----------------------------------------------------------- */

const char *at_req_method(const struct at_req *r);
/* The decoded path without the query string. */
const char *at_req_path(const struct at_req *r);
/* The request target as a client would log it: path plus query string
 * rebuilt from the decoded arguments. */
const char *at_req_target(struct at_req *r);
/* First header of that name (case-insensitive), or NULL. */
const char *at_req_header(const struct at_req *r, const char *name);
/* First query argument of that name, or NULL. An argument without '='
 * yields "". */
const char *at_req_query(const struct at_req *r, const char *name);
/* Call fn for every query argument in order; stop when it returns false. */
void at_req_query_each(const struct at_req *r,
                       bool (*fn)(void *ud, const char *k, const char *v),
                       void *ud);
/* The body (always NUL-terminated; "" when none). */
const char *at_req_body(const struct at_req *r, size_t *len);
/* True when the body exceeded max_body (the body is then empty). */
bool at_req_body_too_big(const struct at_req *r);
bool at_req_from_loopback(const struct at_req *r);
/* The client's issue order when the client runs in the same loop, else a
 * number above every such one, in arrival order. */
uint64_t at_req_seq(const struct at_req *r);
int64_t at_req_arrived(const struct at_req *r);
struct at_httpd *at_req_server(const struct at_req *r);

/* Scratch memory that lives as long as the request (never NULL: aborts on
 * out-of-memory, as every allocation in the request path would fail). */
void *at_req_alloc(struct at_req *r, size_t n);
char *at_req_strdup(struct at_req *r, const char *s);

/* Send 'resp' (ownership moves to the request) once the clock reaches 'at'
 * (now when 'at' is in the past). */
void at_req_respond(struct at_req *r, struct at_resp *resp, int64_t at);
/* Keep the request waiting, as a hung server would, until at_req_respond()
 * or at_req_drop() is called on it, or the server is freed. */
void at_req_hold(struct at_req *r);
/* Close the connection without any response. */
void at_req_drop(struct at_req *r);

/* ---- responses ---------------------------------------------------------- */

/* A new response with that status. Never NULL (aborts on OOM). */
struct at_resp *at_resp_new(unsigned status);
void at_resp_free(struct at_resp *resp);
/* Add a header (copied). Content-Length and Date are set by the server. */
void at_resp_header(struct at_resp *resp, const char *name, const char *value);
/* Set the body (copied) with its Content-Type. */
void at_resp_body(struct at_resp *resp, const char *ctype, const char *body,
                  size_t len);
/* Set the body, taking ownership of 'body' (allocated with malloc). */
void at_resp_body_take(struct at_resp *resp, const char *ctype, char *body,
                       size_t len);
/* Announce the whole body but send only its first 'n' bytes, then close the
 * connection (a response cut off mid-way). */
void at_resp_truncate(struct at_resp *resp, size_t n);
/* Ask the client to close the connection after this response. */
void at_resp_close(struct at_resp *resp);
unsigned at_resp_status(const struct at_resp *resp);
/* The first header of that name set on the response (case-insensitive), or
 * NULL. */
const char *at_resp_header_get(const struct at_resp *resp, const char *name);
/* A deep copy of a response (never NULL). */
struct at_resp *at_resp_clone(const struct at_resp *resp);
const char *at_resp_body_data(const struct at_resp *resp, size_t *len);

#endif
