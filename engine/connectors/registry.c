/* registry.c — every connector the engine has, one line each. */
#include "../connector.h"

#include <string.h>

static const struct connector *const connectors[] = {
    &connector_greenhouse,
    &connector_lever,
    &connector_workable,
    &connector_ashby,
};

const struct connector *connector_find(const char *name)
{
  for (size_t i = 0; name && i < sizeof connectors / sizeof *connectors; i++)
    if (strcmp(connectors[i]->name, name) == 0)
      return connectors[i];
  return NULL;
}

const char *connector_name(size_t i)
{
  return i < sizeof connectors / sizeof *connectors ? connectors[i]->name
                                                    : NULL;
}
