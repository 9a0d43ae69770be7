#pragma once
// The optional ATNA sink: every audit event also goes to a regional audit repository as a DICOM
// PS3.15 A.5 audit message (XML) in a syslog message (RFC 5424) over TLS (RFC 5425, octet-counting
// framing). The sink follows the chain in the database; each new event is first written to a spool
// directory (one file per frame), then sent and removed, so nothing is lost while the collector is
// down or the node restarts.

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "gateway/exchange/tls.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::audit {

struct AtnaOptions {
  std::string host;
  unsigned short port = 6514;
  /// The collector's CA(s) (caFiles) and this node's client key and certificate; the context is
  /// made once, with the sink (exchange::makeTlsClientContext: `host` is verified against the
  /// collector's certificate). crlFile and revocations are not used.
  exchange::TlsFiles tls;
  std::filesystem::path spoolDirectory;
};

/// One audit event as the sink reads it back from the chain.
struct AuditRow {
  long long id = 0;
  std::string at;
  store::Event event;
};

/// The DICOM PS3.15 A.5 AuditMessage for one event: EventID and outcome from the event name, the
/// node and the peer as active participants, the message id as participant object. Identifiers
/// and codes only, like the chain.
std::string atnaAuditMessage(const AuditRow& row, const std::string& nodeCode,
                             const std::string& hostName);
/// RFC 5424 syslog message (facility authpriv, severity notice, MSGID IHE+RFC-3881) framed for
/// RFC 5425: "LENGTH SP MESSAGE".
std::string syslogFrame(const std::string& auditMessage, const std::string& at,
                        const std::string& hostName, const std::string& nodeCode);

class AtnaSink {
 public:
  AtnaSink(store::ConnectionPool& pool, AtnaOptions options, std::string nodeCode);
  ~AtnaSink();
  AtnaSink(const AtnaSink&) = delete;
  AtnaSink& operator=(const AtnaSink&) = delete;

  /// Starts the thread that spools and sends (every 0.5 s; backing off to 30 s while the
  /// collector is down). Without a position file the sink starts at the current head: history
  /// from before the sink was enabled is not sent.
  void start();
  void stop();

  /// Writes frames for events after the spool position (from the first event when there is no
  /// position file); returns how many.
  int spoolNew();
  /// Sends spooled frames in order, removing each once written; returns how many were sent, or
  /// nullopt when the collector could not be reached (the rest stays spooled).
  std::optional<int> drain();
  /// Frames waiting in the spool.
  std::size_t spooled() const;

 private:
  void run();
  long long position() const;

  store::ConnectionPool& pool_;
  AtnaOptions options_;
  std::string nodeCode_;
  std::string hostName_;
  struct Connection;
  std::unique_ptr<Connection> connection_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tsunagi::audit
