#pragma once
// The coordinators' console for tests: a ConsoleServer over real HTTPS (certificate from a
// TestPki) on a fresh database with a clock the test moves, users with known passwords and TOTP
// secrets, seeded exchanges and dead letters, and an HTTPS client that keeps cookies.

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gateway/console/console_server.hpp"
#include "gateway/store/pool.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::testing {

/// One HTTP answer as the client saw it.
struct ConsoleReply {
  int status = 0;
  std::string body;
  std::string contentType;
  std::string location;
  std::vector<std::string> setCookies;
  std::map<std::string, std::string> headers;  ///< the last value of each header
};

/// An HTTPS client of the console that trusts the test CA and keeps cookies like a browser.
class ConsoleClient {
 public:
  /// `source`: the local address to connect from (another loopback address such as 127.0.0.2
  /// is another client address to the console); empty: the system's choice.
  ConsoleClient(unsigned short port, std::filesystem::path ca, std::string source = "");
  ConsoleReply get(const std::string& pathAndQuery);
  ConsoleReply postForm(const std::string& path, const std::map<std::string, std::string>& fields);
  ConsoleReply postJson(const std::string& path, const std::string& json,
                        const std::vector<std::pair<std::string, std::string>>& headers = {});
  ConsoleReply send(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& contentType,
                    const std::vector<std::pair<std::string, std::string>>& headers = {});
  std::map<std::string, std::string>& cookies() { return cookies_; }

  /// GET /login, then POST the form with its CSRF token; returns the POST's answer.
  ConsoleReply login(const std::string& user, const std::string& password, const std::string& code);
  /// The value of the first hidden csrf field in `html` (empty if none).
  static std::string csrfIn(const std::string& html);

 private:
  unsigned short port_;
  std::filesystem::path ca_;
  std::string source_;
  std::map<std::string, std::string> cookies_;
};

/// An outbound message to `peer` (queued; dead-lettered when `dead`); returns its message id.
std::string seedOutbound(store::ConnectionPool& pool, const std::string& peer, bool dead,
                         const std::string& caseId = "CASE-1",
                         const std::string& documentType = "LiaisonSheet");
/// An outbound message to `peer` delivered with a (test) receipt; returns its message id.
std::string seedDelivered(store::ConnectionPool& pool, const std::string& peer,
                          const std::string& caseId = "CASE-1");
/// An inbound message from `sender` (received); returns its message id.
std::string seedInbound(store::ConnectionPool& pool, const std::string& sender,
                        const std::string& caseId = "CASE-1");
/// An open identity review for an inbound message; returns its id.
long long seedIdentityReview(store::ConnectionPool& pool, const std::string& sender,
                             const std::string& messageId);
/// A console user with TOTP enrolled; returns the base32 secret.
std::string addConsoleUser(store::ConnectionPool& pool, const std::string& name, console::Role role,
                           const std::string& password);

class TestConsole {
 public:
  /// Starts the console (idle timeout, lock-out and login throttle as given) on a new database.
  explicit TestConsole(console::SessionPolicy sessions = {}, console::LockoutPolicy lockout = {},
                       console::LoginThrottlePolicy throttle = {});
  ~TestConsole();

  unsigned short port() const { return server_->port(); }
  std::string url() const { return server_->url(); }
  store::ConnectionPool& pool() { return *pool_; }
  const std::string& conninfo() const { return conninfo_; }
  std::filesystem::path ca() { return pki().ca().certificate(); }
  /// A client connecting from `source` (e.g. "127.0.0.2"; empty: 127.0.0.1).
  ConsoleClient client(const std::string& source = "") {
    return ConsoleClient(port(), ca(), source);
  }

  /// The console's clock (Unix seconds); starts at the real time.
  std::int64_t now() const { return now_.load(); }
  void advance(std::chrono::seconds by) { now_ += by.count(); }

  /// Adds a user with TOTP enrolled; returns the base32 secret.
  std::string addUser(const std::string& name, console::Role role, const std::string& password);
  /// The TOTP code of `secret` at the console's clock, `stepOffset` steps away.
  std::string code(const std::string& secret, int stepOffset = 0) const;

  std::string seedOutbound(const std::string& peer, bool dead, const std::string& caseId = "CASE-1",
                           const std::string& documentType = "LiaisonSheet") {
    return testing::seedOutbound(*pool_, peer, dead, caseId, documentType);
  }
  std::string seedInbound(const std::string& sender, const std::string& caseId = "CASE-1") {
    return testing::seedInbound(*pool_, sender, caseId);
  }
  long long seedIdentityReview(const std::string& sender, const std::string& messageId) {
    return testing::seedIdentityReview(*pool_, sender, messageId);
  }

  /// Events named `event` whose detail contains `detailPart` (empty: any).
  long long events(const std::string& event, const std::string& detailPart = "");
  long long count(const std::string& sql);

  /// The shared test PKI (made once per process).
  static TestPki& pki();

 private:
  TestDatabase db_;
  std::string conninfo_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::atomic<std::int64_t> now_;
  std::unique_ptr<console::ConsoleServer> server_;
};

}  // namespace tsunagi::testing
