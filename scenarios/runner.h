/* runner.h — the scenario commands of atsim: `atsim run` (runner.c) and
 * `atsim list` (list.c). argv[0] is the command's name ("run" or "list");
 * the program's own name (for reproduction commands) is read from
 * program_invocation_name.
 *
 * Both return the process's exit status: run gives 0 when every run passed
 * or is pending, 1 when any failed, errored or passed while pending, 2 for
 * invalid files or an invalid command line; list gives 0, or 2 likewise. */
#ifndef SCN_RUNNER_H
#define SCN_RUNNER_H

int scn_main_run(int argc, char **argv);
int scn_main_list(int argc, char **argv);

#endif
