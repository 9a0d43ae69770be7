#include "gateway/store/exchange_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "gateway/store/pool.hpp"
#include "mapping/digest.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::store {

namespace {

PgParam opt(const std::optional<std::string>& v) { return v ? PgParam(*v) : PgParam(); }

std::string textArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

}  // namespace

std::string databaseTimestamp(PgConnection& conn) {
  // The database clock, so several gateway processes write one consistent timeline.
  return conn
      .run("event_now", "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', "
                        "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
           {})
      .text(0, 0);
}

std::string jsonObject(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = "{";
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += '"' + mapping::json::jsonEscape(fields[i].first) + "\":\"" +
           mapping::json::jsonEscape(fields[i].second) + '"';
  }
  return out + "}";
}

std::string eventCanonicalBytes(long long id, const std::string& at, const Event& e) {
  return std::to_string(id) + "\n" + at + "\n" + e.event + "\n" + e.direction + "\n" +
         e.peer.value_or("") + "\n" + e.messageId.value_or("") + "\n" + e.detailJson;
}

std::string eventHash(const std::string& previous, long long id, const std::string& at,
                      const Event& e) {
  return mapping::sha256Hex(previous + "\n" + eventCanonicalBytes(id, at, e));
}

std::string appendEvent(PgConnection& conn, const NewEvent& n) {
  const Event e{std::string(toString(n.type)), n.direction, n.peer, n.messageId, n.detailJson};
  auto head = conn.run("head_lock", "SELECT last_id, hash FROM audit_head FOR UPDATE", {});
  const long long id = head.integer(0, 0) + 1;
  const std::string previous = head.text(0, 1);
  const std::string at = databaseTimestamp(conn);
  const std::string hash = eventHash(previous, id, at, e);
  conn.run("event_insert",
           "INSERT INTO exchange_events (id, at, event, direction, peer, message_id, detail, "
           "prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
           {std::to_string(id), at, e.event, e.direction, opt(e.peer), opt(e.messageId),
            e.detailJson, previous, hash});
  conn.run("head_update", "UPDATE audit_head SET last_id = $1, hash = $2",
           {std::to_string(id), hash});
  return hash;
}

std::string chainHead(PgConnection& conn) {
  return conn.run("head_read", "SELECT hash FROM audit_head", {}).text(0, 0);
}

std::vector<std::pair<std::string, std::string>> queuedForDocument(PgConnection& conn,
                                                                   const std::string& documentId) {
  auto r = conn.run("outbox_by_document",
                    "SELECT peer, message_id FROM outbox WHERE document_id = $1 ORDER BY peer",
                    {documentId});
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.text(i, 1));
  return out;
}

void enqueue(PgConnection& conn, const OutboundMessage& m) {
  conn.run("outbox_insert",
           "INSERT INTO outbox (message_id, document_id, peer, document_type, case_id, "
           "consent_ref, envelope, losses) VALUES ($1, $2, $3, $4, $5, $6, $7::bytea, $8)",
           {m.messageId, m.documentId, m.peer, m.documentType, opt(m.caseId),
            opt(m.consentReference), "\\x" + mapping::toHex(m.envelope), m.lossesJson});
  std::vector<std::pair<std::string, std::string>> detail = {{"documentType", m.documentType}};
  if (m.lossCount > 0) {
    detail.emplace_back("losses", std::to_string(m.lossCount));
    detail.emplace_back("lossKinds", m.lossKinds);
  }
  appendEvent(conn,
              NewEvent{EventType::Queued, "outbound", m.peer, m.messageId, jsonObject(detail)});
}

namespace {
std::string fromByteaHex(const std::string& text) {
  // bytea_output = hex: "\x0a1b…"
  std::string out;
  out.reserve((text.size() - 2) / 2);
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  for (std::size_t i = 2; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(nibble(text[i]) << 4 | nibble(text[i + 1]));
  }
  return out;
}
}  // namespace

std::vector<ClaimedMessage> claimDue(PgConnection& conn, const std::string& peer, int limit,
                                     std::chrono::seconds lease) {
  auto rows = inTransaction(conn, [&] {
    return conn.run("outbox_claim",
                    "UPDATE outbox SET attempts = attempts + 1, "
                    "next_attempt_at = now() + make_interval(secs => $3) "
                    "WHERE id IN (SELECT id FROM outbox WHERE peer = $1 AND state = 'pending' "
                    "AND next_attempt_at <= now() ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) "
                    "RETURNING id, message_id, peer, envelope, attempts, consent_ref",
                    {peer, std::to_string(limit), std::to_string(lease.count())});
  });
  std::vector<ClaimedMessage> out;
  for (int r = 0; r < rows.rows(); ++r) {
    out.push_back(ClaimedMessage{rows.integer(r, 0), rows.text(r, 1), rows.text(r, 2),
                                 fromByteaHex(rows.text(r, 3)),
                                 static_cast<int>(rows.integer(r, 4)), rows.optional(r, 5)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

void markDelivered(PgConnection& conn, const ClaimedMessage& m, const std::string& receipt,
                   const std::string& head, const std::string& receivedAt) {
  inTransaction(conn, [&] {
    auto updated = conn.run("outbox_delivered",
                            "UPDATE outbox SET state = 'delivered', finished_at = now(), "
                            "last_error = NULL WHERE id = $1 AND state = 'pending'",
                            {std::to_string(m.id)});
    if (updated.affected() == 0) return;  // another worker recorded it first
    conn.run("receipt_insert",
             "INSERT INTO receipts (message_id, receipt, chain_head, received_at) "
             "VALUES ($1, $2::bytea, $3, $4) ON CONFLICT (message_id) DO NOTHING",
             {m.messageId, "\\x" + mapping::toHex(receipt), head, receivedAt});
    appendEvent(conn, NewEvent{EventType::Receipted, "outbound", m.peer, m.messageId,
                               jsonObject({{"attempt", std::to_string(m.attempts)},
                                           {"receiverChainHead", head}})});
  });
}

void markFailed(PgConnection& conn, const ClaimedMessage& m, const std::string& reason,
                bool permanent, int maxAttempts, std::chrono::milliseconds delay,
                const std::string& peerDetail) {
  inTransaction(conn, [&] {
    const bool dead = permanent || m.attempts >= maxAttempts;
    const std::string lastError = peerDetail.empty() ? reason : reason + ": " + peerDetail;
    auto updated = conn.run(
        "outbox_failed",
        "UPDATE outbox SET state = CASE WHEN $2 THEN 'dead' ELSE 'pending' END, last_error = $3, "
        "next_attempt_at = now() + make_interval(secs => $4::double precision / 1000), "
        "finished_at = CASE WHEN $2 THEN now() END WHERE id = $1 AND state = 'pending'",
        {std::to_string(m.id), dead ? "true" : "false", lastError, std::to_string(delay.count())});
    if (updated.affected() == 0) return;
    appendEvent(conn, NewEvent{dead ? EventType::DeadLettered : EventType::RetryScheduled,
                               "outbound", m.peer, m.messageId,
                               jsonObject({{"attempt", std::to_string(m.attempts)},
                                           {"reason", reason},
                                           {"delayMs", std::to_string(delay.count())}})});
  });
}

void release(PgConnection& conn, const ClaimedMessage& m, std::chrono::milliseconds delay) {
  conn.run("outbox_release",
           "UPDATE outbox SET attempts = greatest(attempts - 1, 0), "
           "next_attempt_at = now() + make_interval(secs => $2::double precision / 1000) "
           "WHERE id = $1 AND state = 'pending'",
           {std::to_string(m.id), std::to_string(delay.count())});
}

std::optional<ConsentCheck> consentWithdrawn(PgConnection& conn, const std::string& reference) {
  auto r = conn.run("consent_state",
                    "SELECT revoked_at IS NOT NULL, valid_until IS NOT NULL AND valid_until < "
                    "current_date FROM consents WHERE reference = $1",
                    {reference});
  if (r.rows() == 0) return ConsentCheck{ConsentOutcome::NotRecorded, reference, ""};
  if (r.text(0, 0) == "t") return ConsentCheck{ConsentOutcome::Revoked, reference, ""};
  if (r.text(0, 1) == "t") return ConsentCheck{ConsentOutcome::Expired, reference, ""};
  return std::nullopt;
}

OutboxCounts outboxCounts(PgConnection& conn, const std::optional<std::string>& peer) {
  auto r = conn.run("outbox_counts",
                    "SELECT count(*) FILTER (WHERE state = 'pending'), "
                    "count(*) FILTER (WHERE state = 'delivered'), "
                    "count(*) FILTER (WHERE state = 'dead') FROM outbox "
                    "WHERE $1::text IS NULL OR peer = $1",
                    {opt(peer)});
  return {r.integer(0, 0), r.integer(0, 1), r.integer(0, 2)};
}

namespace {
/// The queue a dead letter lies in: outbox (direction outbound) or the inbox's hand-over (local).
bool changeDeadLetter(PgConnection& conn, const DeadLetterAction& a, EventType event, bool replay) {
  auto out = conn.run(replay ? "dead_outbox_replay" : "dead_outbox_discard",
                      replay ? "UPDATE outbox SET state = 'pending', attempts = 0, "
                               "next_attempt_at = now(), finished_at = NULL "
                               "WHERE message_id = $1::uuid AND state = 'dead' RETURNING peer"
                             : "UPDATE outbox SET state = 'discarded', finished_at = now() "
                               "WHERE message_id = $1::uuid AND state = 'dead' RETURNING peer",
                      {a.messageId});
  std::string direction = "outbound";
  std::string peer;
  if (out.rows() == 1) {
    peer = out.text(0, 0);
  } else {
    auto in = conn.run(replay ? "dead_inbox_replay" : "dead_inbox_discard",
                       replay ? "UPDATE inbox SET local_state = 'pending', local_attempts = 0, "
                                "next_local_attempt_at = now() "
                                "WHERE message_id = $1::uuid AND local_state = 'dead' RETURNING sender"
                              : "UPDATE inbox SET local_state = 'discarded' "
                                "WHERE message_id = $1::uuid AND local_state = 'dead' RETURNING sender",
                       {a.messageId});
    if (in.rows() != 1) return false;
    direction = "local";
    peer = in.text(0, 0);
  }
  appendEvent(conn, NewEvent{event, direction, peer, a.messageId,
                             jsonObject({{"by", a.actor}, {"reason", a.reason}})});
  return true;
}
}  // namespace

bool replayDeadLetter(PgConnection& conn, const DeadLetterAction& action) {
  return changeDeadLetter(conn, action, EventType::Replayed, true);
}

bool discardDeadLetter(PgConnection& conn, const DeadLetterAction& action) {
  return changeDeadLetter(conn, action, EventType::Discarded, false);
}

std::optional<std::string> existingReceipt(PgConnection& conn, const std::string& sender,
                                           const std::string& messageId) {
  auto r =
      conn.run("inbox_receipt", "SELECT receipt FROM inbox WHERE sender = $1 AND message_id = $2",
               {sender, messageId});
  if (r.rows() == 0) return std::nullopt;
  return fromByteaHex(r.text(0, 0));
}

void storeInbound(PgConnection& conn, const InboundMessage& m, const std::string& receipt) {
  conn.run(
      "inbox_insert",
      "INSERT INTO inbox (sender, message_id, document_type, case_id, consent_ref, envelope, "
      "content_digest, receipt, losses) VALUES ($1, $2, $3, $4, $5, $6::bytea, $7, $8::bytea, $9)",
      {m.sender, m.messageId, m.documentType, opt(m.caseId), opt(m.consentReference),
       "\\x" + mapping::toHex(m.envelope), m.contentDigest, "\\x" + mapping::toHex(receipt),
       m.lossesJson});
}

std::vector<ClaimedInbound> claimInbound(PgConnection& conn, int limit,
                                         std::chrono::seconds lease) {
  auto rows = inTransaction(conn, [&] {
    return conn.run("inbox_claim",
                    "UPDATE inbox SET local_attempts = local_attempts + 1, "
                    "next_local_attempt_at = now() + make_interval(secs => $2) "
                    "WHERE (sender, message_id) IN (SELECT sender, message_id FROM inbox "
                    "WHERE local_state = 'pending' AND next_local_attempt_at <= now() "
                    "ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED) "
                    "RETURNING sender, message_id, document_type, envelope, local_attempts",
                    {std::to_string(limit), std::to_string(lease.count())});
  });
  std::vector<ClaimedInbound> out;
  for (int r = 0; r < rows.rows(); ++r) {
    out.push_back(ClaimedInbound{rows.text(r, 0), rows.text(r, 1), rows.text(r, 2),
                                 fromByteaHex(rows.text(r, 3)),
                                 static_cast<int>(rows.integer(r, 4))});
  }
  return out;
}

void recordLocalLosses(PgConnection& conn, const ClaimedInbound& m, const std::string& channel,
                       const std::string& lossesJson, std::size_t count, const std::string& kinds) {
  inTransaction(conn, [&] {
    conn.run("inbox_local_losses",
             "UPDATE inbox SET local_losses = jsonb_set(local_losses::jsonb, ARRAY[$3], "
             "$4::jsonb)::text WHERE sender = $1 AND message_id = $2",
             {m.sender, m.messageId, channel, lossesJson});
    appendEvent(conn, NewEvent{EventType::Translated, "local", m.sender, m.messageId,
                               jsonObject({{"step", "encode"},
                                           {"channel", channel},
                                           {"losses", std::to_string(count)},
                                           {"lossKinds", kinds}})});
  });
}

void markInboundDelivered(PgConnection& conn, const ClaimedInbound& m, const std::string& where) {
  inTransaction(conn, [&] {
    auto updated = conn.run("inbox_delivered",
                            "UPDATE inbox SET local_state = 'delivered' WHERE sender = $1 AND "
                            "message_id = $2 AND local_state = 'pending'",
                            {m.sender, m.messageId});
    if (updated.affected() == 0) return;
    appendEvent(conn,
                NewEvent{EventType::DeliveredLocally, "local", m.sender, m.messageId,
                         jsonObject({{"to", where}, {"attempt", std::to_string(m.attempts)}})});
  });
}

void markInboundFailed(PgConnection& conn, const ClaimedInbound& m, const std::string& reason,
                       bool permanent, int maxAttempts, std::chrono::milliseconds delay) {
  inTransaction(conn, [&] {
    const bool dead = permanent || m.attempts >= maxAttempts;
    auto updated = conn.run(
        "inbox_failed",
        "UPDATE inbox SET local_state = CASE WHEN $3 THEN 'dead' ELSE 'pending' END, "
        "next_local_attempt_at = now() + make_interval(secs => $4::double precision / 1000) "
        "WHERE sender = $1 AND message_id = $2 AND local_state = 'pending'",
        {m.sender, m.messageId, dead ? "true" : "false", std::to_string(delay.count())});
    if (updated.affected() == 0) return;
    appendEvent(
        conn, NewEvent{dead ? EventType::LocalDeadLettered : EventType::LocalRetryScheduled,
                       "local", m.sender, m.messageId,
                       jsonObject({{"attempt", std::to_string(m.attempts)}, {"reason", reason}})});
  });
}

void recordConsent(PgConnection& conn, const Consent& c) {
  conn.run("consent_insert",
           "INSERT INTO consents (reference, insurer_number, insured_number, scope, obtained_on, "
           "obtained_by, valid_until) VALUES ($1, $2, $3, $4::text[], $5::date, $6, $7::date)",
           {c.reference, c.insurerNumber, c.insuredNumber, textArray(c.scope), c.obtainedOn,
            c.obtainedBy, opt(c.validUntil)});
  appendEvent(conn, NewEvent{EventType::ConsentRecorded, "local", std::nullopt, std::nullopt,
                             jsonObject({{"consent", c.reference}})});
}

bool revokeConsent(PgConnection& conn, const std::string& reference) {
  auto r =
      conn.run("consent_revoke",
               "UPDATE consents SET revoked_at = now() WHERE reference = $1 AND revoked_at IS NULL",
               {reference});
  if (r.affected() == 0) return false;
  appendEvent(conn, NewEvent{EventType::ConsentRevoked, "local", std::nullopt, std::nullopt,
                             jsonObject({{"consent", reference}})});
  return true;
}

ConsentCheck findConsent(PgConnection& conn, const std::string& insurer, const std::string& insured,
                         const std::string& municipality) {
  auto r = conn.run("consent_find",
                    "SELECT reference, revoked_at IS NOT NULL, $3 = ANY(scope), "
                    "valid_until IS NOT NULL AND valid_until < current_date, "
                    "obtained_on > current_date "
                    "FROM consents WHERE insurer_number = $1 AND insured_number = $2 "
                    "ORDER BY obtained_on DESC, reference",
                    {insurer, insured, municipality});
  std::optional<ConsentCheck> refusal;
  for (int i = 0; i < r.rows(); ++i) {
    const std::string ref = r.text(i, 0);
    if (r.text(i, 1) == "t") {
      refusal = ConsentCheck{ConsentOutcome::Revoked, ref, municipality};
    } else if (r.text(i, 2) != "t") {
      if (!refusal) refusal = ConsentCheck{ConsentOutcome::OutOfScope, ref, municipality};
    } else if (r.text(i, 3) == "t") {
      if (!refusal) refusal = ConsentCheck{ConsentOutcome::Expired, ref, municipality};
    } else if (r.text(i, 4) == "t") {
      if (!refusal) refusal = ConsentCheck{ConsentOutcome::NotYetValid, ref, municipality};
    } else {
      return ConsentCheck{ConsentOutcome::Covered, ref, municipality};
    }
  }
  return refusal ? *refusal : ConsentCheck{ConsentOutcome::NotRecorded, "", municipality};
}

void recordHttpRefusal(ConnectionPool& pool, const std::string& listener,
                       const std::string& direction, int status, const std::string& code,
                       const std::string& client) {
  try {
    withTransaction(pool, [&](PgConnection& conn) {
      appendEvent(conn, NewEvent{EventType::HttpRefused, direction, std::nullopt, std::nullopt,
                                 jsonObject({{"listener", listener},
                                             {"status", std::to_string(status)},
                                             {"code", code},
                                             {"client", client}})});
    });
  } catch (const std::exception& e) {
    spdlog::error("listener {}: refusal ({} {}) not recorded: {}", listener, status, code,
                  e.what());
  }
}

}  // namespace tsunagi::store
