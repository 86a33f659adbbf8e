/* faults.c — the fault plan: parameters, windows and route patterns.
 * Parameters arrive as key=value strings, from the scenario runner or the
 * control API alike, and every bad one gets a message naming it. */
#include "sim_int.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"

static const char *const kind_names[SIM_F__COUNT] = {
    "rate_limit",       "outage",            "async_create",
    "required_field",   "format_rule",       "webhook_disabled",
    "webhook_delay",    "webhook_duplicate", "webhook_reorder",
    "webhook_bad_signature", "webhook_ids_only"};

static const char *const mode_names[] = {"503",   "500",       "hang",
                                         "slow",  "reset",     "truncated",
                                         "malformed", "refused"};

const char *sim_fault_kind_name(enum sim_fault_kind k) { return kind_names[k]; }
const char *sim_outage_mode_name(enum sim_outage_mode m) { return mode_names[m]; }

const char *sim_fault_kind(size_t i)
{
  return i < SIM_F__COUNT ? kind_names[i] : NULL;
}

int sim_fault_check(const char *kind, const struct sim_kv *kv, size_t n,
                    char *err, size_t errlen)
{
  struct sim_fault *f = fault_parse(kind, kv, n, 0, err, errlen);
  if (f == NULL)
    return -1;
  fault_free(f);
  return 0;
}

/* Parameters each kind accepts besides the common ones. Webhook faults act
 * on deliveries, not on requests: they have no route or credential. */
static const char *const common_params[] = {
    "from", "until", "for", "after", "count", "route", "credential",
    "probability", NULL};
static const char *const webhook_common_params[] = {
    "from", "until", "for", "after", "count", "probability", NULL};

static bool is_webhook_kind(enum sim_fault_kind k)
{
  return k >= SIM_F_WEBHOOK_DISABLED;
}

static const char *const *common_for(enum sim_fault_kind k)
{
  return is_webhook_kind(k) ? webhook_common_params : common_params;
}
static const char *const kind_params[SIM_F__COUNT][8] = {
    [SIM_F_RATE_LIMIT] = {"limit", "window", NULL},
    [SIM_F_OUTAGE] = {"mode", "commit", "delay", "hold", "retry_after",
                      "message", "page", NULL},
    [SIM_F_ASYNC_CREATE] = {"delay", NULL},
    [SIM_F_REQUIRED_FIELD] = {"field", "job", NULL},
    [SIM_F_FORMAT_RULE] = {"field", "rule", "job", NULL},
    [SIM_F_WEBHOOK_DISABLED] = {NULL},
    [SIM_F_WEBHOOK_DELAY] = {"delay", NULL},
    [SIM_F_WEBHOOK_DUPLICATE] = {"same_id", "delay", "copies", NULL},
    [SIM_F_WEBHOOK_REORDER] = {"window", NULL},
    [SIM_F_WEBHOOK_BAD_SIGNATURE] = {NULL},
    [SIM_F_WEBHOOK_IDS_ONLY] = {NULL},
};

static bool in_list(const char *const *list, const char *k)
{
  for (; *list; list++)
    if (strcmp(*list, k) == 0)
      return true;
  return false;
}

static void list_params(enum sim_fault_kind kind, char *buf, size_t len)
{
  size_t o = 0;
  buf[0] = '\0';
  for (const char *const *p = kind_params[kind]; *p && o < len; p++)
    o += (size_t)snprintf(buf + o, len - o, "%s, ", *p);
  for (const char *const *p = common_for(kind); *p && o < len; p++)
    o += (size_t)snprintf(buf + o, len - o, "%s%s", *p, p[1] ? ", " : "");
}

int sim_parse_time(const char *v, int64_t now, int64_t *out)
{
  int64_t d;
  if (v[0] == '+' && at_duration_parse(v + 1, &d) == 0) {
    *out = now + d;
    return 0;
  }
  if (at_time_parse_iso8601(v, out) == 0)
    return 0;
  int64_t ms;
  if (parse_id(v, &ms) == 0) {
    *out = ms;
    return 0;
  }
  return -1;
}

static int parse_long(const char *v, long *out)
{
  char *end;
  long n = strtol(v, &end, 10);
  if (*v == '\0' || *end != '\0' || n < 0)
    return -1;
  *out = n;
  return 0;
}

static const char *const rules[] = {"e164", "email", "max_length", "date",
                                    "digits", NULL};

static int check_rule(const char *r)
{
  char name[32];
  size_t n = strcspn(r, ":");
  if (n >= sizeof name)
    return -1;
  memcpy(name, r, n);
  name[n] = '\0';
  if (!in_list(rules, name))
    return -1;
  if (strcmp(name, "max_length") == 0) {
    long len;
    if (r[n] != ':' || parse_long(r + n + 1, &len) != 0 || len <= 0)
      return -1;
  } else if (r[n] != '\0') {
    return -1;
  }
  return 0;
}

#define FAIL(...)                                                              \
  do {                                                                         \
    snprintf(err, errlen, __VA_ARGS__);                                        \
    goto fail;                                                                 \
  } while (0)

static int find_kind(const char *kind, enum sim_fault_kind *out)
{
  for (int i = 0; i < SIM_F__COUNT; i++) {
    if (strcmp(kind, kind_names[i]) == 0) {
      *out = (enum sim_fault_kind)i;
      return 0;
    }
  }
  return -1;
}

/* One parameter, once the kind is known. Returns 0 or -1 (message set). */
static int set_param(struct sim_fault *f, const char *k, const char *v,
                     int64_t now, int64_t *dur, char *err, size_t errlen)
{
  int64_t ms;
  long n;
  if (strcmp(k, "from") == 0 || strcmp(k, "until") == 0) {
    if (sim_parse_time(v, now, &ms) != 0)
      FAIL("fault %s: '%s=%s' is not a time (use an ISO-8601 time, epoch "
           "milliseconds or +DURATION such as +30m)",
           kind_names[f->kind], k, v);
    *(k[0] == 'f' ? &f->from : &f->until) = ms;
  } else if (strcmp(k, "for") == 0 || strcmp(k, "window") == 0 ||
             strcmp(k, "delay") == 0 || strcmp(k, "hold") == 0 ||
             strcmp(k, "retry_after") == 0) {
    if (at_duration_parse(v, &ms) != 0)
      FAIL("fault %s: '%s=%s' is not a duration (use e.g. 30s, 5m, 2h)",
           kind_names[f->kind], k, v);
    if (strcmp(k, "for") == 0)
      *dur = ms;
    else if (strcmp(k, "window") == 0)
      f->window = ms;
    else if (strcmp(k, "delay") == 0)
      f->delay = ms;
    else if (strcmp(k, "hold") == 0)
      f->hold = ms;
    else
      f->retry_after = ms;
  } else if (strcmp(k, "after") == 0 || strcmp(k, "count") == 0 ||
             strcmp(k, "limit") == 0 || strcmp(k, "copies") == 0) {
    if (parse_long(v, &n) != 0)
      FAIL("fault %s: '%s=%s' must be a whole number >= 0",
           kind_names[f->kind], k, v);
    if (k[0] == 'a')
      f->after = n;
    else if (k[0] == 'c' && k[1] == 'o' && k[2] == 'u')
      f->count = n;
    else if (k[0] == 'l')
      f->limit = (int)n;
    else if (n < 1 || n > 10)
      FAIL("fault webhook_duplicate: 'copies=%s' must be from 1 to 10 (the "
           "extra deliveries of each event)", v);
    else
      f->copies = (int)n;
  } else if (strcmp(k, "same_id") == 0) {
    if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
      FAIL("fault webhook_duplicate: 'same_id=%s' must be true (the copy "
           "carries the same event id) or false (a new id)", v);
    f->same_id = v[0] == 't';
  } else if (strcmp(k, "route") == 0) {
    sim_setstr(&f->route, v);
  } else if (strcmp(k, "credential") == 0) {
    sim_setstr(&f->credential, v);
  } else if (strcmp(k, "probability") == 0) {
    char *end;
    double p = strtod(v, &end);
    if (*v == '\0' || *end != '\0' || p < 0.0 || p > 1.0)
      FAIL("fault %s: 'probability=%s' must be a number from 0 to 1",
           kind_names[f->kind], v);
    f->probability = p;
  } else if (strcmp(k, "mode") == 0) {
    int m = -1;
    for (int i = 0; i < 8; i++)
      if (strcmp(v, mode_names[i]) == 0)
        m = i;
    if (m < 0)
      FAIL("fault outage: 'mode=%s' is not a mode (one of 503, 500, hang, "
           "slow, reset, truncated, malformed, refused)", v);
    f->mode = (enum sim_outage_mode)m;
  } else if (strcmp(k, "commit") == 0) {
    if (strcmp(v, "before") == 0)
      f->commit = true;
    else if (strcmp(v, "never") == 0)
      f->commit = false;
    else
      FAIL("fault outage: 'commit=%s' must be 'before' (the write is "
           "applied, then the failure) or 'never'", v);
  } else if (strcmp(k, "message") == 0) {
    sim_setstr(&f->message, v);
  } else if (strcmp(k, "page") == 0) {
    if (strcmp(v, "silent") != 0 && strcmp(v, "shown") != 0)
      FAIL("fault outage: 'page=%s' must be 'shown' or 'silent'", v);
    f->page_silent = v[0] == 's' && v[1] == 'i';
  } else if (strcmp(k, "field") == 0) {
    if (*v == '\0')
      FAIL("fault %s: 'field' must name a field", kind_names[f->kind]);
    sim_setstr(&f->field, v);
  } else if (strcmp(k, "rule") == 0) {
    if (check_rule(v) != 0)
      FAIL("fault format_rule: 'rule=%s' is not a rule (one of e164, email, "
           "max_length:N, date, digits)", v);
    sim_setstr(&f->rule, v);
  } else if (strcmp(k, "job") == 0) {
    if (parse_id(v, &f->job) != 0)
      FAIL("fault %s: 'job=%s' must be a job id", kind_names[f->kind], v);
  }
  return 0;
fail:
  return -1;
}

struct sim_fault *fault_parse(const char *kind, const struct sim_kv *kv,
                              size_t n, int64_t now, char *err, size_t errlen)
{
  enum sim_fault_kind k;
  if (kind == NULL || find_kind(kind, &k) != 0) {
    size_t o = (size_t)snprintf(err, errlen, "unknown fault kind '%s' "
                                "(one of ", kind ? kind : "");
    for (int i = 0; i < SIM_F__COUNT && o < errlen; i++)
      o += (size_t)snprintf(err + o, errlen - o, "%s%s", kind_names[i],
                            i + 1 < SIM_F__COUNT ? ", " : ")");
    return NULL;
  }
  struct sim_fault *f = xcalloc(1, sizeof *f);
  f->kind = k;
  f->probability = 1.0;
  f->created = now;
  f->window = 10000;
  f->mode = SIM_OUT_503;
  if (k == SIM_F_ASYNC_CREATE)
    f->delay = 30000;
  else if (k == SIM_F_OUTAGE)
    f->delay = 30000;
  else if (k == SIM_F_WEBHOOK_DELAY)
    f->delay = 300000;
  if (k == SIM_F_WEBHOOK_DUPLICATE) {
    f->copies = 1;
    f->same_id = true;
    f->delay = 2000;
  } else if (k == SIM_F_WEBHOOK_REORDER) {
    f->window = 30000;
  }
  int64_t dur = -1;
  bool have_from = false, have_until = false;
  for (size_t i = 0; i < n; i++) {
    const char *key = kv[i].key, *v = kv[i].value ? kv[i].value : "";
    if (!in_list(common_for(k), key) && !in_list(kind_params[k], key)) {
      char allowed[256];
      list_params(k, allowed, sizeof allowed);
      FAIL("fault %s has no parameter '%s' (it takes: %s)", kind_names[k],
           key, allowed);
    }
    have_from |= strcmp(key, "from") == 0;
    have_until |= strcmp(key, "until") == 0;
    if (set_param(f, key, v, now, &dur, err, errlen) != 0)
      goto fail;
  }
  if (!have_from)
    f->from = now;
  if (dur >= 0) {
    if (have_until)
      FAIL("fault %s: give 'until' or 'for', not both", kind_names[k]);
    f->until = f->from + dur;
  }
  if (f->until != 0 && f->until <= f->from)
    FAIL("fault %s: the window ends before it starts", kind_names[k]);
  if ((k == SIM_F_REQUIRED_FIELD || k == SIM_F_FORMAT_RULE) && !f->field)
    FAIL("fault %s needs 'field' (the field the ATS checks)", kind_names[k]);
  if (k == SIM_F_FORMAT_RULE && !f->rule)
    FAIL("fault format_rule needs 'rule' (e164, email, max_length:N, date "
         "or digits)");
  if (k == SIM_F_WEBHOOK_DELAY && f->delay <= 0)
    FAIL("fault webhook_delay: 'delay' must be more than 0 (e.g. 5m: each "
         "delivery leaves that much later)");
  if (k == SIM_F_WEBHOOK_REORDER && f->window <= 0)
    FAIL("fault webhook_reorder: 'window' must be more than 0 (e.g. 30s: "
         "events are held that long, then sent newest first)");
  if (k == SIM_F_OUTAGE && f->mode == SIM_OUT_REFUSED &&
      (f->route || f->credential || f->after || f->count ||
       f->probability < 1.0))
    FAIL("fault outage mode=refused takes the whole server down: it has no "
         "route, credential, after, count or probability");
  (void)have_until;
  return f;
fail:
  fault_free(f);
  return NULL;
}

void fault_free(struct sim_fault *f)
{
  if (f == NULL)
    return;
  free(f->route);
  free(f->credential);
  free(f->message);
  free(f->field);
  free(f->rule);
  vec_free(&f->held);
  free(f);
}

bool fault_window_open(const struct sim_fault *f, int64_t now)
{
  return now >= f->from && (f->until == 0 || now < f->until);
}

static void put_dur(cJSON *o, const char *k, int64_t ms)
{
  char buf[32];
  cJSON_AddStringToObject(o, k, at_duration_format(ms, buf, sizeof buf));
}

cJSON *fault_json(const struct sim_fault *f, int64_t now)
{
  cJSON *o = cJSON_CreateObject();
  jput_int(o, "id", f->id);
  cJSON_AddStringToObject(o, "kind", kind_names[f->kind]);
  jput_time(o, "from", f->from);
  jput_time(o, "until", f->until);
  jput_bool(o, "active", fault_window_open(f, now) &&
                             (f->count == 0 || f->applied < f->count));
  if (f->after)
    jput_int(o, "after", f->after);
  if (f->count)
    jput_int(o, "count", f->count);
  if (f->route)
    cJSON_AddStringToObject(o, "route", f->route);
  if (f->credential)
    cJSON_AddStringToObject(o, "credential", f->credential);
  if (f->probability < 1.0)
    cJSON_AddNumberToObject(o, "probability", f->probability);
  switch (f->kind) {
  case SIM_F_RATE_LIMIT:
    jput_int(o, "limit", f->limit);
    put_dur(o, "window", f->window);
    break;
  case SIM_F_OUTAGE:
    cJSON_AddStringToObject(o, "mode", mode_names[f->mode]);
    cJSON_AddStringToObject(o, "commit", f->commit ? "before" : "never");
    if (f->mode == SIM_OUT_SLOW)
      put_dur(o, "delay", f->delay);
    if (f->hold)
      put_dur(o, "hold", f->hold);
    if (f->retry_after)
      put_dur(o, "retry_after", f->retry_after);
    if (f->message)
      cJSON_AddStringToObject(o, "message", f->message);
    cJSON_AddStringToObject(o, "page", f->page_silent ? "silent" : "shown");
    break;
  case SIM_F_ASYNC_CREATE:
  case SIM_F_WEBHOOK_DELAY:
    put_dur(o, "delay", f->delay);
    break;
  case SIM_F_REQUIRED_FIELD:
  case SIM_F_FORMAT_RULE:
    cJSON_AddStringToObject(o, "field", f->field);
    if (f->rule)
      cJSON_AddStringToObject(o, "rule", f->rule);
    if (f->job)
      jput_id(o, "job", f->job);
    break;
  case SIM_F_WEBHOOK_DUPLICATE:
    jput_bool(o, "same_id", f->same_id);
    put_dur(o, "delay", f->delay);
    jput_int(o, "copies", f->copies);
    break;
  case SIM_F_WEBHOOK_REORDER:
    put_dur(o, "window", f->window);
    break;
  default:
    break;
  }
  jput_int(o, "matched", f->matched);
  jput_int(o, "applied", f->applied);
  return o;
}

bool route_match(const char *pattern, const char *method, const char *path,
                 const char *tmpl)
{
  if (pattern == NULL || strcmp(pattern, "*") == 0)
    return true;
  const char *p = pattern;
  size_t ml = 0;
  while (isupper((unsigned char)p[ml]))
    ml++;
  if (ml > 0 && p[ml] == ' ') {
    if (strlen(method) != ml || strncmp(method, p, ml) != 0)
      return false;
    p += ml + 1;
  }
  if (fnmatch(p, path, 0) == 0)
    return true;
  if (tmpl) {
    const char *sp = strchr(tmpl, ' '); /* templates are "METHOD /path" */
    const char *tpath = sp ? sp + 1 : tmpl;
    if (strcmp(p, tpath) == 0 || fnmatch(p, tpath, 0) == 0)
      return true;
  }
  return false;
}
