#pragma once
// The one database access layer: a thin RAII wrapper over libpq. Values travel as text parameters
// ($1, $2, …) through the extended protocol; SQL text never contains data.

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;
struct pg_result;

namespace tsunagi::store {

/// A failed database call. `sqlstate()` is the five-character SQLSTATE ("" if none, e.g. connect).
class PgError : public std::runtime_error {
 public:
  PgError(const std::string& message, std::string sqlstate)
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }
  /// Serialization failure, deadlock or a lost connection: the transaction may be retried.
  bool retryable() const;

 private:
  std::string sqlstate_;
};

/// A NULL-able text parameter.
using PgParam = std::optional<std::string>;

class PgResult {
 public:
  explicit PgResult(pg_result* result) : result_(result) {}
  ~PgResult();
  PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;

  int rows() const;
  int columns() const;
  bool isNull(int row, int column) const;
  /// The text value of a cell; throws PgError on NULL (use `optional()` for nullable columns).
  std::string text(int row, int column) const;
  std::optional<std::string> optional(int row, int column) const;
  long long integer(int row, int column) const;
  /// Number of rows touched by INSERT/UPDATE/DELETE.
  long long affected() const;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  /// Connects; throws PgError naming the server (never the password) if that fails.
  explicit PgConnection(const std::string& conninfo);
  ~PgConnection();
  PgConnection(PgConnection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  PgConnection& operator=(PgConnection&&) noexcept;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  /// For statements without parameters (DDL, BEGIN/COMMIT). May hold several statements.
  PgResult exec(std::string_view sql);
  /// One statement with text parameters.
  PgResult execParams(std::string_view sql, const std::vector<PgParam>& params);
  /// Runs one statement with text parameters: how the store runs every statement that carries
  /// data. The statement is prepared on this connection the first time its SQL text is run and
  /// reused after that; the cache is keyed on the SQL text, so two statements never share one.
  /// `label` names the statement in errors (it is not the key; never SQL or a value).
  PgResult run(std::string_view label, std::string_view sql, const std::vector<PgParam>& params);

  /// Server version as an integer, e.g. 150018.
  int serverVersion() const;
  bool healthy() const;
  /// True when no transaction is open (the connection can go back to a pool).
  bool idle() const;

 private:
  PgResult check(pg_result* result, std::string_view what);
  pg_conn* conn_;
  std::unordered_map<std::string, std::string> prepared_;  ///< SQL text → server-side name
};

/// Runs `body` between BEGIN and COMMIT; rolls back if it throws.
template <class Body>
auto inTransaction(PgConnection& conn, Body&& body) -> decltype(body()) {
  conn.exec("BEGIN");
  try {
    if constexpr (std::is_void_v<decltype(body())>) {
      body();
      conn.exec("COMMIT");
    } else {
      auto result = body();
      conn.exec("COMMIT");
      return result;
    }
  } catch (...) {
    try {
      conn.exec("ROLLBACK");
    } catch (const PgError&) {
      // The connection is gone; the server rolls back on its own.
    }
    throw;
  }
}

}  // namespace tsunagi::store
