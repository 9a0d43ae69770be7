#include "gateway/channels/inbound.hpp"

#include <spdlog/spdlog.h>

#include "gateway/store/exchange_store.hpp"
#include "mapping/digest.hpp"

namespace tsunagi::channels {

const char* toString(Direction direction) {
  return direction == Direction::Inbound ? "inbound" : "outbound";
}

namespace {

std::string lossPaths(const adapters::LossReport& losses) {
  std::string out;
  for (const auto& loss : losses.entries()) out += (out.empty() ? "" : ",") + loss.path;
  return out;
}

}  // namespace

InboundChannel::InboundChannel(ChannelOptions options, std::unique_ptr<adapters::Adapter> adapter,
                               exchange::Submitter& submitter, store::ConnectionPool& pool,
                               std::function<void()> submitted)
    : options_(std::move(options)),
      adapter_(std::move(adapter)),
      submitter_(submitter),
      pool_(pool),
      submitted_(std::move(submitted)) {}

void InboundChannel::record(store::EventType event,
                            std::vector<std::pair<std::string, std::string>> detail,
                            const std::string& input) {
  detail.insert(detail.begin(), {{"channel", options_.name}, {"adapter", options_.adapter}});
  detail.emplace_back("inputSha256", mapping::sha256Hex(input));
  try {
    store::withTransaction(pool_, [&](store::PgConnection& conn) {
      store::appendEvent(conn, store::NewEvent{event, "local", std::nullopt, std::nullopt,
                                               store::jsonObject(detail)});
    });
  } catch (const store::PgError& e) {
    spdlog::error("channel {}: could not record {} in the exchange log: {}", options_.name,
                  store::toString(event),
                  e.what());
  }
}

InboundResult InboundChannel::refuse(const std::string& code, const std::string& reason,
                                     std::string_view input) {
  InboundResult result;
  result.status = InboundResult::Status::Rejected;
  result.code = code;
  result.reason = reason;
  result.where = "(input)";
  spdlog::warn("channel {}: input refused: {}", options_.name, code);
  record(store::EventType::InputRejected, {{"code", code}, {"where", "(input)"}}, std::string(input));
  return result;
}

InboundResult InboundChannel::accept(adapters::LocalInput input) {
  for (const auto& [key, value] : options_.metadata) input.metadata.emplace(key, value);
  if (!input.extraFiles.empty() && !adapter_->readsFileSets()) {
    return refuse("input-is-a-set",
                  "the folder holds " + std::to_string(1 + input.extraFiles.size()) +
                      " files, but adapter " + options_.adapter +
                      " reads one file per input: put the files in the inbox one by one",
                  input.bytes);
  }
  InboundResult result;
  adapters::Decoded decoded;
  try {
    decoded = adapter_->decode(input);
  } catch (const adapters::AdapterError& e) {
    result.status = InboundResult::Status::Rejected;
    result.code = "input-invalid";
    result.reason = mapping::describe(e.issues());
    result.where = mapping::redacted(e.issues());
    spdlog::warn("channel {}: input refused by adapter {} at {}", options_.name, options_.adapter,
                 result.where);
    record(store::EventType::InputRejected, {{"code", result.code}, {"where", result.where}}, input.bytes);
    return result;
  }
  result.losses = decoded.losses;
  result.documents = decoded.documents.size();
  if (decoded.documents.empty()) {
    // Nothing to send (an HL7 cancel, an event without sheet content): recorded, not ignored.
    spdlog::info("channel {}: input carries no document ({} losses)", options_.name,
                 decoded.losses.entries().size());
    record(store::EventType::InputWithoutDocument,
           {{"losses", std::to_string(decoded.losses.entries().size())},
            {"lossKinds", decoded.losses.kinds()},
            {"lossPaths", lossPaths(decoded.losses)}},
           input.bytes);
    return result;
  }
  std::string types;
  for (const auto& d : decoded.documents) {
    types += (types.empty() ? "" : " ") + mapping::documentTypeName(d);
  }
  record(store::EventType::Translated,
         {{"step", "decode"},
          {"documents", types},
          {"losses", std::to_string(decoded.losses.entries().size())},
          {"lossKinds", decoded.losses.kinds()},
          {"lossPaths", lossPaths(decoded.losses)}},
         input.bytes);
  try {
    exchange::SubmitContext context;
    context.losses = decoded.losses;
    result.messages = submitter_.submitAll(decoded.documents, context);
  } catch (const exchange::SubmitError& e) {
    // The Submitter has recorded the refusal (refused / consent-blocked) with its code.
    result.status = InboundResult::Status::Rejected;
    result.code = e.code();
    result.reason = e.what();
    result.where = "(document)";
    spdlog::warn("channel {}: not sent: {}", options_.name, e.code());
    return result;
  } catch (const store::PgError& e) {
    spdlog::error("channel {}: input not stored: {}", options_.name, e.what());
    result.status = InboundResult::Status::Unavailable;
    result.code = "storage-unavailable";
    result.reason = "the input was not stored (database unavailable); it will be retried";
    return result;
  }
  if (submitted_) submitted_();
  return result;
}

}  // namespace tsunagi::channels
