/* atsync.c — the command line over the engine library, with a store file:
 * connect an ATS, map jobs and stages, approve candidates, look at the
 * state, and run the outbox in real time. */
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "at_clock.h"
#include "atsync.h"

struct cli {
  const char *db;
  const char *org_name;
  struct at_clock *clock;
  struct at_loop *loop;
  struct atsync *e;
  int64_t org;
  /* run: the webhook endpoint and the poll */
  bool listen;
  const char *bind;
  uint16_t port;
  int64_t poll_ms;
};

static struct at_loop *g_loop; /* for the signal handler only */

static void on_signal(int sig)
{
  (void)sig;
  if (g_loop)
    at_loop_stop(g_loop);
}

static void usage(FILE *f)
{
  fputs(
      "usage: atsync [--db FILE] [--org NAME] COMMAND [OPTIONS]\n"
      "\n"
      "  --db FILE   the store (default: $ATSYNC_DB, else ./atsync.db)\n"
      "  --org NAME  the organization (default: default)\n"
      "\n"
      "commands:\n"
      "  connect greenhouse|lever|workable|ashby --url URL CREDENTIALS\n"
      "      CREDENTIALS: --client-id ID --client-secret S\n"
      "                     (--auth-code C [--redirect-uri U] |\n"
      "                      --client-credentials [--sub USER_ID])\n"
      "                     [--token-url U]\n"
      "                   | --api-key K --on-behalf-of USER_ID   (legacy v1)\n"
      "                   [--webhook-secret S]  (the secret the ATS signs\n"
      "                    webhooks with; without it: polling only)\n"
      "  reconnect [ATS] --url URL CREDENTIALS\n"
      "  disconnect\n"
      "  map job OURS ATS_JOB_ID\n"
      "  map stage OURS 'ATS stage name'\n"
      "  map source OURS ATS_SOURCE_ID     (the job's default source)\n"
      "  map status 'ATS stage name'|rejected|hired OURS   (pull direction)\n"
      "  set default_country CC            (ISO 3166, e.g. US; '' = none)\n"
      "  approve --email E [--email E2 ...] --first F --last L --job OURS\n"
      "          [--stage S] [--phone P] [--ref R] [--field KEY=VALUE ...]\n"
      "  update REF [--email E ...] [--first F] [--last L] [--phone P]\n"
      "             [--job J] [--stage S] [--field KEY=VALUE ...]\n"
      "  status\n"
      "  candidates\n"
      "  log [--limit N]\n"
      "  run [--until-idle] [--timeout DURATION] [--poll DURATION|off]\n"
      "      [--webhook-port PORT [--webhook-bind ADDR]]\n"
      "      (webhooks: POST http://ADDR:PORT/webhooks/<organization>)\n",
      f);
}

static int fail_usage(const char *fmt, const char *arg)
{
  fprintf(stderr, "atsync: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n(see 'atsync --help')\n");
  return 2;
}

static bool exists(const char *path)
{
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* Open the engine. 'create' allows a new store; otherwise a missing store
 * is an error naming the fix. */
static int open_cli(struct cli *c, bool create)
{
  if (!create && !exists(c->db)) {
    fprintf(stderr, "atsync: no store at %s: run 'atsync --db %s connect "
            "...' first (or pass the right --db)\n", c->db, c->db);
    return 1;
  }
  c->clock = at_clock_new_real();
  c->loop = at_loop_new(c->clock);
  struct atsync_config cfg = {.loop = c->loop, .store = c->db,
                              .seed = (uint64_t)at_clock_now(c->clock),
                              .poll_interval_ms = c->poll_ms,
                              .webhook_listen = c->listen,
                              .webhook_bind = c->bind,
                              .webhook_port = c->port};
  char err[512];
  c->e = atsync_open(&cfg, err, sizeof err);
  if (c->e == NULL) {
    fprintf(stderr, "atsync: %s\n", err);
    return 1;
  }
  if (atsync_org(c->e, c->org_name, &c->org, err, sizeof err) != 0) {
    fprintf(stderr, "atsync: %s\n", err);
    return 1;
  }
  return 0;
}

static void close_cli(struct cli *c)
{
  atsync_close(c->e);
  at_loop_free(c->loop);
  at_clock_free(c->clock);
}

/* ---- connect ---------------------------------------------------------------- */

static int cmd_connect(struct cli *c, int argc, char **argv, bool again)
{
  static const struct option opts[] = {
      {"url", required_argument, NULL, 'u'},
      {"client-id", required_argument, NULL, 'i'},
      {"client-secret", required_argument, NULL, 's'},
      {"auth-code", required_argument, NULL, 'c'},
      {"redirect-uri", required_argument, NULL, 'r'},
      {"client-credentials", no_argument, NULL, 'C'},
      {"sub", required_argument, NULL, 'S'},
      {"token-url", required_argument, NULL, 't'},
      {"api-key", required_argument, NULL, 'k'},
      {"on-behalf-of", required_argument, NULL, 'o'},
      {"webhook-secret", required_argument, NULL, 'w'},
      {NULL, 0, NULL, 0}};
  struct atsync_credentials cr = {.kind = "greenhouse"};
  bool cc = false;
  optind = 0; /* 0: glibc re-reads the option string (the global parse used "+") */
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
    case 'u': cr.base_url = optarg; break;
    case 'i': cr.client_id = optarg; break;
    case 's': cr.client_secret = optarg; break;
    case 'c': cr.auth_code = optarg; break;
    case 'r': cr.redirect_uri = optarg; break;
    case 'C': cc = true; break;
    case 'S': cr.sub = optarg; break;
    case 't': cr.token_url = optarg; break;
    case 'k': cr.api_key = optarg; break;
    case 'o': cr.on_behalf_of = optarg; break;
    case 'w': cr.webhook_secret = optarg; break;
    default: return 2;
    }
  }
  if (optind < argc) {
    cr.kind = argv[optind++];
    if (optind < argc)
      return fail_usage("unexpected argument '%s'", argv[optind]);
  } else if (!again) {
    return fail_usage("%s", "connect needs the ATS: 'connect greenhouse' "
                            "(or lever, workable, ashby)");
  }
  if (cr.api_key && (cr.client_id || cr.auth_code || cc))
    return fail_usage("%s", "give an API key or OAuth credentials, not both");
  if (cr.api_key)
    cr.auth = ATSYNC_AUTH_API_KEY;
  else if (cc && cr.auth_code)
    return fail_usage("%s", "--auth-code or --client-credentials, not both");
  else
    cr.auth = cc ? ATSYNC_AUTH_CLIENT_CREDENTIALS : ATSYNC_AUTH_OAUTH_CODE;
  if (cr.base_url == NULL)
    return fail_usage("%s", "--url is required (the ATS's API base URL)");
  if (open_cli(c, true) != 0)
    return 1;
  char err[512];
  if (atsync_connect(c->e, c->org, &cr, err, sizeof err) != 0) {
    fprintf(stderr, "atsync: %s\n", err);
    close_cli(c);
    return 2;
  }
  /* an OAuth connection is checked at once: wait for the token (bounded) */
  struct atsync_connection st;
  int64_t limit = at_loop_now(c->loop) + 30000;
  do {
    at_loop_settle(c->loop);
    atsync_connection(c->e, c->org, &st);
  } while (st.state == ATSYNC_CONNECTING && at_loop_now(c->loop) < limit);
  printf("%s: %s%s%s\n", again ? "reconnected" : "connected",
         atsync_state_name(st.state), st.reason[0] ? ": " : "", st.reason);
  close_cli(c);
  return st.state == ATSYNC_CONNECTED ? 0 : 1;
}

static int cmd_disconnect(struct cli *c)
{
  if (open_cli(c, false) != 0)
    return 1;
  char err[256];
  int rc = atsync_disconnect(c->e, c->org, err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "atsync: %s\n", err);
  else
    printf("disconnected; approvals wait until the next connect\n");
  close_cli(c);
  return rc ? 1 : 0;
}

static int cmd_map(struct cli *c, int argc, char **argv)
{
  static const char *const kinds[] = {"job", "stage", "source", "status"};
  int k = -1;
  for (int i = 0; argc == 4 && i < 4; i++)
    if (strcmp(argv[1], kinds[i]) == 0)
      k = i;
  if (k < 0)
    return fail_usage("%s", "use 'map job OURS ATS_JOB_ID', 'map stage OURS "
                            "\"ATS stage\"', 'map source OURS ATS_SOURCE_ID' "
                            "or 'map status \"ATS stage\" OURS'");
  if (open_cli(c, true) != 0)
    return 1;
  char err[256];
  int rc;
  if (k == 0)
    rc = atsync_map_job(c->e, c->org, argv[2], argv[3], err, sizeof err);
  else if (k == 1)
    rc = atsync_map_stage(c->e, c->org, argv[2], argv[3], err, sizeof err);
  else if (k == 2)
    rc = atsync_map_job_source(c->e, c->org, argv[2], argv[3], err,
                               sizeof err);
  else
    rc = atsync_map_status(c->e, c->org, argv[2], argv[3], err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "atsync: %s\n", err);
  else
    printf("mapped %s '%s' -> '%s'\n", argv[1], argv[2], argv[3]);
  close_cli(c);
  return rc ? 2 : 0;
}

static int cmd_set(struct cli *c, int argc, char **argv)
{
  if (argc != 3)
    return fail_usage("%s", "use 'set default_country CC' (e.g. US)");
  if (open_cli(c, true) != 0)
    return 1;
  char err[256];
  int rc = atsync_org_set(c->e, c->org, argv[1], argv[2], err, sizeof err);
  if (rc != 0)
    fprintf(stderr, "atsync: %s\n", err);
  else
    printf("%s = %s\n", argv[1], argv[2]);
  close_cli(c);
  return rc ? 2 : 0;
}

/* ---- approve / update ------------------------------------------------------------ */

static int parse_candidate(int argc, char **argv, struct atsync_candidate *cd,
                           bool update)
{
  static const struct option opts[] = {
      {"email", required_argument, NULL, 'e'},
      {"first", required_argument, NULL, 'f'},
      {"last", required_argument, NULL, 'l'},
      {"job", required_argument, NULL, 'j'},
      {"stage", required_argument, NULL, 's'},
      {"phone", required_argument, NULL, 'p'},
      {"ref", required_argument, NULL, 'r'},
      {"field", required_argument, NULL, 'F'},
      {NULL, 0, NULL, 0}};
  optind = 0; /* 0: glibc re-reads the option string (the global parse used "+") */
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (ch) {
    case 'e':
      if (cd->nemails == ATSYNC_MAX_EMAILS)
        return fail_usage("%s", "too many --email (8 at most)");
      cd->emails[cd->nemails++] = optarg;
      break;
    case 'f': cd->first = optarg; break;
    case 'l': cd->last = optarg; break;
    case 'j': cd->job = optarg; break;
    case 's': cd->stage = optarg; break;
    case 'p': cd->phone = optarg; break;
    case 'F': {
      char *eq = strchr(optarg, '=');
      if (eq == NULL || eq == optarg)
        return fail_usage("--field '%s' must be KEY=VALUE", optarg);
      if (cd->nfields == ATSYNC_MAX_FIELDS)
        return fail_usage("%s", "too many --field (8 at most)");
      *eq = '\0';
      cd->field_keys[cd->nfields] = optarg;
      cd->field_values[cd->nfields++] = eq + 1;
      break;
    }
    case 'r':
      if (update)
        return fail_usage("%s", "update takes the ref as its argument");
      cd->ref = optarg;
      break;
    default: return 2;
    }
  }
  return 0;
}

static int cmd_approve(struct cli *c, int argc, char **argv)
{
  struct atsync_candidate cd = {0};
  int rc = parse_candidate(argc, argv, &cd, false);
  if (rc)
    return rc;
  if (optind < argc)
    return fail_usage("unexpected argument '%s'", argv[optind]);
  if (open_cli(c, true) != 0)
    return 1;
  char err[256];
  int64_t id;
  if (atsync_approve(c->e, c->org, &cd, &id, err, sizeof err) != 0) {
    fprintf(stderr, "atsync: %s\n", err);
    close_cli(c);
    return 2;
  }
  struct atsync_candidate_info info;
  char ref[64];
  snprintf(ref, sizeof ref, "c-%lld", (long long)id);
  atsync_candidate(c->e, c->org, cd.ref ? cd.ref : ref, &info);
  printf("approved %s (%s %s); queued for the ATS\n", info.ref, info.first,
         info.last);
  close_cli(c);
  return 0;
}

static int cmd_update(struct cli *c, int argc, char **argv)
{
  struct atsync_candidate cd = {0};
  int rc = parse_candidate(argc, argv, &cd, true);
  if (rc)
    return rc;
  if (optind + 1 != argc)
    return fail_usage("%s", "update needs exactly one REF");
  if (open_cli(c, false) != 0)
    return 1;
  char err[256];
  if (atsync_update(c->e, c->org, argv[optind], &cd, err, sizeof err) != 0) {
    fprintf(stderr, "atsync: %s\n", err);
    close_cli(c);
    return 2;
  }
  printf("updated %s\n", argv[optind]);
  close_cli(c);
  return 0;
}

/* ---- status / candidates / log ---------------------------------------------------- */

struct counts {
  int n[5];
};

static void count(void *ud, const struct atsync_candidate_info *i)
{
  ((struct counts *)ud)->n[i->sync]++;
}


static int cmd_status(struct cli *c)
{
  if (open_cli(c, false) != 0)
    return 1;
  struct atsync_connection st;
  atsync_connection(c->e, c->org, &st);
  char since[AT_TIME_BUF];
  printf("Organization: %s\n", c->org_name);
  if (st.kind[0])
    printf("Connection:   %s (%s)\n", st.kind, atsync_auth_name(st.kind, st.auth));
  printf("State:        %s since %s\n", atsync_state_name(st.state),
         at_time_iso8601(st.since, false, since));
  if (st.reason[0])
    printf("Reason:       %s\n", st.reason);
  if (st.last_success)
    printf("Last success: %s\n", at_time_iso8601(st.last_success, false, since));
  if (st.kind[0]) {
    printf("Webhooks:     %s", st.webhooks ? "set up" : "not set up (polling "
                                                          "only)");
    if (st.webhooks)
      printf(", last received %s", st.last_webhook
                                       ? at_time_iso8601(st.last_webhook,
                                                         false, since)
                                       : "never");
    if (st.webhooks_rejected)
      printf(", %d refused since start (bad signature or payload)",
             st.webhooks_rejected);
    printf("\nLast poll:    %s\n", st.last_poll ? at_time_iso8601(st.last_poll,
                                                                   false, since)
                                                 : "never");
    printf("Duplicates:   %s\n", st.people_ready
                                      ? "checked by email, and by name and "
                                        "phone against the ATS's people"
                                      : "checked by email; the ATS's people "
                                        "are read at the first poll");
  }
  struct counts n = {0};
  atsync_candidates(c->e, c->org, count, &n);
  printf("Candidates:   %d synced, %d pushing, %d queued, %d waiting, %d need "
         "attention\n", n.n[ATSYNC_SYNCED], n.n[ATSYNC_PUSHING],
         n.n[ATSYNC_QUEUED], n.n[ATSYNC_WAITING], n.n[ATSYNC_NEEDS_ATTENTION]);
  close_cli(c);
  return 0;
}

static void print_cand(void *ud, const struct atsync_candidate_info *i)
{
  (void)ud;
  printf("%-12s %-24.24s %-16s ats candidate %-10s application %-10s "
         "stage %-22.22s attempts %d\n", i->ref, i->emails,
         atsync_sync_name(i->sync),
         i->ats_candidate_id[0] ? i->ats_candidate_id : "-",
         i->ats_application_id[0] ? i->ats_application_id : "-",
         i->ats_stage[0] ? i->ats_stage : "-", i->attempts);
  if (i->status[0])
    printf("             status: %s%s%s%s\n", i->status,
           i->ats_status[0] ? " (ATS: " : "", i->ats_status,
           i->ats_status[0] ? ")" : "");
  if (i->error[0])
    printf("             error: %s\n", i->error);
  if (i->ats_words[0])
    printf("             the ATS said: %s\n", i->ats_words);
}

static int cmd_candidates(struct cli *c)
{
  if (open_cli(c, false) != 0)
    return 1;
  atsync_candidates(c->e, c->org, print_cand, NULL);
  close_cli(c);
  return 0;
}

struct logctx {
  int64_t skip;
  int64_t seen;
};

static void count_log(void *ud, const struct atsync_log_entry *l)
{
  (void)l;
  ((struct logctx *)ud)->seen++;
}

static void print_log(void *ud, const struct atsync_log_entry *l)
{
  struct logctx *x = ud;
  if (x->skip > 0) {
    x->skip--;
    return;
  }
  char at[AT_TIME_BUF];
  printf("%s %-10s %-12s %s\n", at_time_iso8601(l->at, false, at), l->kind,
         l->candidate[0] ? l->candidate : "-", l->message);
}

static int cmd_log(struct cli *c, int argc, char **argv)
{
  long limit = 50;
  if (argc == 3 && strcmp(argv[1], "--limit") == 0) {
    char *end;
    limit = strtol(argv[2], &end, 10);
    if (*end || limit <= 0)
      return fail_usage("--limit '%s' must be a positive number", argv[2]);
  } else if (argc != 1) {
    return fail_usage("%s", "use 'log [--limit N]'");
  }
  if (open_cli(c, false) != 0)
    return 1;
  struct logctx x = {0};
  atsync_log(c->e, c->org, 0, count_log, &x);
  x.skip = x.seen > limit ? x.seen - limit : 0;
  atsync_log(c->e, c->org, 0, print_log, &x);
  close_cli(c);
  return 0;
}

/* ---- run ---------------------------------------------------------------------------- */

struct runctx {
  struct cli *c;
};

static bool idle(void *ud)
{
  struct cli *c = ud;
  if (atsync_busy(c->e))
    return false;
  if (atsync_pending(c->e, c->org) == 0)
    return true;
  /* nothing can move without the user: stop and say so */
  struct atsync_connection st;
  atsync_connection(c->e, c->org, &st);
  return st.state == ATSYNC_DISCONNECTED || st.state == ATSYNC_NOT_CONNECTED;
}

static int cmd_run(struct cli *c, int argc, char **argv)
{
  static const struct option opts[] = {
      {"until-idle", no_argument, NULL, 'i'},
      {"timeout", required_argument, NULL, 't'},
      {"poll", required_argument, NULL, 'p'},
      {"webhook-port", required_argument, NULL, 'w'},
      {"webhook-bind", required_argument, NULL, 'b'},
      {NULL, 0, NULL, 0}};
  bool until_idle = false;
  int64_t timeout = 0;
  optind = 0; /* 0: glibc re-reads the option string (the global parse used "+") */
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    if (ch == 'i')
      until_idle = true;
    else if (ch == 't') {
      if (at_duration_parse(optarg, &timeout) != 0 || timeout <= 0)
        return fail_usage("--timeout '%s' is not a duration (e.g. 30s)", optarg);
    } else if (ch == 'p') {
      if (strcmp(optarg, "off") == 0)
        c->poll_ms = -1;
      else if (at_duration_parse(optarg, &c->poll_ms) != 0 ||
               c->poll_ms < 1000)
        return fail_usage("--poll '%s' is not a duration of 1s or more (e.g. "
                          "5m), nor 'off'", optarg);
    } else if (ch == 'w') {
      char *end;
      long port = strtol(optarg, &end, 10);
      if (*end || port < 0 || port > 65535)
        return fail_usage("--webhook-port '%s' is not a port (0-65535)",
                          optarg);
      c->listen = true;
      c->port = (uint16_t)port;
    } else if (ch == 'b') {
      c->bind = optarg;
    } else {
      return 2;
    }
  }
  if (optind < argc)
    return fail_usage("unexpected argument '%s'", argv[optind]);
  if (c->bind && !c->listen)
    return fail_usage("%s", "--webhook-bind needs --webhook-port");
  if (open_cli(c, false) != 0)
    return 1;
  if (c->listen)
    printf("webhooks: POST http://%s:%u/webhooks/%s\n",
           c->bind ? c->bind : "127.0.0.1", atsync_webhook_port(c->e),
           c->org_name);
  fflush(stdout);
  g_loop = c->loop;
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int64_t limit = timeout ? at_loop_now(c->loop) + timeout : INT64_MAX;
  enum at_run r;
  if (until_idle) {
    r = at_loop_run_while(c->loop, idle, c, limit);
  } else if (timeout) {
    r = at_loop_run_until(c->loop, limit);
  } else {
    r = at_loop_run(c->loop);
  }
  g_loop = NULL;
  int pending = atsync_pending(c->e, c->org);
  struct atsync_connection st;
  atsync_connection(c->e, c->org, &st);
  int rc = 0;
  if (r == AT_RUN_STOPPED)
    printf("stopped; %d push(es) still queued\n", pending);
  else if (pending == 0)
    printf("idle: every approved candidate is synced or needs attention\n");
  else {
    printf("%d push(es) still queued; connection %s%s%s\n", pending,
           atsync_state_name(st.state), st.reason[0] ? ": " : "", st.reason);
    rc = 3;
  }
  close_cli(c);
  return rc;
}

int main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"db", required_argument, NULL, 'd'},
      {"org", required_argument, NULL, 'o'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  struct cli c = {.db = getenv("ATSYNC_DB"), .org_name = "default"};
  if (c.db == NULL)
    c.db = "atsync.db";
  int ch;
  /* global options stop at the command */
  while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    switch (ch) {
    case 'd': c.db = optarg; break;
    case 'o': c.org_name = optarg; break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (optind >= argc) {
    usage(stderr);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
    fputs("atsync: libcurl failed to initialise\n", stderr);
    return 1;
  }
  const char *cmd = argv[optind];
  int n = argc - optind;
  char **v = argv + optind;
  int rc;
  if (!strcmp(cmd, "connect"))
    rc = cmd_connect(&c, n, v, false);
  else if (!strcmp(cmd, "reconnect"))
    rc = cmd_connect(&c, n, v, true);
  else if (!strcmp(cmd, "disconnect"))
    rc = n == 1 ? cmd_disconnect(&c) : fail_usage("%s", "disconnect takes no arguments");
  else if (!strcmp(cmd, "map"))
    rc = cmd_map(&c, n, v);
  else if (!strcmp(cmd, "set"))
    rc = cmd_set(&c, n, v);
  else if (!strcmp(cmd, "approve"))
    rc = cmd_approve(&c, n, v);
  else if (!strcmp(cmd, "update"))
    rc = cmd_update(&c, n, v);
  else if (!strcmp(cmd, "status"))
    rc = n == 1 ? cmd_status(&c) : fail_usage("%s", "status takes no arguments");
  else if (!strcmp(cmd, "candidates"))
    rc = n == 1 ? cmd_candidates(&c) : fail_usage("%s", "candidates takes no arguments");
  else if (!strcmp(cmd, "log"))
    rc = cmd_log(&c, n, v);
  else if (!strcmp(cmd, "run"))
    rc = cmd_run(&c, n, v);
  else if (!strcmp(cmd, "help"))
    rc = (usage(stdout), 0);
  else
    rc = fail_usage("unknown command '%s'", cmd);
  curl_global_cleanup();
  return rc;
}
