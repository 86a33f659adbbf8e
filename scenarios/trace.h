/* trace.h — a scenario run's timeline: one line per event (a request the
 * fake ATS answered, an engine log entry, a statement the runner ran, an
 * expectation), in order, with the offset from the start of the run.
 *
 * The trace hash is FNV-1a 64 over every line, so two runs with the same
 * scenario and seed have the same hash whatever the process, the -j or the
 * sanitizer. Lines never hold wall-clock times or port numbers (a port in
 * a message is replaced by "PORT" before it is stored). */
#ifndef SCN_TRACE_H
#define SCN_TRACE_H

#include <stddef.h>
#include <stdint.h>

struct trace {
  char **lines;
  size_t n, cap;
  uint64_t hash;
};

void trace_init(struct trace *t);
void trace_free(struct trace *t);

/* Append a line "<offset>  <who>  <text>"; 'offset' in ms from the start.
 * Returns the line's index. */
size_t trace_add(struct trace *t, int64_t offset, const char *who,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Format an offset as "+HH:MM:SS.mmm" ("+1d02:03:04.005" past a day). */
char *trace_offset(int64_t ms, char *buf, size_t len);

/* The lines [from, to) joined with newlines, each indented by 'indent'
 * (caller frees). */
char *trace_join(const struct trace *t, size_t from, size_t to,
                 const char *indent);

#endif
