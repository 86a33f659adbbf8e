/* journal.c — the request journal: a bounded ring of fixed-size entries
 * (no allocation per request). */
#include "sim_int.h"

#include <stdlib.h>
#include <string.h>

void journal_init(struct sim_journal *j, size_t cap)
{
  j->cap = cap ? cap : 10000;
  j->ring = xcalloc(j->cap, sizeof *j->ring);
  j->next = 1;
}

void journal_free(struct sim_journal *j)
{
  free(j->ring);
  j->ring = NULL;
}

void journal_clear(struct sim_journal *j)
{
  memset(j->ring, 0, j->cap * sizeof *j->ring);
  j->next = 1;
}

struct sim_journal_entry *journal_add(struct sim_journal *j)
{
  struct sim_journal_entry *e = &j->ring[(j->next - 1) % j->cap];
  memset(e, 0, sizeof *e);
  e->n = j->next++;
  return e;
}

struct sim_journal_entry *journal_find(struct sim_journal *j, uint64_t n)
{
  if (n == 0 || n >= j->next || j->next - n > j->cap)
    return NULL;
  return &j->ring[(n - 1) % j->cap];
}
