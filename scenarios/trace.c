/* trace.c — see trace.h. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "at_hash.h"

void trace_init(struct trace *t)
{
  memset(t, 0, sizeof *t);
  t->hash = AT_FNV64_INIT;
}

void trace_free(struct trace *t)
{
  for (size_t i = 0; i < t->n; i++)
    free(t->lines[i]);
  free(t->lines);
  memset(t, 0, sizeof *t);
}

char *trace_offset(int64_t ms, char *buf, size_t len)
{
  if (ms < 0)
    ms = 0;
  int64_t d = ms / 86400000, h = ms / 3600000 % 24, m = ms / 60000 % 60,
          s = ms / 1000 % 60, x = ms % 1000;
  if (d > 0)
    snprintf(buf, len, "+%lldd%02lld:%02lld:%02lld.%03lld", (long long)d,
             (long long)h, (long long)m, (long long)s, (long long)x);
  else
    snprintf(buf, len, "+%02lld:%02lld:%02lld.%03lld", (long long)h,
             (long long)m, (long long)s, (long long)x);
  return buf;
}

/* Copy 'in' into 'out' (cap bytes) with "127.0.0.1:41234" written as
 * "127.0.0.1:PORT": ports differ from run to run. */
static void mask_ports(const char *in, char *out, size_t cap)
{
  static const char host[] = "127.0.0.1:";
  size_t o = 0;
  while (*in && o + 1 < cap) {
    if (strncmp(in, host, sizeof host - 1) == 0) {
      size_t n = strspn(in + sizeof host - 1, "0123456789");
      if (n > 0) {
        o += (size_t)snprintf(out + o, cap - o, "%sPORT", host);
        if (o >= cap)
          o = cap - 1;
        in += sizeof host - 1 + n;
        continue;
      }
    }
    out[o++] = *in++;
  }
  out[o] = '\0';
}

size_t trace_add(struct trace *t, int64_t offset, const char *who,
                 const char *fmt, ...)
{
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  /* one event, one line */
  for (char *p = text; *p; p++)
    if (*p == '\n' || *p == '\r' || *p == '\t')
      *p = ' ';
  char off[32], masked[2048];
  trace_offset(offset, off, sizeof off);
  mask_ports(text, masked, sizeof masked);
  size_t need = strlen(off) + strlen(who) + strlen(masked) + 16;
  char *line = malloc(need);
  if (line == NULL)
    abort();
  snprintf(line, need, "%s  %-6s %s", off, who, masked);
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 256;
    char **v = realloc(t->lines, t->cap * sizeof *v);
    if (v == NULL)
      abort();
    t->lines = v;
  }
  t->lines[t->n] = line;
  t->hash = at_fnv1a64(t->hash, line, strlen(line) + 1);
  return t->n++;
}

char *trace_join(const struct trace *t, size_t from, size_t to,
                 const char *indent)
{
  if (to > t->n)
    to = t->n;
  size_t len = 1;
  for (size_t i = from; i < to; i++)
    len += strlen(indent) + strlen(t->lines[i]) + 1;
  char *out = malloc(len);
  if (out == NULL)
    abort();
  char *p = out;
  for (size_t i = from; i < to; i++)
    p += sprintf(p, "%s%s\n", indent, t->lines[i]);
  *p = '\0';
  return out;
}
