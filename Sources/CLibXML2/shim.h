#ifndef CONSULT_CLIBXML2_SHIM_H
#define CONSULT_CLIBXML2_SHIM_H

// Debian's libxml2 is built with ICU, and its headers then include the system ICU
// headers, which clash with the ICU module that Foundation ships ('U_MF_…' from module
// '_FoundationICU' is not present in definition of 'enum UErrorCode'). Read the build
// configuration first and pretend ICU is off: Swift never touches the ICU converter
// fields of xmlCharEncodingHandler, the only declarations that depend on it.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED

#include <libxml/xmlwriter.h>
#include <libxml/xmlschemas.h>
#include <libxml/parser.h>
// Position papers (extract): DOCX and ODT text read with the streaming reader.
#include <libxml/xmlreader.h>

#endif
