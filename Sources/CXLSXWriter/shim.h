#ifndef CONSULT_CXLSXWRITER_SHIM_H
#define CONSULT_CXLSXWRITER_SHIM_H

#include <xlsxwriter.h>

#endif
