// `audit verify` throughput (target: ≥ 200,000 rows/s): the whole chain walk — fetch from
// PostgreSQL in batches, recompute each row's SHA-256, check the links. The chain is built by
// PL/pgSQL with PostgreSQL's own sha256(), which also cross-checks the canonical row bytes.
// A private embedded PostgreSQL cluster in a temporary directory (or TSUNAGI_TEST_PG: a conninfo
// of a role that may CREATE DATABASE). Figures and the command: docs/performance.md.
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "gateway/audit/audit_log.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/migrations.hpp"

namespace tsunagi::audit {
namespace {

class BenchDatabase {
 public:
  BenchDatabase() {
    std::string conninfo;
    if (const char* external = std::getenv("TSUNAGI_TEST_PG")) {
      store::PgConnection admin(external);
      admin.exec("DROP DATABASE IF EXISTS tsunagi_audit_bench");
      admin.exec("CREATE DATABASE tsunagi_audit_bench");
      conninfo = std::string(external) + " dbname=tsunagi_audit_bench";
    } else {
      char templ[] = "/tmp/tsunagi-audit-bench-XXXXXX";
      if (!mkdtemp(templ)) throw std::runtime_error("cannot make a temporary directory");
      dir_ = templ;
      chmod(templ, 0755);  // the postgres account (when run as root) must traverse it
      store::EmbeddedPostgresOptions o;
      o.rootDir = dir_ / "pg";
      o.fastInit = true;
      o.settings = {{"fsync", "off"}, {"synchronous_commit", "off"}};
      pg_ = std::make_unique<store::EmbeddedPostgres>(o);
      pg_->start();
      pg_->ensureDatabase("bench");
      conninfo = pg_->conninfo("bench");
    }
    conn_ = std::make_unique<store::PgConnection>(conninfo);
    store::migrate(*conn_);
    conn_->exec("INSERT INTO node_identity (node_code, node_name) VALUES ('122173', 'bench')");
  }
  ~BenchDatabase() {
    conn_.reset();
    pg_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  /// Makes the chain `rows` long (events shaped like the exchange's).
  void fill(long long rows) {
    if (filled_ >= rows) return;
    conn_->exec(R"sql(
DO $$
DECLARE
  prev text := (SELECT hash FROM audit_head);
  first bigint := (SELECT last_id FROM audit_head) + 1;
  last bigint := current_setting('bench.rows')::bigint;
  t text;
  ev text;
  pe text;
  mid text;
  det text;
  h text;
BEGIN
  FOR i IN first..last LOOP
    t := to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
    ev := (ARRAY['queued', 'sent', 'receipted', 'received'])[1 + i % 4];
    pe := '122203';
    mid := md5(i::text)::uuid::text;
    det := '{"attempt":"1","receiverChainHead":"' || md5(i::text) || md5((i + 1)::text) || '"}';
    h := encode(sha256(convert_to(prev || E'\n' || i || E'\n' || t || E'\n' || ev || E'\n' ||
                                  'outbound' || E'\n' || pe || E'\n' || mid || E'\n' || det, 'UTF8')), 'hex');
    INSERT INTO exchange_events VALUES (i, t, ev, 'outbound', pe, mid, det, prev, h);
    prev := h;
  END LOOP;
  UPDATE audit_head SET last_id = last, hash = prev;
END $$;
)sql");
    filled_ = rows;
  }

  store::PgConnection& conn() { return *conn_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::EmbeddedPostgres> pg_;
  std::unique_ptr<store::PgConnection> conn_;
  long long filled_ = 0;
};

/// CPU seconds (user + system) a process has used so far, from /proc/PID/stat.
double processCpuSeconds(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

BenchDatabase& database() {
  static BenchDatabase db;
  return db;
}

void BM_AuditVerify(benchmark::State& state) {
  const long long rows = state.range(0);
  auto& db = database();
  db.conn().exec("SET bench.rows = '" + std::to_string(rows) + "'");
  db.fill(rows);
  // The server backend's CPU as well as ours: on a busy machine the wall-clock rate mostly shows
  // how long both processes waited for a core.
  const long backend = static_cast<long>(db.conn().exec("SELECT pg_backend_pid()").integer(0, 0));
  const double serverBefore = processCpuSeconds(backend);
  for (auto _ : state) {
    const auto result = verifyChain(db.conn());
    if (!result.ok() || result.rowsChecked != rows) {
      state.SkipWithError(result.ok() ? "short chain" : result.firstBreak->reason.c_str());
      return;
    }
    benchmark::DoNotOptimize(result.head);
  }
  const double serverCpu =
      (processCpuSeconds(backend) - serverBefore) / static_cast<double>(state.iterations());
  state.counters["server_cpu_ms"] = serverCpu * 1000;
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_AuditVerify)->Arg(200000)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3);

}  // namespace
}  // namespace tsunagi::audit
