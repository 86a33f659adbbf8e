/* webhooks.c — webhook subscriptions (URL, secret, events). Deliveries and
 * the webhook_* faults take effect with the status-pull work; until then a
 * subscription is stored, listed and removed. */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
  strv_split(&h->events, events ? events : "*");
  h->enabled = true;
  h->created = sim_now(s);
  vec_push(&s->webhooks, h);
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
      s->webhooks.v[i] = s->webhooks.v[--s->webhooks.n];
      return 0;
    }
  }
  return -1;
}

cJSON *sim_webhooks_json(const struct sim *s)
{
  cJSON *a = cJSON_CreateArray();
  for (size_t i = 0; i < s->webhooks.n; i++) {
    const struct sim_webhook *h = s->webhooks.v[i];
    cJSON *o = cJSON_CreateObject();
    jput_int(o, "id", h->id);
    cJSON_AddStringToObject(o, "url", h->url);
    cJSON_AddStringToObject(o, "secret", "********");
    cJSON *ev = cJSON_AddArrayToObject(o, "events");
    for (size_t k = 0; k < h->events.n; k++)
      cJSON_AddItemToArray(ev, cJSON_CreateString(h->events.v[k]));
    jput_bool(o, "enabled", h->enabled);
    jput_time(o, "created_at", h->created);
    cJSON_AddItemToArray(a, o);
  }
  return a;
}
