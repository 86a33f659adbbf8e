/* atsim.c — the atsim command: `atsim serve` runs a fake ATS; `atsim run`
 * and `atsim list` run and list scenarios (runner.c, list.c); the other
 * scenario commands (certify) join them as they land. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "runner.h"
#include "sim.h"

static void usage(FILE *f)
{
  fputs("usage: atsim COMMAND [OPTIONS]\n"
        "\n"
        "commands:\n"
        "  run      run scenarios (.scn) on the virtual clock against the\n"
        "           fake ATS and the real engine\n"
        "  list     list scenarios: titles, ats, tags, causes covered\n"
        "  serve    run a fake ATS (Greenhouse) on a real clock\n"
        "  help     this text\n"
        "\n"
        "`atsim COMMAND --help` lists a command's options; docs/sim.md\n"
        "describes the control API, docs/scenarios.md the scenario language.\n",
        f);
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return 0;
  }
  signal(SIGPIPE, SIG_IGN);
  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) {
    fputs("atsim: libcurl failed to initialise\n", stderr);
    return 1;
  }
  int rc;
  if (!strcmp(cmd, "serve")) {
    rc = sim_serve_main(argc - 1, argv + 1);
  } else if (!strcmp(cmd, "run")) {
    rc = scn_main_run(argc - 1, argv + 1);
  } else if (!strcmp(cmd, "list")) {
    rc = scn_main_list(argc - 1, argv + 1);
  } else {
    fprintf(stderr, "atsim: unknown command '%s'\n\n", cmd);
    usage(stderr);
    rc = 2;
  }
  curl_global_cleanup();
  return rc;
}
