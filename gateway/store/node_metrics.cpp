#include "gateway/store/node_metrics.hpp"

namespace tsunagi::store {

namespace {

std::vector<CountRow> countRows(PgConnection& conn, std::string_view sql) {
  const PgResult r = conn.exec(sql);
  std::vector<CountRow> out;
  const int keys = r.columns() - 1;
  for (int i = 0; i < r.rows(); ++i) {
    CountRow row;
    for (int k = 0; k < keys; ++k) row.keys.push_back(r.text(i, k));
    row.count = r.text(i, keys);
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

bool databaseAnswers(PgConnection& conn) { return conn.exec("SELECT 1").rows() == 1; }

NodeMetrics readNodeMetrics(PgConnection& conn) {
  NodeMetrics m;
  m.outbox = countRows(
      conn, "SELECT peer, state, count(*) FROM outbox GROUP BY peer, state ORDER BY 1, 2");
  m.inbox = countRows(
      conn, "SELECT sender, local_state, count(*) FROM inbox GROUP BY 1, 2 ORDER BY 1, 2");
  m.exchanges = countRows(
      conn,
      "SELECT 'outbound', peer, document_type, state, count(*) FROM outbox GROUP BY 2, 3, 4 "
      "UNION ALL SELECT 'inbound', sender, document_type, local_state, count(*) FROM inbox "
      "GROUP BY 2, 3, 4 ORDER BY 1, 2, 3, 4");
  {
    const PgResult r = conn.exec(
        "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending'), "
        "(SELECT count(*) FROM inbox WHERE local_state = 'pending')");
    m.outboxPending = r.text(0, 0);
    m.inboxPending = r.text(0, 1);
  }
  {
    // From the outbox itself, so the histogram survives restarts and covers every gateway
    // process.
    std::string sql =
        "SELECT count(*), coalesce(sum(extract(epoch FROM finished_at - created_at)), 0)";
    for (const char* le : kDeliveryLatencyBounds) {
      sql += std::string(", count(*) FILTER (WHERE finished_at - created_at <= interval '") + le +
             " seconds')";
    }
    const PgResult r =
        conn.exec(sql + " FROM outbox WHERE state = 'delivered' AND finished_at IS NOT NULL");
    m.latency.count = r.text(0, 0);
    m.latency.sumSeconds = r.text(0, 1);
    for (std::size_t i = 0; i < m.latency.buckets.size(); ++i) {
      m.latency.buckets[i] = r.text(0, 2 + static_cast<int>(i));
    }
  }
  m.auditEvents = conn.exec("SELECT last_id FROM audit_head").text(0, 0);
  const PgResult r = conn.exec(
      "SELECT channel, app, coalesce(last_id, 0)::text, skipped, failures, "
      "(last_error IS NOT NULL)::int FROM kintone_cursors ORDER BY 1, 2");
  for (int i = 0; i < r.rows(); ++i) {
    m.kintoneCursors.push_back(
        {r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.text(i, 4), r.text(i, 5)});
  }
  return m;
}

}  // namespace tsunagi::store
