/* webhook.c — the engine's webhook endpoint: POST /webhooks/<organization>.
 *
 * A delivery is checked before anything else: the connection's connector
 * verifies the signature with the webhook secret (HMAC over the raw body,
 * compared with CRYPTO_memcmp); a bad one is answered 401 and touches no
 * state (it is logged, at most once a minute per connection). A good one
 * is read, its event id recorded (ids are kept 8 days: a delivery seen
 * before is acknowledged and ignored), and the applications it concerns
 * are queued to be read again from the ATS (pull.c) — all in one
 * transaction, and only then acknowledged. The event itself is a hint:
 * what its payload claims is never written to our candidates. */
#include "engine_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_hash.h"

/* Event ids are kept this long (vendors retry for up to ~15 h; the issue
 * asks for at least 7 days). */
#define EVENT_KEEP (8LL * 24 * 3600 * 1000)

static void reply(struct at_req *r, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void reply(struct at_req *r, unsigned status, const char *fmt, ...)
{
  char text[400], body[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  /* the text never carries quotes or backslashes from input: ids and
   * names are digits or checked above */
  snprintf(body, sizeof body, "{\"status\":\"%s\"}\n", text);
  struct at_resp *resp = at_resp_new(status);
  at_resp_body(resp, "application/json", body, strlen(body));
  at_req_respond(r, resp, 0);
}

static const char *header(void *ud, const char *name)
{
  return at_req_header((const struct at_req *)ud, name);
}

/* A refused delivery is logged, but a flood of them is not: one entry a
 * minute per connection, counting the ones in between. */
static void refused(struct conn *c, const char *fmt, const char *detail)
{
  struct atsync *e = c->e;
  int64_t now = eng_now(e);
  c->webhooks_rejected++;
  c->bad_since_log++;
  if (c->last_bad_log && now - c->last_bad_log < 60000)
    return;
  char msg[400];
  snprintf(msg, sizeof msg, fmt, detail);
  store_begin(e->st);
  eng_log(e, c->org, NULL, "webhook", "%s%s", msg,
          c->bad_since_log > 1 ? " (and earlier ones this minute)" : "");
  store_commit(e->st);
  c->last_bad_log = now;
  c->bad_since_log = 0;
}

/* Queue our applications of a person (and of the person merged into it). */
static void queue_person(struct conn *c, const char *person, const char *why)
{
  struct store *st = c->e->st;
  char apps[64][64];
  size_t n = 0;
  int rc = store_q(st,
                   "SELECT ats_application_id FROM candidates WHERE org_id = "
                   "? AND ats_candidate_id = ? AND ats_application_id IS NOT "
                   "NULL ORDER BY id LIMIT 64",
                   "Is", c->org, person);
  for (; rc == SQLITE_ROW && n < 64; rc = store_next(st))
    store_col_text(st, 0, apps[n++], sizeof apps[0]);
  store_done(st);
  for (size_t i = 0; i < n; i++)
    pull_queue(c, apps[i], why);
}

static bool ours_app(struct conn *c, const char *app)
{
  bool hit = store_q(c->e->st, "SELECT 1 FROM candidates WHERE org_id = ? "
                               "AND ats_application_id = ?",
                     "Is", c->org, app) == SQLITE_ROW;
  store_done(c->e->st);
  return hit;
}

/* Does the event claim exactly what we know of the application (status
 * and stage)? Then it cannot tell us anything — the echo of our own
 * create, a duplicate — and costs no read. A claim that differs, or no
 * claim at all (an ids-only payload), is checked by reading. */
static bool nothing_new(struct conn *c, const struct ats_record *r)
{
  /* a read queued or in flight may bring an older state: this hint must
   * then be read after it, whatever it claims */
  if (!r->status[0] || !r->stage_id[0] || pull_pending(c, r->application_id))
    return false;
  char status[16] = "", stage[64] = "";
  if (store_q(c->e->st, "SELECT ats_status, ats_stage_id FROM candidates "
                        "WHERE org_id = ? AND ats_application_id = ?",
              "Is", c->org, r->application_id) == SQLITE_ROW) {
    store_col_text(c->e->st, 0, status, sizeof status);
    store_col_text(c->e->st, 1, stage, sizeof stage);
  }
  store_done(c->e->st);
  /* before any read, an application we pushed is active where we put it */
  const char *known = status[0] ? status : "active";
  return !strcmp(known, r->status) && !strcmp(stage, r->stage_id);
}

/* Store what the event asks to read again. */
static void queue_event(struct conn *c, const struct ats_event *ev)
{
  const struct ats_record *r = &ev->rec;
  switch (ev->kind) {
  case EV_APPLICATION:
    if (ours_app(c, r->application_id)) {
      if (!nothing_new(c, r))
        pull_queue(c, r->application_id, "webhook");
    }
    else if (r->candidate_id[0]) /* perhaps ours, not recorded yet */
      queue_person(c, r->candidate_id, "webhook");
    break;
  case EV_MERGE:
    if (ev->merged_from[0]) {
      pull_forget_person(c, ev->merged_from);
      queue_person(c, ev->merged_from, "webhook");
    }
    break;
  case EV_CANDIDATE:
  case EV_DELETE:
    if (r->application_id[0] && ours_app(c, r->application_id))
      pull_queue(c, r->application_id, "webhook");
    if (r->candidate_id[0]) {
      /* a deleted application leaves its person in place */
      if (ev->kind == EV_DELETE && !r->application_id[0])
        pull_forget_person(c, r->candidate_id);
      queue_person(c, r->candidate_id, "webhook");
    }
    break;
  default:
    break;
  }
}

static struct conn *conn_by_name(struct atsync *e, const char *name)
{
  int64_t org = 0;
  if (store_q(e->st, "SELECT id FROM orgs WHERE name = ?", "s", name) ==
      SQLITE_ROW)
    org = store_col_int(e->st, 0);
  store_done(e->st);
  return org ? eng_conn(e, org) : NULL;
}

static void on_request(void *ud, struct at_req *r)
{
  struct atsync *e = ud;
  const char *path = at_req_path(r);
  if (strncmp(path, "/webhooks/", 10) != 0 || path[10] == '\0') {
    reply(r, 404, "not found: deliveries go to /webhooks/<organization>");
    return;
  }
  if (strcmp(at_req_method(r), "POST") != 0) {
    reply(r, 405, "use POST");
    return;
  }
  /* one answer for "no such organization" and "no webhooks there": an
   * unauthenticated caller learns nothing about which names exist */
  struct conn *c = conn_by_name(e, path + 10);
  if (c == NULL || !c->has_creds || c->ops == NULL ||
      c->webhook_secret == NULL || c->ops->event_verify == NULL) {
    reply(r, 404, "no webhook endpoint here");
    return;
  }
  if (at_req_body_too_big(r)) { /* before any signature: not logged */
    reply(r, 413, "body too large");
    return;
  }
  struct webhook_req wr = {.header = header, .ud = r};
  wr.body = at_req_body(r, &wr.len);
  enum sig_result sig = c->ops->event_verify(c->webhook_secret, &wr);
  if (sig != SIG_OK) {
    refused(c, "Refused a webhook with a bad signature (%s); nothing was "
            "changed. If every delivery is refused, the webhook secret in "
            "the ATS differs from the one atsync has: set the same secret in "
            "both (Settings > Integrations).", sig_result_name(sig));
    reply(r, 401, "bad signature");
    return;
  }
  struct ats_event ev;
  char err[300];
  memset(&ev, 0, sizeof ev);
  if (c->ops->event_parse(&wr, &ev, err, sizeof err) != 0) {
    refused(c, "Refused a malformed webhook (%s); nothing was changed", err);
    reply(r, 400, "malformed payload");
    return;
  }
  if (ev.kind == EV_PING || ev.kind == EV_OTHER) {
    reply(r, 200, "ignored");
    return;
  }
  if (!ev.id[0]) /* no id from the vendor: the body stands for it */
    snprintf(ev.id, sizeof ev.id, "body-%016llx",
             (unsigned long long)at_fnv1a64(AT_FNV64_INIT, wr.body, wr.len));
  struct store *st = e->st;
  int64_t now = eng_now(e);
  if (store_begin(st) != 0) {
    reply(r, 503, "busy: deliver again later");
    return;
  }
  if (store_q(st, "INSERT OR IGNORE INTO events (org_id, event_id, "
                  "received_at, action) VALUES (?, ?, ?, ?)",
              "IsIs", c->org, ev.id, now, ev.action) != SQLITE_DONE) {
    store_rollback(st);
    reply(r, 503, "could not store the event: deliver again later");
    return;
  }
  bool fresh = store_changes(st) > 0;
  if (fresh) {
    queue_event(c, &ev);
    store_q(st, "UPDATE connections SET last_webhook = ? WHERE org_id = ?",
            "II", now, c->org);
    store_q(st, "DELETE FROM events WHERE org_id = ? AND received_at < ?",
            "II", c->org, now - EVENT_KEEP);
  }
  if (store_commit(st) != 0) {
    store_rollback(st);
    reply(r, 503, "could not store the event: deliver again later");
    return;
  }
  if (!fresh) {
    reply(r, 200, "duplicate");
    return;
  }
  c->last_webhook = now;
  reply(r, 200, "accepted");
  eng_kick(e, 0);
}

int webhook_open(struct atsync *e, char *err, size_t errlen)
{
  if (!e->cfg.webhook_listen)
    return 0;
  struct at_httpd_config hc = {.name = "atsync webhooks",
                               .bind = e->cfg.webhook_bind,
                               .port = e->cfg.webhook_port,
                               .max_body = 1 << 20,
                               .handler = on_request,
                               .ud = e};
  e->hooks = at_httpd_new(e->loop, &hc, err, errlen);
  return e->hooks ? 0 : -1;
}

void webhook_close(struct atsync *e)
{
  at_httpd_free(e->hooks);
  e->hooks = NULL;
}

uint16_t atsync_webhook_port(const struct atsync *e)
{
  return e->hooks ? at_httpd_port(e->hooks) : 0;
}

int atsync_webhook_set_down(struct atsync *e, bool down)
{
  return e->hooks ? at_httpd_set_down(e->hooks, down) : -1;
}
