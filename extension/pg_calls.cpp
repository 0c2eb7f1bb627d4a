// The PostgreSQL calls behind pg_calls.hpp, each run under pg_guard(). No lambda
// given to pg_guard() creates a C++ object: an ereport longjmps out of it.
#include "pg_calls.hpp"

#include <stdexcept>

#include "boundary.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
}

namespace shoal {

std::vector<const char *> text_array_elements(ArrayType *array, const char *what) {
  Datum *values = nullptr;
  bool *nulls = nullptr;
  int count = 0;
  pg_guard([&] { deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count); });
  std::vector<const char *> elements;
  elements.reserve(count);
  for (int i = 0; i < count; ++i) {
    if (nulls[i]) report_error(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " must not contain NULL");
    char *element = nullptr;
    pg_guard([&] { element = text_to_cstring(DatumGetTextPP(values[i])); });
    elements.push_back(element);
  }
  return elements;
}

void report_error(int sqlstate, const std::string &message, const char *hint) {
  const char *text = message.c_str();
  pg_guard([&] {
    ereport(ERROR, (errcode(sqlstate), errmsg_internal("%s", text), hint != nullptr ? errhint("%s", hint) : 0));
  });
  throw std::logic_error("ereport(ERROR) returned");
}

void spi_connect() {
  pg_guard([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "shoal: SPI_connect failed");
  });
}

int spi_execute(const char *sql) {
  int code = 0;
  pg_guard([&] {
    code = SPI_execute(sql, false, 0);
    SPI_freetuptable(SPI_tuptable);
  });
  return code;
}

void spi_finish() {
  pg_guard([] { SPI_finish(); });
}

int enter_schema(const char *schema) {
  int level = 0;
  pg_guard([&] {
    level = NewGUCNestLevel();
    (void)set_config_option("search_path", quote_identifier(schema), PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                            true, 0, false);
  });
  return level;
}

void leave_schema(int guc_level) {
  pg_guard([&] { AtEOXact_GUC(false, guc_level); });
}

}  // namespace shoal
