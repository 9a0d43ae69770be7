#pragma once
// The inbound side of the kintone connector. Every `poll`, GET /k/v1/records.json?app=N&query=
// $id > LAST order by $id asc limit 500 (and the operator's condition), page after page until a
// short one (kintone_rest.hpp). Each record is one local input ({"record":{…}} through the
// channel's InboundChannel: decode, routing, consent, one commit), and the cursor (the last $id
// handled) is saved in the node's database (store/kintone_cursors.hpp) after each record's
// outcome is known, so a restart takes neither a record twice nor one too few (a crash between
// the commit and the save re-takes one record, which the Submitter's idempotency on the document
// id answers with the first messages). A record the adapter or the Submitter refuses is skipped —
// a `kintone-record-skipped` event with its $id, the code and where (field paths), counted in
// kintone_cursors.skipped — and the cursor passes it: one bad record must not stop the app's
// channel. HTTP, TLS, token and storage trouble stop the poll where it is (cursor unchanged)
// until the next one; `kintone-poll-failed` is recorded once per distinct failure and
// `kintone-poll-recovered` when it passes.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "gateway/channels/connector.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/channels/kintone/kintone_client.hpp"
#include "gateway/channels/kintone/kintone_options.hpp"
#include "gateway/store/kintone_cursors.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::channels {

/// Polls one app and hands each record to the channel.
class KintonePoller : public InboundConnector {
 public:
  KintonePoller(InputHandler& channel, KintoneOptions options, store::ConnectionPool& pool);
  ~KintonePoller() override;
  KintonePoller(const KintonePoller&) = delete;
  KintonePoller& operator=(const KintonePoller&) = delete;

  /// Polls at once, then every `poll`.
  void start() override;
  /// Finishes the record in hand, then stops.
  void stop() override;
  /// One poll (the thread calls this; tests may call it directly): pages from the cursor until
  /// a short page or a failure. Returns the records handled (taken or skipped).
  std::size_t pollOnce();

 private:
  store::KintoneCursorKey key() const;
  store::KintoneCursor loadCursor();
  /// Moves the cursor to `lastId`; with `skipped`, records the record's skip in the same
  /// transaction.
  void saveCursor(const std::string& lastId, const InboundResult* skipped);
  void failed(const std::string& code, const std::string& reason);
  void recovered(const store::KintoneCursor& cursor);
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

}  // namespace tsunagi::channels
