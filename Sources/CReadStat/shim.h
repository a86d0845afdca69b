#ifndef CONSULT_CREADSTAT_SHIM_H
#define CONSULT_CREADSTAT_SHIM_H

// ReadStat's writer, for SPSS .sav and Stata .dta files. Debian's libreadstat-dev ships
// no pkg-config file, so the module map links "readstat" itself.
#include <readstat.h>

#endif
