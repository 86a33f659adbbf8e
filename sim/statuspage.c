/* statuspage.c — the vendor's status page in the Atlassian Statuspage v2
 * format (status.json, summary.json, components, incidents, scheduled
 * maintenances). It reflects the outage faults: one with a 'message' is a
 * scheduled maintenance, one without is an incident, one with page=silent
 * is not reported (status pages lag real outages). */
#include "sim_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_ID "atsimpage001"

enum comp { C_API, C_AUTH, C_WEBHOOKS, C__N };
static const char *const comp_names[C__N] = {"Harvest API", "OAuth",
                                             "Webhooks"};
static const char *const comp_ids[C__N] = {"cmpapi000001", "cmpauth00001",
                                           "cmphooks0001"};

static const char *comp_name(const struct sim *s, int i)
{
  if (i == C_API && s->p->status_api_component)
    return s->p->status_api_component;
  return comp_names[i];
}

static enum comp fault_comp(const struct sim_fault *f)
{
  if (f->route && (strstr(f->route, "/token") || strstr(f->route, "/authorize")))
    return C_AUTH;
  return C_API;
}

static bool is_maintenance(const struct sim_fault *f) { return f->message != NULL; }

static const char *comp_status_for(const struct sim_fault *f)
{
  if (is_maintenance(f))
    return "under_maintenance";
  switch (f->mode) {
  case SIM_OUT_SLOW:
    return "degraded_performance";
  case SIM_OUT_TRUNCATED:
  case SIM_OUT_MALFORMED:
    return "partial_outage";
  default:
    return "major_outage";
  }
}

static int severity(const char *status)
{
  static const char *const order[] = {"operational", "degraded_performance",
                                      "under_maintenance", "partial_outage",
                                      "major_outage"};
  for (int i = 0; i < 5; i++)
    if (strcmp(order[i], status) == 0)
      return i;
  return 0;
}

static bool reported(const struct sim_fault *f)
{
  return f->kind == SIM_F_OUTAGE && !f->page_silent;
}

static cJSON *page_json(const struct sim *s)
{
  cJSON *p = cJSON_CreateObject();
  cJSON_AddStringToObject(p, "id", PAGE_ID);
  cJSON_AddStringToObject(p, "name", s->p->display);
  char url[96];
  if (s->p->status_url)
    snprintf(url, sizeof url, "%s", s->p->status_url);
  else
    snprintf(url, sizeof url, "https://status.%s.io", s->p->name);
  cJSON_AddStringToObject(p, "url", url);
  cJSON_AddStringToObject(p, "time_zone", "Etc/UTC");
  jput_time(p, "updated_at", sim_now(s));
  return p;
}

static void comp_statuses(const struct sim *s, const char *out[C__N])
{
  for (int i = 0; i < C__N; i++)
    out[i] = "operational";
  int64_t now = sim_now(s);
  for (size_t i = 0; i < s->faults.n; i++) {
    const struct sim_fault *f = s->faults.v[i];
    if (!reported(f) || !fault_window_open(f, now))
      continue;
    enum comp c = fault_comp(f);
    const char *st = comp_status_for(f);
    if (severity(st) > severity(out[c]))
      out[c] = st;
  }
}

static cJSON *components_json(const struct sim *s)
{
  const char *st[C__N];
  comp_statuses(s, st);
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; i < C__N; i++) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "id", comp_ids[i]);
    cJSON_AddStringToObject(c, "name", comp_name(s, (int)i));
    cJSON_AddStringToObject(c, "status", st[i]);
    jput_time(c, "created_at", at_clock_epoch(at_loop_clock(s->loop)));
    jput_time(c, "updated_at", sim_now(s));
    jput_int(c, "position", i + 1);
    cJSON_AddNullToObject(c, "description");
    jput_bool(c, "showcase", true);
    cJSON_AddNullToObject(c, "start_date");
    cJSON_AddNullToObject(c, "group_id");
    cJSON_AddStringToObject(c, "page_id", PAGE_ID);
    jput_bool(c, "group", false);
    jput_bool(c, "only_show_if_degraded", false);
    cJSON_AddItemToArray(a, c);
  }
  return a;
}

static cJSON *status_json(const struct sim *s)
{
  const char *st[C__N];
  comp_statuses(s, st);
  int worst = 0;
  bool maint = false;
  for (int i = 0; i < C__N; i++) {
    if (severity(st[i]) > worst)
      worst = severity(st[i]);
    maint |= strcmp(st[i], "under_maintenance") == 0;
  }
  cJSON *o = cJSON_CreateObject();
  const char *ind = "none", *desc = "All Systems Operational";
  if (worst == 4) {
    ind = "major";
    desc = "Major Service Outage";
  } else if (worst == 3) {
    ind = "minor";
    desc = "Partial System Outage";
  } else if (maint) {
    ind = "maintenance";
    desc = "Service Under Maintenance";
  } else if (worst == 1) {
    ind = "minor";
    desc = "Minor Service Outage";
  }
  cJSON_AddStringToObject(o, "indicator", ind);
  cJSON_AddStringToObject(o, "description", desc);
  return o;
}

/* An incident or maintenance record for fault f. */
static cJSON *event_json(const struct sim *s, const struct sim_fault *f)
{
  int64_t now = sim_now(s);
  bool maint = is_maintenance(f);
  const char *status;
  if (maint)
    status = now < f->from ? "scheduled"
             : fault_window_open(f, now) ? "in_progress" : "completed";
  else
    status = fault_window_open(f, now) ? "investigating" : "resolved";
  cJSON *o = cJSON_CreateObject();
  char id[32], body[256];
  snprintf(id, sizeof id, "%s%08d", maint ? "mnt" : "inc", f->id);
  cJSON_AddStringToObject(o, "id", id);
  enum comp c = fault_comp(f);
  if (maint)
    snprintf(body, sizeof body, "Scheduled maintenance: %s", comp_name(s, (int)c));
  else
    snprintf(body, sizeof body, "%s %s", f->mode == SIM_OUT_SLOW
                                             ? "Elevated latency on the"
                                             : "Elevated error rates on the",
             comp_name(s, (int)c));
  cJSON_AddStringToObject(o, "name", body);
  cJSON_AddStringToObject(o, "status", status);
  jput_time(o, "created_at", f->created);
  jput_time(o, "updated_at", now);
  cJSON_AddNullToObject(o, "monitoring_at");
  bool done = !strcmp(status, "completed") || !strcmp(status, "resolved");
  jput_time(o, "resolved_at", done ? f->until : 0);
  cJSON_AddStringToObject(o, "impact", maint ? "maintenance"
                                             : f->mode == SIM_OUT_SLOW
                                                   ? "minor" : "major");
  char link[64];
  snprintf(link, sizeof link, "https://stspg.io/%s", id);
  cJSON_AddStringToObject(o, "shortlink", link);
  jput_time(o, "started_at", f->from);
  cJSON_AddStringToObject(o, "page_id", PAGE_ID);
  cJSON *ups = cJSON_AddArrayToObject(o, "incident_updates");
  cJSON *u = cJSON_CreateObject();
  snprintf(link, sizeof link, "upd%08d", f->id);
  cJSON_AddStringToObject(u, "id", link);
  cJSON_AddStringToObject(u, "status", status);
  cJSON_AddStringToObject(u, "body", maint ? f->message
                                           : "We are investigating reports "
                                             "of errors.");
  cJSON_AddStringToObject(u, "incident_id", id);
  jput_time(u, "created_at", f->created);
  jput_time(u, "updated_at", now);
  jput_time(u, "display_at", f->created);
  cJSON_AddItemToArray(ups, u);
  cJSON *comps = cJSON_AddArrayToObject(o, "components");
  cJSON *co = cJSON_CreateObject();
  cJSON_AddStringToObject(co, "id", comp_ids[c]);
  cJSON_AddStringToObject(co, "name", comp_name(s, (int)c));
  cJSON_AddStringToObject(co, "status", comp_status_for(f));
  cJSON_AddItemToArray(comps, co);
  if (maint) {
    jput_time(o, "scheduled_for", f->from);
    jput_time(o, "scheduled_until", f->until);
  }
  return o;
}

/* which: 0 all incidents, 1 unresolved; maintenance: 2 all, 3 upcoming,
 * 4 active. */
static cJSON *events(const struct sim *s, int which)
{
  cJSON *a = cJSON_CreateArray();
  int64_t now = sim_now(s);
  for (size_t i = s->faults.n; i-- > 0;) {
    const struct sim_fault *f = s->faults.v[i];
    if (!reported(f))
      continue;
    bool maint = is_maintenance(f), open = fault_window_open(f, now);
    bool take;
    switch (which) {
    case 0: take = !maint && now >= f->from; break;
    case 1: take = !maint && open; break;
    case 2: take = maint; break;
    case 3: take = maint && now < f->from; break;
    default: take = maint && open; break;
    }
    if (take)
      cJSON_AddItemToArray(a, event_json(s, f));
  }
  return a;
}

bool statuspage_serve(struct sim *s, struct at_req *r)
{
  static const char *const paths[] = {
      "/api/v2/status.json", "/api/v2/summary.json",
      "/api/v2/components.json", "/api/v2/incidents.json",
      "/api/v2/incidents/unresolved.json",
      "/api/v2/scheduled-maintenances.json",
      "/api/v2/scheduled-maintenances/upcoming.json",
      "/api/v2/scheduled-maintenances/active.json", NULL};
  const char *path = at_req_path(r);
  int which = -1;
  for (int i = 0; paths[i]; i++)
    if (strcmp(path, paths[i]) == 0)
      which = i;
  if (which < 0)
    return false;
  cJSON *o = cJSON_CreateObject();
  cJSON_AddItemToObject(o, "page", page_json(s));
  switch (which) {
  case 0: cJSON_AddItemToObject(o, "status", status_json(s)); break;
  case 1:
    cJSON_AddItemToObject(o, "components", components_json(s));
    cJSON_AddItemToObject(o, "incidents", events(s, 1));
    cJSON_AddItemToObject(o, "scheduled_maintenances", events(s, 4));
    cJSON_AddItemToObject(o, "status", status_json(s));
    break;
  case 2: cJSON_AddItemToObject(o, "components", components_json(s)); break;
  case 3: cJSON_AddItemToObject(o, "incidents", events(s, 0)); break;
  case 4: cJSON_AddItemToObject(o, "incidents", events(s, 1)); break;
  case 5: cJSON_AddItemToObject(o, "scheduled_maintenances", events(s, 2)); break;
  case 6: cJSON_AddItemToObject(o, "scheduled_maintenances", events(s, 3)); break;
  default: cJSON_AddItemToObject(o, "scheduled_maintenances", events(s, 4)); break;
  }
  struct at_resp *resp = at_resp_new(200);
  size_t len;
  char *t = jprint(o, &len);
  cJSON_Delete(o);
  at_resp_body_take(resp, "application/json", t, len);
  at_req_respond(r, resp, 0);
  return true;
}

cJSON *sim_status_page_json(const struct sim *s)
{
  return status_json(s);
}
