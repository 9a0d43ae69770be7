#include "gateway/store/console_queries.hpp"

#include <regex>
#include <set>

#include "gateway/store/exchange_store.hpp"

namespace tsunagi::store {

namespace {

// Outbox and inbox as one list; `at` is when the message was queued or received.
constexpr const char* kExchanges =
    "WITH x AS ("
    "SELECT 'outbound'::text AS direction, message_id::text AS message_id, peer::text AS peer, "
    "document_type, case_id, state AS status, created_at AS at, attempts, last_error FROM outbox "
    "UNION ALL "
    "SELECT 'inbound', message_id::text, sender::text, document_type, case_id, local_state, "
    "received_at, local_attempts, NULL FROM inbox) ";

constexpr const char* kRowColumns =
    "direction, message_id, peer, document_type, case_id, status, "
    "to_char(at AT TIME ZONE 'UTC' + interval '9 hours', 'YYYY-MM-DD HH24:MI:SS'), attempts, "
    "last_error";

// Dates are Japan time (UTC+9 all year).
constexpr const char* kWhere =
    " WHERE ($1::date IS NULL OR at >= ($1::date - interval '9 hours') AT TIME ZONE 'UTC')"
    " AND ($2::date IS NULL OR at < ($2::date + interval '15 hours') AT TIME ZONE 'UTC')"
    " AND ($3::text IS NULL OR peer = $3) AND ($4::text IS NULL OR direction = $4)"
    " AND ($5::text IS NULL OR document_type = $5) AND ($6::text IS NULL OR status = $6)"
    " AND ($7::text IS NULL OR case_id = $7) AND ($8::text IS NULL OR message_id = $8) ";

std::vector<PgParam> whereParams(const ExchangeFilter& f) {
  return {f.from, f.to, f.peer, f.direction, f.documentType, f.status, f.caseId, f.messageId};
}

ExchangeRow rowAt(const PgResult& r, int i) {
  return ExchangeRow{r.text(i, 0), r.text(i, 1), r.text(i, 2),    r.text(i, 3),    r.optional(i, 4),
                     r.text(i, 5), r.text(i, 6), r.integer(i, 7), r.optional(i, 8)};
}

}  // namespace

bool isUuid(const std::string& text) {
  static const std::regex pattern(
      "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  return std::regex_match(text, pattern);
}

SearchPage searchExchanges(PgConnection& conn, const ExchangeFilter& filter, int pageSize) {
  SearchPage page;
  page.page = filter.page;
  page.pageSize = pageSize;
  auto params = whereParams(filter);
  params.push_back(std::to_string(pageSize));
  params.push_back(std::to_string(static_cast<long long>(filter.page - 1) * pageSize));
  auto r =
      conn.run("console_search",
               std::string(kExchanges) + "SELECT " + kRowColumns + ", count(*) OVER () FROM x" +
                   kWhere + "ORDER BY at DESC, message_id LIMIT $9 OFFSET $10",
               params);
  for (int i = 0; i < r.rows(); ++i) page.rows.push_back(rowAt(r, i));
  if (r.rows() > 0) {
    page.total = r.integer(0, 9);
  } else {
    auto c =
        conn.run("console_search_count",
                 std::string(kExchanges) + "SELECT count(*) FROM x" + kWhere, whereParams(filter));
    page.total = c.integer(0, 0);
  }
  return page;
}

std::vector<ExchangeRow> exportExchanges(PgConnection& conn, const ExchangeFilter& filter,
                                         int limit) {
  auto params = whereParams(filter);
  params.push_back(std::to_string(limit));
  auto r = conn.run("console_export",
                    std::string(kExchanges) + "SELECT " + kRowColumns + " FROM x" + kWhere +
                        "ORDER BY at DESC, message_id LIMIT $9",
                    params);
  std::vector<ExchangeRow> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(rowAt(r, i));
  return out;
}

std::optional<ExchangeDetail> findExchange(PgConnection& conn, const std::string& messageId) {
  if (!isUuid(messageId)) return std::nullopt;
  ExchangeFilter f;
  f.messageId = messageId;
  auto rows = exportExchanges(conn, f, 1);
  if (rows.empty()) return std::nullopt;
  ExchangeDetail d;
  d.row = rows.front();
  auto e = conn.run("console_exchange_events",
                    "SELECT id, at, event, direction, detail FROM exchange_events "
                    "WHERE message_id = $1 ORDER BY id",
                    {d.row.messageId});
  for (int i = 0; i < e.rows(); ++i) {
    d.events.push_back(
        EventRow{e.integer(i, 0), e.text(i, 1), e.text(i, 2), e.text(i, 3), e.text(i, 4)});
    if (e.text(i, 2) == toString(EventType::Translated)) d.lossReports.push_back(e.text(i, 4));
  }
  if (d.row.direction == "outbound") {
    auto r = conn.run("console_exchange_receipt",
                      "SELECT received_at, chain_head FROM receipts WHERE message_id = $1::uuid",
                      {d.row.messageId});
    if (r.rows() == 1) {
      d.receiptAt = r.text(0, 0);
      d.receiptChainHead = r.text(0, 1);
    }
  } else {
    auto r =
        conn.run("console_exchange_digest",
                 "SELECT content_digest FROM inbox WHERE message_id = $1::uuid AND sender = $2",
                 {d.row.messageId, d.row.peer});
    if (r.rows() == 1) d.contentDigest = r.text(0, 0);
  }
  return d;
}

std::optional<double> PeerState::errorRate() const {
  const long long all = successes24h + failures24h;
  if (all == 0) return std::nullopt;
  return static_cast<double>(failures24h) / static_cast<double>(all);
}

std::vector<PeerState> peerStates(PgConnection& conn, std::vector<std::string> peers) {
  auto seen = conn.run("console_peers_seen",
                       "SELECT peer::text FROM outbox UNION SELECT sender::text FROM inbox", {});
  std::set<std::string> all(peers.begin(), peers.end());
  for (int i = 0; i < seen.rows(); ++i) all.insert(seen.text(i, 0));
  std::vector<PeerState> out;
  for (const auto& peer : all) {
    auto r =
        conn.run("console_peer_state",
                 "SELECT "
                 "(SELECT to_char(max(finished_at) AT TIME ZONE 'UTC' + interval '9 hours', "
                 "'YYYY-MM-DD HH24:MI:SS') FROM outbox WHERE peer = $1 AND state = 'delivered'), "
                 "(SELECT to_char(max(received_at) AT TIME ZONE 'UTC' + interval '9 hours', "
                 "'YYYY-MM-DD HH24:MI:SS') FROM inbox WHERE sender = $1), "
                 "(SELECT count(*) FROM outbox WHERE peer = $1 AND state = 'pending'), "
                 "(SELECT count(*) FROM outbox WHERE peer = $1 AND state = 'dead') + "
                 "(SELECT count(*) FROM inbox WHERE sender = $1 AND local_state = 'dead'), "
                 "count(*) FILTER (WHERE event = 'receipted'), "
                 "count(*) FILTER (WHERE event IN ('retry-scheduled', 'dead-lettered')) "
                 "FROM exchange_events WHERE peer = $1 AND direction = 'outbound' AND at >= "
                 "to_char((now() - interval '24 hours') AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')",
                 {peer});
    PeerState s;
    s.peer = peer;
    s.lastSent = r.optional(0, 0);
    s.lastReceived = r.optional(0, 1);
    s.backlog = r.integer(0, 2);
    s.deadLetters = r.integer(0, 3);
    s.successes24h = r.integer(0, 4);
    s.failures24h = r.integer(0, 5);
    out.push_back(s);
  }
  return out;
}

std::vector<DailyCount> dailyCounts(PgConnection& conn, int days) {
  auto r =
      conn.run("console_daily",
               std::string(kExchanges) +
                   "SELECT to_char(at AT TIME ZONE 'UTC' + interval '9 hours', 'YYYY-MM-DD'), "
                   "peer, status, count(*) FROM x WHERE at >= now() - make_interval(days => $1) "
                   "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
               {std::to_string(days)});
  std::vector<DailyCount> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(DailyCount{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.integer(i, 3)});
  }
  return out;
}

std::vector<ExchangeRow> deadLetters(PgConnection& conn, int limit) {
  ExchangeFilter f;
  f.status = "dead";
  return exportExchanges(conn, f, limit);
}

std::vector<IdentityReview> openIdentityReviews(PgConnection& conn) {
  auto r = conn.run("console_identity_open",
                    "SELECT id, sender::text, message_id::text, grade, reason, candidate, "
                    "to_char(created_at AT TIME ZONE 'UTC' + interval '9 hours', "
                    "'YYYY-MM-DD HH24:MI:SS') FROM identity_reviews WHERE resolved_at IS NULL "
                    "ORDER BY created_at, id",
                    {});
  std::vector<IdentityReview> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(IdentityReview{r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3),
                                 r.text(i, 4), r.optional(i, 5), r.text(i, 6)});
  }
  return out;
}

bool resolveIdentityReview(PgConnection& conn, long long id, const std::string& resolution,
                           const std::string& actor, const std::string& reason) {
  auto r = conn.run("console_identity_resolve",
                    "UPDATE identity_reviews SET resolved_at = now(), resolved_by = $2, "
                    "resolution = $3 WHERE id = $1 AND resolved_at IS NULL "
                    "RETURNING sender::text, message_id::text",
                    {std::to_string(id), actor, resolution});
  if (r.rows() != 1) return false;
  appendEvent(conn, NewEvent{EventType::IdentityReviewed, "inbound", r.text(0, 0), r.text(0, 1),
                             jsonObject({{"review", std::to_string(id)},
                                         {"resolution", resolution},
                                         {"by", actor},
                                         {"reason", reason}})});
  return true;
}

std::vector<ConsentRow> consentRegistry(PgConnection& conn) {
  auto r =
      conn.run("console_consents",
               "SELECT reference, insurer_number, insured_number, array_to_string(scope, ' '), "
               "obtained_on::text, obtained_by, valid_until::text, "
               "to_char(revoked_at AT TIME ZONE 'UTC' + interval '9 hours', 'YYYY-MM-DD HH24:MI'), "
               "CASE WHEN revoked_at IS NOT NULL THEN 'revoked' "
               "WHEN valid_until IS NOT NULL AND valid_until < current_date THEN 'expired' "
               "WHEN obtained_on > current_date THEN 'not-yet-valid' ELSE 'active' END "
               "FROM consents ORDER BY obtained_on DESC, reference",
               {});
  std::vector<ConsentRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(ConsentRow{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                             r.text(i, 5), r.optional(i, 6), r.optional(i, 7), r.text(i, 8)});
  }
  return out;
}

}  // namespace tsunagi::store
