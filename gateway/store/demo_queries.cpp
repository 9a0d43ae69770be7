#include "gateway/store/demo_queries.hpp"

#include "gateway/store/event_type.hpp"

namespace tsunagi::store::demo {

namespace {

long long countOf(PgConnection& conn, const char* sql, const std::vector<PgParam>& params) {
  return conn.execParams(sql, params).integer(0, 0);
}

}  // namespace

long long openCaseCount(PgConnection& conn, const std::string& caseId) {
  return countOf(conn, "SELECT count(*) FROM cases WHERE case_id = $1 AND closed_at IS NULL",
                 {caseId});
}

long long deliveredFromCase(PgConnection& conn, const std::string& sender,
                            const std::string& documentType, const std::string& caseId) {
  return countOf(conn,
                 "SELECT count(*) FROM inbox WHERE sender = $1 AND document_type = $2 "
                 "AND case_id = $3 AND local_state = 'delivered'",
                 {sender, documentType, caseId});
}

long long outboxTotal(PgConnection& conn) {
  return countOf(conn, "SELECT count(*) FROM outbox", {});
}

long long outboxIn(PgConnection& conn, const std::string& peer, const std::string& documentType,
                   const std::string& state, int minAttempts) {
  return countOf(conn,
                 "SELECT count(*) FROM outbox WHERE peer = $1 AND document_type = $2 "
                 "AND state = $3 AND attempts >= $4::int",
                 {peer, documentType, state, std::to_string(minAttempts)});
}

std::vector<ReceivedLosses> receivedLosses(PgConnection& conn, const std::string& sender,
                                           const std::string& documentType) {
  auto rows = conn.execParams(
      "SELECT jsonb_array_length(losses::jsonb), "
      "(SELECT COALESCE(sum(jsonb_array_length(value)), 0) FROM "
      "jsonb_each(local_losses::jsonb)) FROM inbox WHERE sender = $1 "
      "AND document_type = $2 ORDER BY received_at",
      {sender, documentType});
  std::vector<ReceivedLosses> out;
  for (int i = 0; i < rows.rows(); ++i) out.push_back({rows.integer(i, 0), rows.integer(i, 1)});
  return out;
}

long long localLossCount(PgConnection& conn, const std::string& messageId) {
  return countOf(conn,
                 "SELECT COALESCE(sum(jsonb_array_length(value)), 0) FROM inbox, "
                 "jsonb_each(local_losses::jsonb) WHERE message_id = $1::uuid",
                 {messageId});
}

std::vector<SentRow> sentMessages(PgConnection& conn) {
  auto r = conn.execParams(
      "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), "
      "peer, "
      "document_type, state, COALESCE(round(extract(epoch FROM "
      "(finished_at - created_at)) * 1000)::bigint::text, '-'), "
      "jsonb_array_length(losses::jsonb), message_id::text FROM outbox",
      {});
  std::vector<SentRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(SentRow{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4),
                          r.text(i, 5), r.text(i, 6)});
  }
  return out;
}

std::vector<RefusedRow> refusedSubmissions(PgConnection& conn) {
  auto refused = conn.execParams(
      "SELECT at, COALESCE(peer, '-'), detail::jsonb->>'documentType', detail::jsonb->>'code' "
      "FROM exchange_events WHERE event IN ($1, $2) ORDER BY id",
      {std::string(toString(EventType::ConsentBlocked)),
       std::string(toString(EventType::Refused))});
  std::vector<RefusedRow> out;
  for (int i = 0; i < refused.rows(); ++i) {
    out.push_back(
        RefusedRow{refused.text(i, 0), refused.text(i, 1), refused.text(i, 2), refused.text(i, 3)});
  }
  return out;
}

}  // namespace tsunagi::store::demo
