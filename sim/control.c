/* control.c — the /_sim/ control API: a thin JSON wrapper over the C API
 * in sim.h (docs/sim.md). Loopback clients only, whatever --bind says. */
#include "sim_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"

static void send_json(struct at_req *r, unsigned status, cJSON *body)
{
  struct at_resp *resp = at_resp_new(status);
  if (body) {
    size_t len;
    char *t = jprint(body, &len);
    cJSON_Delete(body);
    at_resp_body_take(resp, "application/json", t, len);
  }
  at_req_respond(r, resp, 0);
}

static void send_error(struct at_req *r, unsigned status, const char *msg)
{
  cJSON *o = cJSON_CreateObject();
  cJSON_AddStringToObject(o, "error", msg);
  send_json(r, status, o);
}

/* The body as a JSON object ("{}" when empty). NULL after answering. */
static cJSON *body_obj(struct at_req *r)
{
  if (at_req_body_too_big(r)) {
    send_error(r, 413, "request body too large");
    return NULL;
  }
  size_t len;
  const char *b = at_req_body(r, &len);
  if (len == 0)
    return cJSON_CreateObject();
  char why[96];
  cJSON *j = jparse(b, len, why, sizeof why);
  if (j == NULL) {
    send_error(r, 400, why);
    return NULL;
  }
  if (!cJSON_IsObject(j)) {
    cJSON_Delete(j);
    send_error(r, 400, "the body must be a JSON object");
    return NULL;
  }
  return j;
}

/* Turn the members of 'o' (except 'skip') into key=value strings. Returns
 * the count, or -1 after answering 400. */
static int to_kv(struct at_req *r, const cJSON *o, const char *skip,
                 struct sim_kv *kv, size_t max)
{
  size_t n = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, o)
  {
    if (skip && strcmp(it->string, skip) == 0)
      continue;
    if (cJSON_IsNull(it))
      continue;
    if (n == max) {
      send_error(r, 400, "too many parameters");
      return -1;
    }
    char buf[64];
    const char *v = NULL;
    if (cJSON_IsString(it)) {
      v = it->valuestring;
    } else if (cJSON_IsBool(it)) {
      v = cJSON_IsTrue(it) ? "true" : "false";
    } else if (cJSON_IsNumber(it)) {
      double d = it->valuedouble;
      if (d == floor(d) && fabs(d) < 9007199254740992.0)
        snprintf(buf, sizeof buf, "%lld", (long long)d);
      else
        snprintf(buf, sizeof buf, "%.17g", d);
      v = buf;
    } else if (cJSON_IsArray(it)) {
      size_t cap = 64, len = 0;
      char *j = at_req_alloc(r, cap);
      j[0] = '\0';
      const cJSON *e;
      cJSON_ArrayForEach(e, it)
      {
        char nb[32];
        const char *ev = cJSON_IsString(e) ? e->valuestring : NULL;
        if (cJSON_IsNumber(e)) {
          snprintf(nb, sizeof nb, "%lld", (long long)e->valuedouble);
          ev = nb;
        }
        if (ev == NULL) {
          char msg[128];
          snprintf(msg, sizeof msg, "'%s' must be a list of strings or "
                   "numbers", it->string);
          send_error(r, 400, msg);
          return -1;
        }
        size_t need = len + strlen(ev) + 2;
        if (need > cap) {
          char *nj = at_req_alloc(r, need * 2);
          memcpy(nj, j, len + 1);
          j = nj;
          cap = need * 2;
        }
        if (len)
          j[len++] = ',';
        strcpy(j + len, ev);
        len += strlen(ev);
      }
      v = j;
    } else {
      char msg[128];
      snprintf(msg, sizeof msg, "'%s' must be a string, number, boolean or "
               "list", it->string);
      send_error(r, 400, msg);
      return -1;
    }
    kv[n].key = at_req_strdup(r, it->string);
    kv[n].value = at_req_strdup(r, v);
    n++;
  }
  return (int)n;
}

static bool method_is(struct at_req *r, const char *m)
{
  return strcmp(at_req_method(r), m) == 0;
}

static void not_allowed(struct at_req *r, const char *allow)
{
  struct at_resp *resp = at_resp_new(405);
  char msg[128];
  snprintf(msg, sizeof msg, "{\"error\":\"method %s not allowed here; use %s\"}",
           at_req_method(r), allow);
  at_resp_body(resp, "application/json", msg, strlen(msg));
  at_resp_header(resp, "Allow", allow);
  at_req_respond(r, resp, 0);
}

static cJSON *fault_by_id(const struct sim *s, int id)
{
  for (size_t i = 0; i < s->faults.n; i++) {
    const struct sim_fault *f = s->faults.v[i];
    if (f->id == id)
      return fault_json(f, sim_now(s));
  }
  return NULL;
}

/* /_sim/faults[/{id}] */
static void faults(struct sim *s, struct at_req *r, const char *rest)
{
  char err[512];
  if (*rest == '\0') {
    if (method_is(r, "GET")) {
      send_json(r, 200, sim_faults_json(s));
    } else if (method_is(r, "DELETE")) {
      sim_fault_clear_all(s);
      send_json(r, 204, NULL);
    } else if (method_is(r, "POST")) {
      cJSON *b = body_obj(r);
      if (b == NULL)
        return;
      struct sim_kv kv[32];
      int n = to_kv(r, b, "kind", kv, 32);
      const char *kind = jget_str(b, "kind");
      int id;
      if (n >= 0) {
        if (kind == NULL)
          send_error(r, 400, "a fault needs 'kind' (see docs/faults.md)");
        else if (sim_fault_add(s, kind, kv, (size_t)n, &id, err, sizeof err) != 0)
          send_error(r, 422, err);
        else
          send_json(r, 201, fault_by_id(s, id));
      }
      cJSON_Delete(b);
    } else {
      not_allowed(r, "GET, POST, DELETE");
    }
    return;
  }
  int64_t id;
  if (*rest != '/' || parse_id(rest + 1, &id) != 0) {
    send_error(r, 404, "no such fault");
    return;
  }
  if (method_is(r, "DELETE")) {
    if (sim_fault_clear(s, (int)id) != 0)
      send_error(r, 404, "no such fault");
    else
      send_json(r, 204, NULL);
  } else if (method_is(r, "GET")) {
    cJSON *f = fault_by_id(s, (int)id);
    if (f)
      send_json(r, 200, f);
    else
      send_error(r, 404, "no such fault");
  } else {
    not_allowed(r, "GET, DELETE");
  }
}

static void credentials(struct sim *s, struct at_req *r, const char *rest)
{
  char err[512];
  if (*rest == '\0') {
    if (method_is(r, "GET")) {
      send_json(r, 200, sim_credentials_json(s));
    } else if (method_is(r, "POST")) {
      cJSON *b = body_obj(r);
      if (b == NULL)
        return;
      struct sim_kv kv[16];
      int n = to_kv(r, b, NULL, kv, 16);
      cJSON *out = NULL;
      if (n >= 0) {
        if (sim_credential_add(s, jget_str(b, "type"), kv, (size_t)n, &out,
                               err, sizeof err) != 0)
          send_error(r, 422, err);
        else
          send_json(r, 201, out);
      }
      cJSON_Delete(b);
    } else {
      not_allowed(r, "GET, POST");
    }
    return;
  }
  if (!method_is(r, "DELETE")) {
    not_allowed(r, "DELETE");
    return;
  }
  if (sim_credential_revoke(s, rest + 1, err, sizeof err) != 0)
    send_error(r, 404, err);
  else
    send_json(r, 204, NULL);
}

static void actions(struct sim *s, struct at_req *r)
{
  if (!method_is(r, "POST")) {
    not_allowed(r, "POST");
    return;
  }
  cJSON *b = body_obj(r);
  if (b == NULL)
    return;
  struct sim_kv kv[32];
  int n = to_kv(r, b, "action", kv, 32);
  if (n >= 0) {
    char err[512];
    cJSON *out = NULL;
    const char *name = jget_str(b, "action");
    if (name == NULL)
      send_error(r, 400, "an action needs 'action' (see docs/faults.md)");
    else if (sim_action(s, name, kv, (size_t)n, &out, err, sizeof err) != 0)
      send_error(r, 422, err);
    else
      send_json(r, 200, out);
  }
  cJSON_Delete(b);
}

/* GET /_sim/webhooks/deliveries?after=N&limit=M */
static void deliveries(struct sim *s, struct at_req *r)
{
  if (!method_is(r, "GET")) {
    not_allowed(r, "GET");
    return;
  }
  int64_t after = 0, limit = 1000;
  const char *a = at_req_query(r, "after"), *l = at_req_query(r, "limit");
  if ((a && parse_id(a, &after) != 0) || (l && parse_id(l, &limit) != 0)) {
    send_error(r, 400, "'after' and 'limit' must be whole numbers");
    return;
  }
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "last", (long)sim_deliveries_last(s));
  jput_int(o, "pending", (long)sim_webhooks_pending(s));
  cJSON_AddItemToObject(o, "deliveries",
                        sim_deliveries_json(s, (uint64_t)after, (size_t)limit));
  send_json(r, 200, o);
}

static void webhooks(struct sim *s, struct at_req *r, const char *rest)
{
  char err[256];
  if (*rest == '\0') {
    if (method_is(r, "GET")) {
      send_json(r, 200, sim_webhooks_json(s));
    } else if (method_is(r, "POST")) {
      cJSON *b = body_obj(r);
      if (b == NULL)
        return;
      struct sim_kv kv[8];
      int n = to_kv(r, b, NULL, kv, 8);
      const char *events = NULL;
      for (int i = 0; i < n; i++)
        if (strcmp(kv[i].key, "events") == 0)
          events = kv[i].value;
      int id;
      if (n >= 0) {
        if (sim_webhook_add(s, jget_str(b, "url"), jget_str(b, "secret"),
                            events, &id, err, sizeof err) != 0) {
          send_error(r, 422, err);
        } else {
          cJSON *o = cJSON_CreateObject();
          jput_int(o, "id", id);
          send_json(r, 201, o);
        }
      }
      cJSON_Delete(b);
    } else {
      not_allowed(r, "GET, POST");
    }
    return;
  }
  if (strcmp(rest, "/deliveries") == 0) {
    deliveries(s, r);
    return;
  }
  /* /{id} or /{id}/enable */
  char idbuf[24];
  size_t idlen = strcspn(rest + 1, "/");
  const char *sub = rest + 1 + idlen;
  int64_t id;
  snprintf(idbuf, sizeof idbuf, "%.*s", (int)(idlen < 23 ? idlen : 23),
           rest + 1);
  if (parse_id(idbuf, &id) != 0 || id > 1000000000 ||
      (*sub && strcmp(sub, "/enable") != 0)) {
    send_error(r, 404, "no such webhook");
    return;
  }
  if (*sub) { /* /enable */
    if (!method_is(r, "POST"))
      not_allowed(r, "POST");
    else if (sim_webhook_enable(s, (int)id, err, sizeof err) != 0)
      send_error(r, 404, err);
    else
      send_json(r, 200, webhook_json(webhook_find(s, (int)id)));
    return;
  }
  if (!method_is(r, "DELETE")) {
    not_allowed(r, "DELETE");
    return;
  }
  if (sim_webhook_remove(s, (int)id) != 0)
    send_error(r, 404, "no such webhook");
  else
    send_json(r, 204, NULL);
}

static void journal(struct sim *s, struct at_req *r)
{
  if (!method_is(r, "GET")) {
    not_allowed(r, "GET");
    return;
  }
  int64_t after = 0, limit = 1000;
  const char *a = at_req_query(r, "after"), *l = at_req_query(r, "limit");
  if ((a && parse_id(a, &after) != 0) || (l && parse_id(l, &limit) != 0)) {
    send_error(r, 400, "'after' and 'limit' must be whole numbers");
    return;
  }
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "last", (long)sim_journal_last(s));
  cJSON_AddItemToObject(o, "entries",
                        sim_journal_json(s, (uint64_t)after, (size_t)limit));
  send_json(r, 200, o);
}

static void clock_ctl(struct sim *s, struct at_req *r)
{
  struct at_clock *clk = at_loop_clock(s->loop);
  if (method_is(r, "GET")) {
    cJSON *o = cJSON_CreateObject();
    jput_time(o, "now", at_clock_now(clk));
    cJSON_AddStringToObject(o, "clock", at_clock_is_virtual(clk) ? "virtual"
                                                                 : "real");
    send_json(r, 200, o);
    return;
  }
  if (!method_is(r, "POST")) {
    not_allowed(r, "GET, POST");
    return;
  }
  if (!at_clock_is_virtual(clk)) {
    send_error(r, 409, "this instance runs on the real clock; only a "
               "virtual clock can be moved");
    return;
  }
  cJSON *b = body_obj(r);
  if (b == NULL)
    return;
  const char *adv = jget_str(b, "advance"), *to = jget_str(b, "to");
  int64_t now = at_clock_now(clk), t = -1, d;
  if (adv && at_duration_parse(adv, &d) == 0)
    t = now + d;
  else if (to && at_time_parse_iso8601(to, &t) != 0)
    t = -1;
  cJSON_Delete(b);
  if (t < now) {
    send_error(r, 422, "give 'advance' (a duration such as 30s) or 'to' (an "
               "ISO-8601 time not in the past)");
    return;
  }
  at_clock_advance_to(clk, t);
  cJSON *o = cJSON_CreateObject();
  jput_time(o, "now", t);
  send_json(r, 200, o);
}

static void settings(struct sim *s, struct at_req *r)
{
  if (method_is(r, "GET")) {
    send_json(r, 200, sim_settings_json(s));
    return;
  }
  if (!method_is(r, "POST")) {
    not_allowed(r, "GET, POST");
    return;
  }
  cJSON *b = body_obj(r);
  if (b == NULL)
    return;
  struct sim_kv kv[32];
  int n = to_kv(r, b, NULL, kv, 32);
  cJSON_Delete(b);
  if (n < 0)
    return;
  char err[256];
  for (int i = 0; i < n; i++) {
    if (s->p->settings == NULL ||
        sim_settings_set(s, kv[i].key, kv[i].value, err, sizeof err) != 0) {
      send_error(r, 422, err);
      return;
    }
  }
  sim_changed(s);
  send_json(r, 200, sim_settings_json(s));
}

static void latency(struct sim *s, struct at_req *r)
{
  if (!method_is(r, "POST")) {
    not_allowed(r, "POST");
    return;
  }
  cJSON *b = body_obj(r);
  if (b == NULL)
    return;
  const char *p50 = jget_str(b, "p50"), *p99 = jget_str(b, "p99");
  int64_t a = 0, z = 0;
  char err[160];
  if (!p50 || at_duration_parse(p50, &a) != 0 ||
      (p99 && at_duration_parse(p99, &z) != 0)) {
    send_error(r, 422, "give 'p50' and 'p99' as durations (e.g. 100ms); "
               "0ms turns latency off");
  } else if (sim_latency_set(s, jget_str(b, "route"), a, p99 ? z : a, err,
                             sizeof err) != 0) {
    send_error(r, 422, err);
  } else {
    send_json(r, 204, NULL);
  }
  cJSON_Delete(b);
}

void control_serve(struct sim *s, struct at_req *r)
{
  if (!at_req_from_loopback(r)) {
    send_error(r, 403, "the control API only answers clients on this machine");
    return;
  }
  const char *path = at_req_path(r);
  static const char pre[] = "/_sim/";
  const char *rest = strncmp(path, pre, 6) == 0 ? path + 6 : "";
  size_t seg = strcspn(rest, "/");
  const char *tail = rest + seg;
  char err[256];
#define IS(name) (seg == strlen(name) && strncmp(rest, name, seg) == 0)
  if (IS("health")) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "ats", s->p->name);
    jput_time(o, "now", sim_now(s));
    cJSON_AddStringToObject(o, "clock", at_clock_is_virtual(at_loop_clock(s->loop))
                                            ? "virtual" : "real");
    cJSON_AddStringToObject(o, "base_url", s->base_url);
    jput_bool(o, "listening", !s->refused);
    send_json(r, 200, o);
  } else if (IS("faults")) {
    faults(s, r, tail);
  } else if (IS("credentials")) {
    credentials(s, r, tail);
  } else if (IS("actions") && *tail == '\0') {
    actions(s, r);
  } else if (IS("webhooks")) {
    webhooks(s, r, tail);
  } else if (IS("state") && *tail == '\0') {
    if (method_is(r, "GET"))
      send_json(r, 200, sim_state_json(s));
    else
      not_allowed(r, "GET");
  } else if (IS("journal") && *tail == '\0') {
    journal(s, r);
  } else if (IS("reset") && *tail == '\0') {
    if (!method_is(r, "POST"))
      not_allowed(r, "POST");
    else if (sim_reset(s, err, sizeof err) != 0)
      send_error(r, 500, err);
    else
      send_json(r, 204, NULL);
  } else if (IS("clock") && *tail == '\0') {
    clock_ctl(s, r);
  } else if (IS("settings") && *tail == '\0') {
    settings(s, r);
  } else if (IS("latency") && *tail == '\0') {
    latency(s, r);
  } else {
    char msg[300];
    snprintf(msg, sizeof msg, "no control endpoint %.200s (see docs/sim.md)",
             path);
    send_error(r, 404, msg);
  }
#undef IS
}
