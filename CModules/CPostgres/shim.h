/* libpq, for the fleet agent only (the CLI); never linked into the core or the module. */
#include <postgresql/libpq-fe.h>
