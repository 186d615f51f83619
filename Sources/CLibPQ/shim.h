#ifndef URA_CLIBPQ_SHIM_H
#define URA_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
