#include "gateway/channels/kintone/kintone_poller.hpp"

#include <spdlog/spdlog.h>

#include "gateway/channels/kintone/kintone_rest.hpp"
#include "gateway/store/exchange_store.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::channels {

using mapping::json::JsonValue;

namespace {

// Ids are digit strings of up to 19 digits: compared as numbers.
bool greaterId(const std::string& a, const std::string& b) {
  const auto strip = [](const std::string& s) {
    const auto first = s.find_first_not_of('0');
    return first == std::string::npos ? std::string("0") : s.substr(first);
  };
  const std::string x = strip(a), y = strip(b);
  return x.size() != y.size() ? x.size() > y.size() : x > y;
}

}  // namespace

KintonePoller::KintonePoller(InputHandler& channel, KintoneOptions options,
                             store::ConnectionPool& pool)
    : channel_(channel), client_(std::move(options)), pool_(pool) {}

KintonePoller::~KintonePoller() { stop(); }

void KintonePoller::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  halt_ = false;
  thread_ = std::thread([this] { run(); });
}

void KintonePoller::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    halt_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void KintonePoller::run() {
  for (;;) {
    try {
      pollOnce();
    } catch (const std::exception& e) {
      spdlog::error("kintone channel {}: {}", channel_.options().name, e.what());
    }
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, client_.options().poll, [&] { return stopping_; })) return;
  }
}

store::KintoneCursorKey KintonePoller::key() const {
  const auto& o = client_.options();
  return store::KintoneCursorKey{channel_.options().name, o.baseUrl, o.app};
}

store::KintoneCursor KintonePoller::loadCursor() {
  return store::withTransaction(
      pool_, [&](store::PgConnection& conn) { return store::loadKintoneCursor(conn, key()); });
}

void KintonePoller::saveCursor(const std::string& lastId, const InboundResult* skipped) {
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  store::withTransaction(pool_, [&](store::PgConnection& conn) {
    if (skipped) {
      store::appendEvent(conn, store::NewEvent{store::EventType::KintoneRecordSkipped, "local",
                                               std::nullopt, std::nullopt,
                                               store::jsonObject({{"channel", name},
                                                                  {"app", o.app},
                                                                  {"recordId", lastId},
                                                                  {"code", skipped->code},
                                                                  {"where", skipped->where}})});
    }
    store::saveKintoneCursor(conn, key(), lastId, skipped != nullptr);
  });
}

void KintonePoller::failed(const std::string& code, const std::string& reason) {
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  spdlog::warn("kintone channel {}: app {} not polled ({}): {}; tried again in {}s", name, o.app,
               code, reason, o.poll.count());
  const std::string error = code + ": " + reason;
  try {
    store::withTransaction(pool_, [&](store::PgConnection& conn) {
      // One event per distinct failure: a server down all night is one row, not one per poll.
      if (store::recordKintoneFailure(conn, key(), error)) {
        store::appendEvent(
            conn,
            store::NewEvent{
                store::EventType::KintonePollFailed, "local", std::nullopt, std::nullopt,
                store::jsonObject(
                    {{"channel", name}, {"app", o.app}, {"code", code}, {"reason", reason}})});
      }
    });
  } catch (const store::PgError& e) {
    spdlog::error("kintone channel {}: could not record the failure: {}", name, e.what());
  }
}

void KintonePoller::recovered(const store::KintoneCursor& cursor) {
  if (!cursor.lastError) return;
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  spdlog::info("kintone channel {}: app {} answers again", name, o.app);
  store::withTransaction(pool_, [&](store::PgConnection& conn) {
    store::clearKintoneFailure(conn, key());
    store::appendEvent(conn, store::NewEvent{store::EventType::KintonePollRecovered, "local",
                                             std::nullopt, std::nullopt,
                                             store::jsonObject({{"channel", name}, {"app", o.app}})});
  });
}

std::size_t KintonePoller::pollOnce() {
  const auto& o = client_.options();
  const std::string& name = channel_.options().name;
  std::size_t handled = 0;
  store::KintoneCursor cursor;
  try {
    cursor = loadCursor();
  } catch (const store::PgError& e) {
    spdlog::error("kintone channel {}: cursor unavailable: {}", name, e.what());
    return 0;
  }
  for (;;) {
    const KintoneReply reply =
        client_.getRecords(o.app, kintone::pageQuery(cursor.lastId, o.condition));
    if (reply.status == 0) {
      failed(reply.failure, reply.error);
      return handled;
    }
    if (reply.status != 200) {
      failed("http-" + std::to_string(reply.status), kintoneErrorSummary(reply.status, reply.body));
      return handled;
    }
    std::vector<KintonePageRecord> records;
    try {
      records = splitRecordsPage(reply.body);
    } catch (const std::exception& e) {
      failed("page-invalid", e.what());
      return handled;
    }
    try {
      recovered(cursor);
      cursor.lastError.reset();
      for (const KintonePageRecord& record : records) {
        if (halt_) return handled;
        if (cursor.lastId && !greaterId(record.id, *cursor.lastId)) {
          failed("page-out-of-order", "record " + record.id + " came after " + *cursor.lastId +
                                          " (the server did not apply `order by $id asc`)");
          return handled;
        }
        const InboundResult result = channel_.accept(adapters::LocalInput{
            JsonValue::object().set("record", JsonValue::raw(record.json)).dump(),
            "kintone:app" + o.app + ":" + record.id,
            {{"app", o.app}}});
        if (result.status == InboundResult::Status::Unavailable) {
          failed(result.code, "record " + record.id + " not stored; taken again at the next poll");
          return handled;
        }
        const bool skipped = result.status == InboundResult::Status::Rejected;
        if (skipped) {
          spdlog::warn("kintone channel {}: app {} record {} skipped: {} at {}", name, o.app,
                       record.id, result.code, result.where);
        }
        saveCursor(record.id, skipped ? &result : nullptr);
        cursor.lastId = record.id;
        ++handled;
      }
    } catch (const store::PgError& e) {
      failed("storage-unavailable", e.what());
      return handled;
    }
    if (kintone::isLastPage(records.size())) return handled;
  }
}

}  // namespace tsunagi::channels
