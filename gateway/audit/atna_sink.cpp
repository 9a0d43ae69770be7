#include "gateway/audit/atna_sink.hpp"

#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "gateway/common/atomic_file.hpp"
#include "gateway/store/audit_chain.hpp"
#include "mapping/digest.hpp"
#include "mapping/model/binding.hpp"

namespace tsunagi::audit {

namespace {

namespace fs = std::filesystem;

struct EventCode {
  const char* code;
  const char* name;
};

/// DICOM PS3.16 CID 400 audit event IDs for the tsunagi events.
EventCode eventIdFor(const store::Event& e) {
  if (e.event == "console-login") return {"110114", "User Authentication"};
  if (e.event.rfind("console-", 0) == 0 || e.event == "identity-reviewed") {
    return {"110110", "Patient Record"};
  }
  if (e.direction == "inbound" || e.event == "delivered-locally" ||
      e.event.rfind("local-", 0) == 0) {
    return {"110107", "Import"};
  }
  if (e.direction == "outbound") return {"110106", "Export"};
  return {"110100", "Application Activity"};
}

/// EventOutcomeIndicator: 0 success, 4 minor failure (will be retried), 8 serious failure.
const char* outcomeFor(const std::string& event) {
  if (event == "rejected" || event == "refused" || event == "consent-blocked" ||
      event.find("dead-lettered") != std::string::npos) {
    return "8";
  }
  if (event.find("retry") != std::string::npos) return "4";
  return "0";
}

std::string attr(const char* name, std::string_view value) {
  std::string out = std::string(" ") + name + "=\"";
  mapping::binding::appendEscaped(out, value);
  return out + "\"";
}

std::string frameName(long long id) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld.syslog", id);
  return name;
}

}  // namespace

std::string atnaAuditMessage(const AuditRow& row, const std::string& nodeCode,
                             const std::string& hostName) {
  const EventCode id = eventIdFor(row.event);
  const bool peerRequested = row.event.direction == "inbound";
  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><AuditMessage>";
  x += "<EventIdentification" +
       attr("EventActionCode", row.event.direction == "inbound" ? "C" : "E") +
       attr("EventDateTime", row.at) + attr("EventOutcomeIndicator", outcomeFor(row.event.event)) +
       ">";
  x += "<EventID" + attr("csd-code", id.code) + attr("codeSystemName", "DCM") +
       attr("originalText", id.name) + "/>";
  x += "<EventTypeCode" + attr("csd-code", row.event.event) +
       attr("codeSystemName", "urn:tsunagi:audit-event") + attr("originalText", row.event.event) +
       "/>";
  x += "</EventIdentification>";
  x += "<ActiveParticipant" + attr("UserID", nodeCode) +
       attr("UserIsRequestor", peerRequested ? "false" : "true") +
       attr("NetworkAccessPointID", hostName) + attr("NetworkAccessPointTypeCode", "1") + "/>";
  if (row.event.peer) {
    x += "<ActiveParticipant" + attr("UserID", *row.event.peer) +
         attr("UserIsRequestor", peerRequested ? "true" : "false") + "/>";
  }
  x += "<AuditSourceIdentification" + attr("AuditSourceID", "tsunagi-" + nodeCode) + ">";
  x += "<AuditSourceTypeCode" + attr("csd-code", "4") + attr("codeSystemName", "DCM") +
       attr("originalText", "Application Server Process") + "/></AuditSourceIdentification>";
  // The chain row itself, so the repository's copy can be matched with `audit verify`.
  x += "<ParticipantObjectIdentification" + attr("ParticipantObjectID", std::to_string(row.id)) +
       attr("ParticipantObjectTypeCode", "2") + attr("ParticipantObjectTypeCodeRole", "13") + ">";
  x += "<ParticipantObjectIDTypeCode" + attr("csd-code", "exchange-event") +
       attr("codeSystemName", "urn:tsunagi:audit") + attr("originalText", "audit chain row") + "/>";
  x += "<ParticipantObjectDetail" + attr("type", "detail") +
       attr("value", mapping::base64Encode(row.event.detailJson)) + "/>";
  x += "</ParticipantObjectIdentification>";
  if (row.event.messageId) {
    x += "<ParticipantObjectIdentification" + attr("ParticipantObjectID", *row.event.messageId) +
         attr("ParticipantObjectTypeCode", "2") + attr("ParticipantObjectTypeCodeRole", "3") + ">";
    x += "<ParticipantObjectIDTypeCode" + attr("csd-code", "message-id") +
         attr("codeSystemName", "urn:tsunagi:audit") + attr("originalText", "exchange message id") +
         "/></ParticipantObjectIdentification>";
  }
  return x + "</AuditMessage>";
}

std::string syslogFrame(const std::string& auditMessage, const std::string& at,
                        const std::string& hostName, const std::string& nodeCode) {
  // <PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG; PRI = authpriv(10)
  // * 8 + notice(5). The MSG is UTF-8 with a BOM (RFC 5424 §6.4).
  const std::string message = "<85>1 " + at + " " + (hostName.empty() ? "-" : hostName) +
                              " tsunagi-" + nodeCode + " " + std::to_string(::getpid()) +
                              " IHE+RFC-3881 - \xEF\xBB\xBF" + auditMessage;
  return std::to_string(message.size()) + " " + message;
}

struct AtnaSink::Connection {
  Poco::Net::Context::Ptr context;
  std::optional<Poco::Net::SecureStreamSocket> socket;
};

AtnaSink::AtnaSink(store::ConnectionPool& pool, AtnaOptions options, std::string nodeCode)
    : pool_(pool), options_(std::move(options)), nodeCode_(std::move(nodeCode)) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) hostName_ = host;
  fs::create_directories(options_.spoolDirectory);
  connection_ = std::make_unique<Connection>();
  // The collector is a server outside the federation: its certificate must chain to its CA and
  // name `host`; this node presents its client certificate.
  exchange::ClientTlsOptions tls;
  tls.host = options_.host;
  tls.caFiles = options_.tls.caFiles;
  tls.certificateFile = options_.tls.certificateFile;
  tls.keyFile = options_.tls.keyFile;
  connection_->context = exchange::makeTlsClientContext(tls);
}

AtnaSink::~AtnaSink() { stop(); }

long long AtnaSink::position() const {
  const fs::path file = options_.spoolDirectory / "position";
  if (!fs::exists(file)) return -1;
  return std::stoll(readWholeFile(file));
}

void AtnaSink::start() {
  if (position() < 0) {
    auto conn = pool_.lease();
    writeFileAtomically(options_.spoolDirectory / "position",
                        std::to_string(store::auditHead(*conn).lastId));
  }
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void AtnaSink::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_all();
  }
  thread_.join();
  connection_->socket.reset();
}

int AtnaSink::spoolNew() {
  long long from = position();
  if (from < 0) from = 0;
  auto conn = pool_.lease();
  const auto rows = store::eventsAfter(*conn, from);
  for (const auto& stored : rows) {
    const AuditRow row{stored.id, stored.at, stored.event};
    writeFileAtomically(
        options_.spoolDirectory / frameName(row.id),
        syslogFrame(atnaAuditMessage(row, nodeCode_, hostName_), row.at, hostName_, nodeCode_));
    // The position moves only once the frame is on disk: a crash in between spools it again.
    writeFileAtomically(options_.spoolDirectory / "position", std::to_string(row.id));
  }
  return static_cast<int>(rows.size());
}

std::size_t AtnaSink::spooled() const {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(options_.spoolDirectory, ec)) {
    if (e.path().extension() == ".syslog") ++n;
  }
  return n;
}

std::optional<int> AtnaSink::drain() {
  std::vector<fs::path> frames;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(options_.spoolDirectory, ec)) {
    if (e.path().extension() == ".syslog") frames.push_back(e.path());
  }
  std::sort(frames.begin(), frames.end());
  int sent = 0;
  for (const auto& frame : frames) {
    try {
      if (connection_->socket &&
          connection_->socket->poll(Poco::Timespan(0), Poco::Net::Socket::SELECT_READ)) {
        // A collector says nothing on this channel: readable means it closed the connection.
        connection_->socket.reset();
      }
      if (!connection_->socket) {
        connection_->socket.emplace(Poco::Net::SocketAddress(options_.host, options_.port),
                                    options_.host, connection_->context);
      }
      const std::string bytes = readWholeFile(frame);
      std::size_t done = 0;
      while (done < bytes.size()) {
        const int n = connection_->socket->sendBytes(bytes.data() + done,
                                                     static_cast<int>(bytes.size() - done));
        if (n <= 0) throw Poco::IOException("the collector closed the connection");
        done += static_cast<std::size_t>(n);
      }
      fs::remove(frame);
      ++sent;
    } catch (const Poco::Exception& e) {
      spdlog::warn("ATNA: collector {}:{} unreachable ({}); {} events spooled", options_.host,
                   options_.port, e.displayText(), frames.size() - static_cast<std::size_t>(sent));
      connection_->socket.reset();
      return std::nullopt;
    }
  }
  return sent;
}

void AtnaSink::run() {
  auto backoff = std::chrono::milliseconds(500);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    bool reached = true;
    try {
      while (spoolNew() > 0) {
      }
      reached = drain().has_value();
    } catch (const std::exception& e) {
      spdlog::error("ATNA: {}", e.what());
      reached = false;
    }
    backoff = reached ? std::chrono::milliseconds(500)
                      : std::min(backoff * 2, std::chrono::milliseconds(30000));
    lock.lock();
    wake_.wait_for(lock, backoff, [this] { return stopping_; });
  }
}

}  // namespace tsunagi::audit
