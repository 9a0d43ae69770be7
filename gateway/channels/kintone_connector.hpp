#pragma once
// The kintone connector: a kintone app (or a kintone-compatible server) through its REST API, the
// paging and batching rules of adapters/kintone/kintone_rest.hpp, HTTPS only.
//
// Inbound (KintonePoller): every `poll`, GET /k/v1/records.json?app=N&query=$id > LAST order by
// $id asc limit 500 (and the operator's condition), page after page until a short one. Each record
// is one local input ({"record":{…}} through the channel's InboundChannel: decode, routing,
// consent, one commit), and the cursor (the last $id handled) is saved in the node's database
// (kintone_cursors) after each record's outcome is known, so a restart takes neither a record
// twice nor one too few (a crash between the commit and the save re-takes one record, which the
// Submitter's idempotency on the document id answers with the first messages). A record the
// adapter or the Submitter refuses is skipped — a `kintone-record-skipped` event with its $id, the
// code and where (field paths), counted in kintone_cursors.skipped — and the cursor passes it:
// one bad record must not stop the app's channel. HTTP, TLS, token and storage trouble stop the
// poll where it is (cursor unchanged) until the next one; `kintone-poll-failed` is recorded once
// per distinct failure and `kintone-poll-recovered` when it passes.
//
// Outbound (KintoneClient + ChannelSink): the kintone adapter encodes each document in the add
// shape {"app","record"} or the update shape {"app","id","record"}; the sink groups a delivery
// round's bodies by app and shape and sends POST / PUT /k/v1/records.json with at most 100
// records each (writeBatches).
//
// The API token is read from `tokenFile` at each request (a rotated token is used at once) and
// travels only in the X-Cybozu-API-Token header: never in a query, a log line or an event.

#include <Poco/Net/Context.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "gateway/channels/channel_options.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/store/pool.hpp"

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

/// A kintone error answer without values: its "code" and the field paths of its "errors"
/// (`CB_VA01 at records[3].氏名.value`), else "HTTP STATUS". For logs and events.
std::string kintoneErrorSummary(int status, const std::string& body);

/// One record of a records.json page: its $id and its JSON text.
struct KintonePageRecord {
  std::string id;
  std::string json;
};

/// Splits GET /k/v1/records.json's answer ({"records":[…]}) into its records, in order. Throws
/// std::runtime_error (where and why) for a body that is not such a page, or a record whose
/// $id is missing or not a record id.
std::vector<KintonePageRecord> splitRecordsPage(const std::string& body);

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

/// The inbound half: polls one app and hands each record to the channel.
class KintonePoller {
 public:
  KintonePoller(InputHandler& channel, KintoneOptions options, store::ConnectionPool& pool);
  ~KintonePoller();
  KintonePoller(const KintonePoller&) = delete;
  KintonePoller& operator=(const KintonePoller&) = delete;

  /// Polls at once, then every `poll`.
  void start();
  /// Finishes the record in hand, then stops.
  void stop();
  /// One poll (the thread calls this; tests may call it directly): pages from the cursor until
  /// a short page or a failure. Returns the records handled (taken or skipped).
  std::size_t pollOnce();

 private:
  struct Cursor {
    std::optional<std::string> lastId;
    std::optional<std::string> lastError;
  };
  Cursor loadCursor();
  /// Moves the cursor to `lastId`; with `skipped`, records the record's skip in the same
  /// transaction.
  void saveCursor(const std::string& lastId, const InboundResult* skipped);
  void failed(const std::string& code, const std::string& reason);
  void recovered(const Cursor& cursor);
  void run();

  InputHandler& channel_;
  KintoneClient client_;
  store::ConnectionPool& pool_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> halt_{false};
  std::thread thread_;
};

/// One encoded document of the kintone adapter, as a write of a records.json batch.
struct KintoneWrite {
  std::string app;
  std::optional<std::string> id;  ///< the update shape's record id (PUT); none: add (POST)
  std::string record;             ///< the "record" object, as the adapter wrote it
};

/// Reads the kintone adapter's encoding of one document ({"app","record"} or
/// {"app","id","record"}). Throws std::runtime_error when the bytes are not one of the shapes.
KintoneWrite kintoneWriteOf(const std::string& encoded);

/// The body of one POST / PUT /k/v1/records.json for `writes` (one app, one shape, ≤ 100):
/// {"app":N,"records":[{"record":…}]} or {"app":N,"records":[{"id":…,"record":…}]}.
std::string kintoneBatchBody(const std::vector<const KintoneWrite*>& writes);

}  // namespace tsunagi::channels
