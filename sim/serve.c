/* serve.c — `atsim serve`: one fake ATS on the real clock, in one thread
 * (the shared loop), until SIGINT or SIGTERM. */
#include "sim_int.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_clock.h"

static struct at_loop *g_loop; /* for the signal handler only */

static void on_signal(int sig)
{
  (void)sig;
  if (g_loop)
    at_loop_stop(g_loop);
}

static void usage(FILE *f)
{
  fputs("usage: atsim serve --ats greenhouse [--port N] [--port-file F]\n"
        "                   [--control-port N] [--seed N] [--data FILE]\n"
        "                   [--bind ADDR] [--rate-limit N/WINDOW|off]\n"
        "                   [--latency P50/P99|off] [--journal N] [--empty]\n"
        "\n"
        "  --ats NAME          the personality (greenhouse)\n"
        "  --port N            API port (default 8080; 0 = any free port)\n"
        "  --port-file F       write the API port to F once listening\n"
        "  --control-port N    loopback-only control port (default: any free\n"
        "                      port); /_sim/ is also served on the API port\n"
        "  --seed N            PRNG seed (latency, ids of secrets; default 1)\n"
        "  --data FILE         JSON tenant replacing the seed data\n"
        "  --empty             start from an empty organization (one admin)\n"
        "  --bind ADDR         API listen address (default 127.0.0.1)\n"
        "  --rate-limit SPEC   e.g. 50/10s; 'off' for benchmarks\n"
        "  --latency SPEC      e.g. 100ms/400ms (p50/p99); 'off'\n"
        "  --journal N         request journal size (default 10000)\n",
        f);
}

static int parse_rate(const char *v, struct sim_config *cfg)
{
  if (strcmp(v, "off") == 0) {
    cfg->rate_limit_off = true;
    return 0;
  }
  char *end;
  long n = strtol(v, &end, 10);
  if (end == v || n <= 0 || n > 1000000)
    return -1;
  cfg->rate_limit = (int)n;
  if (*end == '\0')
    return 0;
  if (*end != '/' || at_duration_parse(end + 1, &cfg->rate_window_ms) != 0 ||
      cfg->rate_window_ms <= 0)
    return -1;
  return 0;
}

static int parse_latency(const char *v, bool *off, int64_t *p50, int64_t *p99)
{
  if (strcmp(v, "off") == 0) {
    *off = true;
    return 0;
  }
  char a[32], b[32];
  const char *slash = strchr(v, '/');
  if (slash == NULL || (size_t)(slash - v) >= sizeof a || strlen(slash) >= sizeof b)
    return -1;
  memcpy(a, v, (size_t)(slash - v));
  a[slash - v] = '\0';
  snprintf(b, sizeof b, "%s", slash + 1);
  if (at_duration_parse(a, p50) != 0 || at_duration_parse(b, p99) != 0 ||
      *p99 < *p50)
    return -1;
  return 0;
}

static void print_creds(struct sim *s)
{
  char err[256];
  cJSON *key = NULL, *client = NULL;
  if (sim_credential_add(s, "api_key", NULL, 0, &key, err, sizeof err) != 0 ||
      sim_credential_add(s, "oauth_client", NULL, 0, &client, err,
                         sizeof err) != 0) {
    fprintf(stderr, "atsim serve: %s\n", err);
    cJSON_Delete(key);
    return;
  }
  const struct sim_personality *p = s->p;
  printf("API key (%s):  %s   (credential %s, all permissions)\n",
         p->serve_key_use ? p->serve_key_use : "key", jget_str(key, "key"),
         jget_str(key, "id"));
  if (!p->serve_no_oauth) {
    printf("OAuth client:  client_id=%s\n", jget_str(client, "client_id"));
    printf("               client_secret=%s   (credential %s)\n",
           jget_str(client, "client_secret"), jget_str(client, "id"));
    printf("               token URL %s\n", jget_str(client, "token_url"));
  }
  cJSON_Delete(key);
  cJSON_Delete(client);
}

int sim_serve_main(int argc, char **argv)
{
  static const struct option opts[] = {
      {"ats", required_argument, NULL, 'a'},
      {"port", required_argument, NULL, 'p'},
      {"port-file", required_argument, NULL, 'f'},
      {"control-port", required_argument, NULL, 'c'},
      {"seed", required_argument, NULL, 's'},
      {"data", required_argument, NULL, 'd'},
      {"bind", required_argument, NULL, 'b'},
      {"rate-limit", required_argument, NULL, 'r'},
      {"latency", required_argument, NULL, 'l'},
      {"journal", required_argument, NULL, 'j'},
      {"empty", no_argument, NULL, 'e'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  struct sim_config cfg = {.ats = "greenhouse", .port = 8080, .seed = 1,
                           .control_listener = true};
  const char *port_file = NULL;
  bool lat_off = false, lat_set = false;
  int64_t p50 = 0, p99 = 0;
  optind = 1;
  int ch;
  while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    char *end = NULL;
    long n;
    switch (ch) {
    case 'a': cfg.ats = optarg; break;
    case 'p':
    case 'c':
      n = strtol(optarg, &end, 10);
      if (*optarg == '\0' || *end || n < 0 || n > 65535) {
        fprintf(stderr, "atsim serve: --%s '%s' is not a port (0-65535)\n",
                ch == 'p' ? "port" : "control-port", optarg);
        return 2;
      }
      *(ch == 'p' ? &cfg.port : &cfg.control_port) = (uint16_t)n;
      break;
    case 'f': port_file = optarg; break;
    case 's':
      errno = 0;
      cfg.seed = strtoull(optarg, &end, 10);
      if (*optarg == '\0' || *end || errno) {
        fprintf(stderr, "atsim serve: --seed '%s' is not a number\n", optarg);
        return 2;
      }
      break;
    case 'd': cfg.data_file = optarg; break;
    case 'b': cfg.bind = optarg; break;
    case 'e': cfg.empty = true; break;
    case 'r':
      if (parse_rate(optarg, &cfg) != 0) {
        fprintf(stderr, "atsim serve: --rate-limit '%s': use N/WINDOW (e.g. "
                "50/10s), N, or off\n", optarg);
        return 2;
      }
      break;
    case 'l':
      if (parse_latency(optarg, &lat_off, &p50, &p99) != 0) {
        fprintf(stderr, "atsim serve: --latency '%s': use P50/P99 (e.g. "
                "100ms/400ms) or off\n", optarg);
        return 2;
      }
      lat_set = true;
      break;
    case 'j':
      n = strtol(optarg, &end, 10);
      if (*optarg == '\0' || *end || n < 1 || n > 10000000) {
        fprintf(stderr, "atsim serve: --journal '%s' must be 1..10000000\n",
                optarg);
        return 2;
      }
      cfg.journal_cap = (size_t)n;
      break;
    case 'h': usage(stdout); return 0;
    default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "atsim serve: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return 2;
  }
  cfg.latency_off = lat_off;
  if (lat_set && !lat_off) {
    cfg.latency_p50_ms = p50;
    cfg.latency_p99_ms = p99;
  }
  struct at_clock *clock = at_clock_new_real();
  struct at_loop *loop = at_loop_new(clock);
  cfg.loop = loop;
  char err[512];
  struct sim *s = sim_new(&cfg, err, sizeof err);
  if (s == NULL) {
    fprintf(stderr, "atsim serve: %s\n", err);
    at_loop_free(loop);
    at_clock_free(clock);
    return 1;
  }
  if (port_file) {
    FILE *f = fopen(port_file, "w");
    if (f == NULL || fprintf(f, "%u\n", sim_port(s)) < 0 || fclose(f) != 0) {
      fprintf(stderr, "atsim serve: cannot write %s: %s\n", port_file,
              strerror(errno));
      sim_free(s);
      at_loop_free(loop);
      at_clock_free(clock);
      return 1;
    }
  }
  printf("atsim: fake %s listening\n", s->p->display);
  printf("Base URL:      %s   (%s)\n", sim_base_url(s),
         s->p->serve_paths ? s->p->serve_paths : "");
  printf("Control URL:   http://127.0.0.1:%u/_sim/   (also %s/_sim/)\n",
         sim_control_port(s), sim_base_url(s));
  printf("Status page:   http://127.0.0.1:%u/api/v2/summary.json\n",
         sim_control_port(s));
  print_creds(s);
  printf("Stop with Ctrl-C.\n");
  fflush(stdout);
  g_loop = loop;
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  at_loop_run(loop);
  g_loop = NULL;
  printf("atsim: shutting down (%llu requests served)\n",
         (unsigned long long)sim_journal_last(s));
  sim_free(s);
  at_loop_free(loop);
  at_clock_free(clock);
  return 0;
}
