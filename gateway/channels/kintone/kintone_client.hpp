#pragma once
// HTTPS to a kintone app (or a kintone-compatible server), for the kintone connector's poller
// and writer. The API token is read from the channel's token file at each request (a rotated
// token is used at once) and travels only in the X-Cybozu-API-Token header: never in a query, a
// log line or an event.

#include <Poco/Net/Context.h>

#include <filesystem>
#include <string>

#include "gateway/channels/kintone/kintone_options.hpp"

namespace tsunagi::channels {

/// The API token(s) in `file`: one per line or comma-separated, sent joined with "," (kintone
/// takes several in one header, e.g. one per app an outbound channel writes to). Throws
/// std::runtime_error naming the file and the problem — never its content — for a file that is
/// missing, unreadable, readable or writable by group or others (it must be chmod 600), empty,
/// or holding characters that are not part of a token.
std::string readApiToken(const std::filesystem::path& file);

/// What the server answered: an HTTP status and body, or (status 0) why there was no answer.
struct KintoneReply {
  int status = 0;
  std::string body;
  std::string failure;  ///< status 0: "token-file" or "connection"
  std::string error;    ///< status 0: why (never the token)
};

/// HTTPS to one kintone base URL, with the channel's trust anchor and token file. Its TLS client
/// context (exchange::makeTlsClientContext: the client profile, the base URL's host verified) is
/// made once, here, and used by every request.
class KintoneClient {
 public:
  /// Throws std::runtime_error when the CA certificate cannot be loaded.
  explicit KintoneClient(KintoneOptions options);

  /// GET baseUrl + /k/v1/records.json?app=APP&query=QUERY.
  KintoneReply getRecords(const std::string& app, const std::string& query) const;
  /// METHOD (POST or PUT) baseUrl + /k/v1/records.json with a JSON body.
  KintoneReply writeRecords(const std::string& method, const std::string& body) const;

  const KintoneOptions& options() const { return options_; }
  const Poco::Net::Context::Ptr& tlsContext() const { return context_; }

 private:
  KintoneReply request(const std::string& method, const std::string& pathAndQuery,
                       const std::string* body) const;

  KintoneOptions options_;
  Poco::Net::Context::Ptr context_;
};

}  // namespace tsunagi::channels
