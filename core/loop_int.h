/* loop_int.h — what loop.c and httpd.c share; not part of the public API. */
#ifndef AT_LOOP_INT_H
#define AT_LOOP_INT_H

#include "at_loop.h"

/* loop.c, for httpd.c */
void at__loop_add_server(struct at_loop *loop, struct at_httpd *h);
void at__loop_remove_server(struct at_loop *loop, struct at_httpd *h);
bool at__loop_virtual(const struct at_loop *loop);
/* The issue number of the loop's transfer that uses that TCP connection
 * (client port -> server port on loopback), or 0 when none does. */
uint64_t at__loop_seq_for_conn(struct at_loop *loop, uint16_t server_port,
                               uint16_t client_port);
/* A sequence number for a request from a client outside the loop. */
uint64_t at__loop_external_seq(struct at_loop *loop);

/* httpd.c, for loop.c */
void at__httpd_run(struct at_httpd *h);
/* Apply a pending change of the listener (going down). */
void at__httpd_apply(struct at_httpd *h);
int at__httpd_epoll_fd(const struct at_httpd *h);
/* Milliseconds until libmicrohttpd wants to run again, or -1 for never. */
long at__httpd_timeout(struct at_httpd *h);
/* True while a request is between states nobody waits on on purpose:
 * being read, queued for sending, or being sent. */
bool at__httpd_busy(const struct at_httpd *h);
/* True when the request on that client port is parked, delayed or held. */
bool at__httpd_waiting(const struct at_httpd *h, uint16_t client_port);
/* Parked requests (virtual clock), appended to 'out' up to 'max'. */
size_t at__httpd_parked(struct at_httpd *h, struct at_req **out, size_t max);
/* Decide a parked request now: run the handler. */
void at__req_decide(struct at_req *r);

#endif
