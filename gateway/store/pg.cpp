#include "gateway/store/pg.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>

#include "mapping/digest.hpp"

namespace tsunagi::store {

bool PgError::retryable() const {
  // 40001 serialization_failure, 40P01 deadlock_detected, class 08 connection exceptions.
  return sqlstate_ == "40001" || sqlstate_ == "40P01" || sqlstate_.rfind("08", 0) == 0 ||
         sqlstate_.empty();
}

PgResult::~PgResult() {
  if (result_) PQclear(result_);
}

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

int PgResult::rows() const { return PQntuples(result_); }
int PgResult::columns() const { return PQnfields(result_); }
bool PgResult::isNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string PgResult::text(int row, int column) const {
  if (row < 0 || row >= rows() || column < 0 || column >= columns()) {
    throw PgError("result has no cell (" + std::to_string(row) + ", " + std::to_string(column) + ")",
                  "");
  }
  if (isNull(row, column)) {
    throw PgError(std::string("unexpected NULL in column ") + PQfname(result_, column), "");
  }
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::optional<std::string> PgResult::optional(int row, int column) const {
  if (isNull(row, column)) return std::nullopt;
  return text(row, column);
}

long long PgResult::integer(int row, int column) const {
  std::string t = text(row, column);
  long long value = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (ec != std::errc() || ptr != t.data() + t.size()) {
    throw PgError(std::string("column ") + PQfname(result_, column) + " is not an integer", "");
  }
  return value;
}

long long PgResult::affected() const {
  const char* n = PQcmdTuples(result_);
  return (n && *n) ? std::stoll(n) : 0;
}

PgConnection::PgConnection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string message = conn_ ? PQerrorMessage(conn_) : "out of memory";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("cannot connect to PostgreSQL: " + message, "08001");
  }
  PQsetClientEncoding(conn_, "UTF8");
  // Server notices ("database … does not exist, skipping") go to the debug log, not stderr.
  PQsetNoticeProcessor(
      conn_, [](void*, const char* message) { spdlog::debug("PostgreSQL: {}", message); }, nullptr);
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

PgConnection& PgConnection::operator=(PgConnection&& other) noexcept {
  if (this != &other) {
    if (conn_) PQfinish(conn_);
    conn_ = other.conn_;
    prepared_ = std::move(other.prepared_);
    other.conn_ = nullptr;
  }
  return *this;
}

PgResult PgConnection::check(pg_result* raw, std::string_view what) {
  PgResult result(raw);
  if (!raw) throw PgError(std::string(what) + ": " + PQerrorMessage(conn_), "08006");
  auto status = PQresultStatus(raw);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state ? state : "";
  // The primary message only, as errors are logged: DETAIL and CONTEXT quote rows and parameters
  // (a unique key's values, "portal parameter $1 = '…'"), and a data exception (class 22) quotes
  // the value it refused.
  const char* primary = PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
  std::string message = sqlstate.rfind("22", 0) == 0
                            ? "a value was refused by its column's type (SQLSTATE " + sqlstate + ")"
                            : std::string(primary ? primary : "error without a message");
  throw PgError(std::string(what) + ": " + message, sqlstate);
}

PgResult PgConnection::exec(std::string_view sql) {
  std::string text(sql);
  return check(PQexec(conn_, text.c_str()), "SQL failed");
}

namespace {
struct ParamArrays {
  std::vector<const char*> values;
  explicit ParamArrays(const std::vector<PgParam>& params) {
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  }
};
}  // namespace

PgResult PgConnection::execParams(std::string_view sql, const std::vector<PgParam>& params) {
  std::string text(sql);
  ParamArrays arrays(params);
  return check(PQexecParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr,
                            arrays.values.data(), nullptr, nullptr, 0),
               "SQL failed");
}

PgResult PgConnection::run(std::string_view label, std::string_view sql,
                           const std::vector<PgParam>& params) {
  std::string text(sql);
  auto known = prepared_.find(text);
  if (known == prepared_.end()) {
    // The server-side name is derived from the text (128 bits of its SHA-256): the same
    // statement has the same name on every connection (pg_prepared_statements).
    std::string name = "s_" + mapping::sha256Hex(text).substr(0, 32);
    check(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr),
          "prepare " + std::string(label));
    known = prepared_.emplace(std::move(text), std::move(name)).first;
  }
  ParamArrays arrays(params);
  return check(PQexecPrepared(conn_, known->second.c_str(), static_cast<int>(params.size()),
                              arrays.values.data(), nullptr, nullptr, 0),
               "statement " + std::string(label));
}

int PgConnection::serverVersion() const { return PQserverVersion(conn_); }

bool PgConnection::healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

bool PgConnection::idle() const { return conn_ && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

}  // namespace tsunagi::store
