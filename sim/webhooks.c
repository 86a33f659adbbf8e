/* webhooks.c — webhook subscriptions (URL, secret, events) and the fan-out
 * of an event to them, with the webhook faults decided when the event
 * fires. The deliveries themselves (timers, signing, transfers, retries,
 * the log) live in webhook_deliver.c. */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- subscriptions -------------------------------------------------------- */

static void hook_free(struct sim_webhook *h)
{
  free(h->url);
  free(h->secret);
  strv_clear(&h->events);
  free(h);
}

void webhooks_free(struct sim *s)
{
  for (size_t i = 0; i < s->webhooks.n; i++)
    hook_free(s->webhooks.v[i]);
  vec_free(&s->webhooks);
}

struct sim_webhook *webhook_find(const struct sim *s, int id)
{
  for (size_t i = 0; i < s->webhooks.n; i++) {
    struct sim_webhook *h = s->webhooks.v[i];
    if (h->id == id)
      return h;
  }
  return NULL;
}

/* Queue the ping a save triggers. It bypasses the webhook faults: it checks
 * the configuration, it is not an event. */
static void ping(struct sim *s, struct sim_webhook *h)
{
  const struct sim_personality *p = s->p;
  snprintf(h->ping, sizeof h->ping, "pending");
  if (p->webhook_payload == NULL || p->webhook_events == NULL)
    return;
  if (p->webhook_events[SIM_EV_PING].action == NULL) { /* never pings */
    snprintf(h->ping, sizeof h->ping, "none");
    return;
  }
  cJSON *body = p->webhook_payload(s, SIM_EV_PING, NULL, NULL, h->id, 0);
  struct wh_new n = {.hook = h->id,
                     .action = p->webhook_events[SIM_EV_PING].action,
                     .due = sim_now(s), .ping = true, .faults = ""};
  n.body = wh_render(s, body, &n.len);
  cJSON_Delete(body);
  wh_enqueue(s, &n);
}

int sim_webhook_add(struct sim *s, const char *url, const char *secret,
                    const char *events, int *id, char *err, size_t errlen)
{
  if (url == NULL || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))) {
    snprintf(err, errlen, "a webhook needs 'url' (http:// or https://)");
    return -1;
  }
  if (secret == NULL || *secret == '\0') {
    snprintf(err, errlen, "a webhook needs 'secret' (the HMAC key the "
             "receiver checks signatures with)");
    return -1;
  }
  struct sim_webhook *h = xcalloc(1, sizeof *h);
  h->id = s->next_webhook++;
  h->url = xstrdup(url);
  h->secret = xstrdup(secret);
  strv_split(&h->events, events && *events ? events : "*");
  h->enabled = true;
  h->created = sim_now(s);
  vec_push(&s->webhooks, h);
  ping(s, h);
  if (id)
    *id = h->id;
  return 0;
}

int sim_webhook_remove(struct sim *s, int id)
{
  for (size_t i = 0; i < s->webhooks.n; i++) {
    struct sim_webhook *h = s->webhooks.v[i];
    if (h->id == id) {
      hook_free(h);
      /* keep creation order: deliveries fan out in that order */
      memmove(&s->webhooks.v[i], &s->webhooks.v[i + 1],
              (s->webhooks.n - i - 1) * sizeof *s->webhooks.v);
      s->webhooks.n--;
      return 0;
    }
  }
  return -1;
}

int sim_webhook_enable(struct sim *s, int id, char *err, size_t errlen)
{
  struct sim_webhook *h = webhook_find(s, id);
  if (h == NULL) {
    snprintf(err, errlen, "no such webhook %d (list them with GET "
             "/_sim/webhooks)", id);
    return -1;
  }
  h->enabled = true;
  ping(s, h); /* re-enabling saves the hook, and a save pings */
  return 0;
}

cJSON *webhook_json(const struct sim_webhook *h)
{
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "id", h->id);
  cJSON_AddStringToObject(o, "url", h->url);
  cJSON_AddStringToObject(o, "secret", "********"); /* never shown */
  cJSON *ev = cJSON_AddArrayToObject(o, "events");
  for (size_t k = 0; k < h->events.n; k++)
    cJSON_AddItemToArray(ev, cJSON_CreateString(h->events.v[k]));
  jput_bool(o, "enabled", h->enabled);
  jput_str(o, "ping", h->ping);
  jput_time(o, "created_at", h->created);
  return o;
}

cJSON *sim_webhooks_json(const struct sim *s)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < s->webhooks.n; i++)
    cJSON_AddItemToArray(a, webhook_json(s->webhooks.v[i]));
  return a;
}

/* ---- webhook faults ------------------------------------------------------- */

struct sim_fault *wh_fault_hit(struct sim *s, enum sim_fault_kind kind)
{
  int64_t now = sim_now(s);
  for (size_t i = 0; i < s->faults.n; i++) {
    struct sim_fault *f = s->faults.v[i];
    if (f->kind != kind || !fault_window_open(f, now))
      continue;
    f->matched++;
    if (f->matched <= f->after)
      continue;
    if (f->count && f->applied >= f->count)
      continue;
    if (f->probability < 1.0 && at_prng_unit(&s->prng) >= f->probability)
      continue;
    f->applied++;
    return f;
  }
  return NULL;
}

/* ---- events ----------------------------------------------------------------- */

static bool listens(const struct sim_webhook *h, const char *action)
{
  return action && (strv_has(&h->events, "*") || strv_has(&h->events, action));
}

/* The event subscription 'h' gets for 'ev': ev itself, its stand-in, or -1
 * (not listening). */
static int event_for(const struct sim_personality *p,
                     const struct sim_webhook *h, enum sim_event ev)
{
  const struct sim_event_def *d = &p->webhook_events[ev];
  if (listens(h, d->action))
    return (int)ev;
  if (d->standin >= 0 && listens(h, p->webhook_events[d->standin].action))
    return d->standin;
  return -1;
}

/* What one event looks like, rendered once per shape it is sent in. */
struct fired {
  const struct sim_candidate *c;
  const struct sim_app *a;
  int64_t extra;
  char *body[SIM_EV__COUNT][2]; /* [event][ids_only] */
  size_t len[SIM_EV__COUNT][2];
};

/* A copy of the body of event 'ev' in that shape (caller frees). */
static char *body_of(struct sim *s, struct fired *fe, enum sim_event ev,
                     bool ids_only, size_t *len)
{
  int k = ids_only;
  if (fe->body[ev][k] == NULL) {
    cJSON *b = s->p->webhook_payload(s, ev, fe->c, fe->a, fe->extra,
                                     ids_only ? SIM_WH_IDS_ONLY : 0);
    fe->body[ev][k] = wh_render(s, b, &fe->len[ev][k]);
    cJSON_Delete(b);
  }
  *len = fe->len[ev][k];
  char *copy = xcalloc(1, *len + 1);
  memcpy(copy, fe->body[ev][k], *len);
  return copy;
}

/* Note a fault applied to a delivery being planned. */
static void note_fault(const struct sim_fault *f, int *first, char *kinds,
                       size_t len)
{
  if (f == NULL)
    return;
  if (*first == 0)
    *first = f->id;
  size_t o = strlen(kinds);
  snprintf(kinds + o, len - o, "%s%s", o ? "," : "",
           sim_fault_kind_name(f->kind));
}

/* Queue event 'ev' for subscription 'h', deciding the event-time faults. */
static void fire_one(struct sim *s, struct sim_webhook *h, struct fired *fe,
                     enum sim_event ev)
{
  const char *action = s->p->webhook_events[ev].action;
  struct sim_fault *off = wh_fault_hit(s, SIM_F_WEBHOOK_DISABLED);
  if (off) { /* lost, as on a disabled hook: nothing is queued */
    wh_log_drop(s, h->id, action, "dropped: webhook disabled", off);
    return;
  }
  struct sim_fault *ids = wh_fault_hit(s, SIM_F_WEBHOOK_IDS_ONLY);
  struct sim_fault *late = wh_fault_hit(s, SIM_F_WEBHOOK_DELAY);
  struct sim_fault *reo = wh_fault_hit(s, SIM_F_WEBHOOK_REORDER);
  struct sim_fault *dup = wh_fault_hit(s, SIM_F_WEBHOOK_DUPLICATE);
  int first = 0;
  char kinds[96] = "";
  note_fault(ids, &first, kinds, sizeof kinds);
  note_fault(late, &first, kinds, sizeof kinds);
  note_fault(reo, &first, kinds, sizeof kinds);
  note_fault(dup, &first, kinds, sizeof kinds);
  char id[40];
  wh_event_id(s, id, sizeof id);
  struct wh_new n = {.hook = h->id, .action = action, .event_id = id,
                     .due = sim_now(s) + wh_duration(s, "webhook_delay", 0) +
                            (late ? late->delay : 0),
                     .hold = reo != NULL, .window = reo ? reo->window : 0,
                     .fault = first, .faults = kinds, .note = ""};
  n.body = body_of(s, fe, ev, ids != NULL, &n.len);
  int64_t due = n.due;
  wh_enqueue(s, &n);
  for (int k = 1; dup && k <= dup->copies; k++) {
    char note[16], cid[40];
    snprintf(note, sizeof note, "copy %d", k);
    if (!dup->same_id)
      wh_event_id(s, cid, sizeof cid);
    struct wh_new cp = {.hook = h->id, .action = action,
                        .event_id = dup->same_id ? id : cid,
                        .due = due + k * dup->delay, .fault = first,
                        .faults = kinds, .note = note};
    cp.body = body_of(s, fe, ev, ids != NULL, &cp.len);
    wh_enqueue(s, &cp);
  }
}

void sim_webhook_fire(struct sim *s, enum sim_event ev,
                      const struct sim_candidate *c, const struct sim_app *a,
                      int64_t extra)
{
  const struct sim_personality *p = s->p;
  if (s->webhooks.n == 0 || p->webhook_payload == NULL ||
      p->webhook_events == NULL || p->webhook_events[ev].action == NULL)
    return;
  struct fired fe = {.c = c, .a = a, .extra = extra};
  for (size_t i = 0; i < s->webhooks.n; i++) {
    struct sim_webhook *h = s->webhooks.v[i];
    int e = event_for(p, h, ev);
    if (e < 0)
      continue;
    if (p->webhook_filter && !p->webhook_filter(s, h->id, (enum sim_event)e,
                                                c, a))
      continue; /* the subscription's own filter (Workable's args) */
    if (!h->enabled) { /* a disabled hook does not trigger */
      wh_log_drop(s, h->id, p->webhook_events[e].action,
                  "dropped: subscription disabled", NULL);
      continue;
    }
    fire_one(s, h, &fe, (enum sim_event)e);
  }
  for (int i = 0; i < SIM_EV__COUNT; i++) {
    free(fe.body[i][0]);
    free(fe.body[i][1]);
  }
}
