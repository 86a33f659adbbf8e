/* simfx.c — see simfx.h. */
#include "simfx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what, const char *detail)
{
  fprintf(stderr, "simfx: %s: %s\n", what, detail ? detail : "");
  abort();
}

static void copy(char *dst, size_t n, const char *src)
{
  if (src == NULL || strlen(src) >= n)
    die("credential field missing or too long", src);
  memcpy(dst, src, strlen(src) + 1);
}

struct simfx *simfx_new(const struct simfx_opts *o)
{
  static const struct simfx_opts defaults = {.rate_limit = 0};
  if (o == NULL)
    o = &defaults;
  struct simfx *f = calloc(1, sizeof *f);
  f->clock = at_clock_new_virtual(AT_CLOCK_DEFAULT_EPOCH_MS);
  f->loop = at_loop_new(f->clock);
  const char *ats = o->ats ? o->ats : "greenhouse";
  struct sim_config cfg = {.ats = ats, .loop = f->loop,
                           .seed = o->seed ? o->seed : 7,
                           .empty = !o->seeded,
                           .rate_limit = o->rate_limit > 0 ? o->rate_limit : 0,
                           .rate_limit_off = o->rate_limit == 0,
                           .rate_window_ms = o->rate_window_ms,
                           .latency_off = !o->latency};
  char err[512];
  f->sim = sim_new(&cfg, err, sizeof err);
  if (f->sim == NULL)
    die("sim_new", err);
  snprintf(f->base, sizeof f->base, "%s", sim_base_url(f->sim));
  cJSON *k = NULL, *c = NULL;
  if (sim_credential_add(f->sim, "api_key", NULL, 0, &k, err, sizeof err) ||
      sim_credential_add(f->sim, "oauth_client", NULL, 0, &c, err, sizeof err))
    die("credentials", err);
  copy(f->key, sizeof f->key, cJSON_GetStringValue(cJSON_GetObjectItem(k, "key")));
  copy(f->key_id, sizeof f->key_id, cJSON_GetStringValue(cJSON_GetObjectItem(k, "id")));
  copy(f->client_id, sizeof f->client_id,
       cJSON_GetStringValue(cJSON_GetObjectItem(c, "client_id")));
  copy(f->client_secret, sizeof f->client_secret,
       cJSON_GetStringValue(cJSON_GetObjectItem(c, "client_secret")));
  copy(f->client_cred, sizeof f->client_cred,
       cJSON_GetStringValue(cJSON_GetObjectItem(c, "id")));
  cJSON_Delete(k);
  cJSON_Delete(c);
  if (strcmp(ats, "greenhouse") != 0)
    return f;
  struct tc_resp t = fx_token(f, "grant_type=client_credentials");
  if (t.status != 200)
    die("client credentials token", t.body);
  cJSON *tj = fx_json(&t);
  copy(f->access, sizeof f->access,
       cJSON_GetStringValue(cJSON_GetObjectItem(tj, "access_token")));
  cJSON_Delete(tj);
  tc_free(&t);
  return f;
}

void simfx_free(struct simfx *f)
{
  if (f == NULL)
    return;
  sim_free(f->sim);
  at_loop_free(f->loop);
  at_clock_free(f->clock);
  free(f);
}

const char *fx_url(struct simfx *f, const char *path)
{
  snprintf(f->url, sizeof f->url, "%s%s", f->base, path);
  return f->url;
}

struct tc_resp fx_v1(struct simfx *f, const char *method, const char *path,
                     const char *body, const char *obo)
{
  char user[80];
  snprintf(user, sizeof user, "%s:", f->key);
  struct tc_opts o = {.user = user, .obo = obo};
  return tc_do(f->loop, method, fx_url(f, path), body, &o);
}

struct tc_resp fx_v3(struct simfx *f, const char *method, const char *path,
                     const char *body)
{
  struct tc_opts o = {.bearer = f->access};
  return tc_do(f->loop, method, fx_url(f, path), body, &o);
}

struct tc_resp fx_token(struct simfx *f, const char *form)
{
  char user[160];
  snprintf(user, sizeof user, "%s:%s", f->client_id, f->client_secret);
  struct tc_opts o = {.user = user,
                      .ctype = "application/x-www-form-urlencoded"};
  return tc_do(f->loop, "POST", fx_url(f, "/token"), form, &o);
}

/* Split "k=v k2=v2" into kv pairs (in place). */
static size_t split_kv(char *buf, struct sim_kv *kv, size_t max)
{
  size_t n = 0;
  char *save = NULL;
  for (char *t = strtok_r(buf, " ", &save); t && n < max;
       t = strtok_r(NULL, " ", &save)) {
    char *eq = strchr(t, '=');
    if (eq == NULL)
      die("bad kv (want k=v)", t);
    *eq = '\0';
    kv[n].key = t;
    kv[n].value = eq + 1;
    for (char *p = eq + 1; *p; p++) /* '~' stands for a space */
      if (*p == '~')
        *p = ' ';
    n++;
  }
  return n;
}

cJSON *fx_action(struct simfx *f, const char *action, const char *kvs)
{
  char buf[1024] = "";
  struct sim_kv kv[16];
  if (kvs)
    snprintf(buf, sizeof buf, "%s", kvs);
  size_t n = split_kv(buf, kv, 16);
  cJSON *out = NULL;
  char err[512];
  if (sim_action(f->sim, action, kv, n, &out, err, sizeof err) != 0)
    die(action, err);
  return out;
}

int fx_fault(struct simfx *f, const char *kind, const char *kvs)
{
  char buf[1024] = "";
  struct sim_kv kv[16];
  if (kvs)
    snprintf(buf, sizeof buf, "%s", kvs);
  size_t n = split_kv(buf, kv, 16);
  int id;
  char err[512];
  if (sim_fault_add(f->sim, kind, kv, n, &id, err, sizeof err) != 0)
    die(kind, err);
  return id;
}

cJSON *fx_json(const struct tc_resp *r)
{
  cJSON *j = cJSON_Parse(r->body ? r->body : "");
  if (j == NULL)
    die("response is not JSON", r->body);
  return j;
}

int64_t fx_id(const cJSON *o, const char *k)
{
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (cJSON_IsRaw(v)) /* results of the C API keep ids as raw integers */
    return strtoll(v->valuestring, NULL, 10);
  if (!cJSON_IsNumber(v))
    return -1;
  return (int64_t)v->valuedouble;
}

void fx_advance(struct simfx *f, int64_t ms)
{
  at_loop_run_until(f->loop, at_loop_now(f->loop) + ms);
}
