#include "gateway/store/migrations.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace tsunagi::store {

const std::vector<Migration>& nodeMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "node identity",
       R"sql(
CREATE TABLE node_identity (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  node_code  char(6) NOT NULL CHECK (node_code ~ '^[0-9]{6}$'),
  node_name  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
)sql"},
      {2, "exchange: events with hash chain, outbox, receipts, inbox, consents, cases",
       R"sql(
-- Every state change of every exchange, hash-chained: hash = SHA-256(prev_hash || '\n' || row).
-- No clinical content: identifiers, codes, digests and reasons only (detail is a JSON text kept
-- byte for byte so the chain can be recomputed).
CREATE TABLE exchange_events (
  id         bigint PRIMARY KEY,
  at         text NOT NULL,
  event      text NOT NULL,
  direction  text NOT NULL CHECK (direction IN ('outbound', 'inbound', 'local', 'node')),
  peer       text,
  message_id text,
  detail     text NOT NULL DEFAULT '{}',
  prev_hash  char(64) NOT NULL,
  hash       char(64) NOT NULL UNIQUE
);
CREATE INDEX exchange_events_message ON exchange_events (message_id);
CREATE TABLE audit_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_id   bigint NOT NULL,
  hash      char(64) NOT NULL
);
INSERT INTO audit_head VALUES (true, 0, repeat('0', 64));

CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  message_id      uuid NOT NULL UNIQUE,
  document_id     text NOT NULL,
  peer            char(6) NOT NULL,
  document_type   text NOT NULL,
  case_id         text,
  consent_ref     text,
  envelope        bytea NOT NULL,
  state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
CREATE INDEX outbox_due ON outbox (peer, next_attempt_at) WHERE state = 'pending';
-- A local tool that resubmits a document (after a lost answer) gets the original messages back.
CREATE UNIQUE INDEX outbox_document ON outbox (document_id, peer);

CREATE TABLE receipts (
  message_id  uuid PRIMARY KEY REFERENCES outbox (message_id),
  receipt     bytea NOT NULL,
  chain_head  char(64) NOT NULL,
  received_at text NOT NULL
);

CREATE TABLE inbox (
  sender         char(6) NOT NULL,
  message_id     uuid NOT NULL,
  document_type  text NOT NULL,
  case_id        text,
  consent_ref    text,
  envelope       bytea NOT NULL,
  content_digest text NOT NULL,
  receipt        bytea NOT NULL,
  received_at    timestamptz NOT NULL DEFAULT now(),
  local_state    text NOT NULL DEFAULT 'pending' CHECK (local_state IN ('pending', 'delivered', 'dead')),
  local_attempts integer NOT NULL DEFAULT 0,
  next_local_attempt_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sender, message_id)
);
CREATE INDEX inbox_local_due ON inbox (next_local_attempt_at) WHERE local_state = 'pending';

CREATE TABLE consents (
  reference      text PRIMARY KEY,
  insurer_number char(6) NOT NULL,
  insured_number varchar(10) NOT NULL,
  scope          text[] NOT NULL,
  obtained_on    date NOT NULL,
  obtained_by    text NOT NULL,
  valid_until    date,
  revoked_at     timestamptz,
  CHECK (valid_until IS NULL OR valid_until >= obtained_on)
);
CREATE INDEX consents_patient ON consents (insurer_number, insured_number);

CREATE TABLE cases (
  case_id        text PRIMARY KEY,
  insurer_number char(6),
  insured_number varchar(10),
  closed_at      timestamptz
);
CREATE TABLE case_participants (
  case_id text NOT NULL REFERENCES cases (case_id),
  node    char(6) NOT NULL,
  PRIMARY KEY (case_id, node)
);
)sql"},
      {3, "translation losses with outbox and inbox messages",
       R"sql(
-- The loss report of the decode that produced an outbound message (JSON array of
-- {"kind","path","detail"}; the envelope carries the same as <losses>), the one a received
-- message arrived with, and the losses of encoding it for each local channel
-- (JSON object: channel name -> array). Details may quote characters of a name, so they live here
-- with the message and never in exchange_events, which records counts and kinds only.
ALTER TABLE outbox ADD COLUMN losses text NOT NULL DEFAULT '[]';
ALTER TABLE inbox ADD COLUMN losses text NOT NULL DEFAULT '[]';
ALTER TABLE inbox ADD COLUMN local_losses text NOT NULL DEFAULT '{}';
)sql"},
      {4, "cases: the patient key a hospital document is matched on",
       R"sql(
-- カナ氏名 (folded for matching) | 生年月日 | 性別 of the case's patient, from the CaseMembership
-- that opened it. A hospital document (FHIR, SS-MIX2) carries no 介護保険 numbers; it is routed
-- through the one open case whose patient key it matches (docs/exchange-protocol.md, "Routing").
ALTER TABLE cases ADD COLUMN patient_key text;
CREATE INDEX cases_open_patient_key ON cases (patient_key) WHERE closed_at IS NULL;
)sql"},
      {5, "audit: monthly partitions of the event chain, signed checkpoints, archives",
       R"sql(
-- The event chain becomes a table partitioned by month of `at` (UTC text, compared bytewise), so a
-- closed month can be archived to a signed file and dropped (tsunagi audit archive). Existing rows
-- move over unchanged: their hashes and the audit_head stay valid. Primary keys of a partitioned
-- table must contain the partition key, so `id` is unique per month only: `audit verify` reports a
-- second row with an id as inserted.
CREATE TABLE exchange_events_monthly (
  id         bigint NOT NULL,
  at         text COLLATE "C" NOT NULL,
  event      text NOT NULL,
  direction  text NOT NULL CHECK (direction IN ('outbound', 'inbound', 'local', 'node', 'console')),
  peer       text,
  message_id text,
  detail     text NOT NULL DEFAULT '{}',
  prev_hash  char(64) NOT NULL,
  hash       char(64) NOT NULL,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
-- Safety net: a row of a month whose partition was not made ahead (the node makes the current and
-- the next two months at start and at each checkpoint) lands here instead of failing its exchange.
CREATE TABLE exchange_events_default PARTITION OF exchange_events_monthly DEFAULT;
DO $$
DECLARE
  m text;
BEGIN
  FOR m IN
    SELECT DISTINCT substr(at, 1, 7) FROM exchange_events
    UNION SELECT to_char(now() AT TIME ZONE 'UTC' + make_interval(months => k), 'YYYY-MM')
          FROM generate_series(0, 2) AS k
  LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF exchange_events_monthly FOR VALUES FROM (%L) TO (%L)',
                   'exchange_events_' || replace(m, '-', '_'), m,
                   to_char(to_date(m, 'YYYY-MM') + interval '1 month', 'YYYY-MM'));
  END LOOP;
END $$;
INSERT INTO exchange_events_monthly SELECT * FROM exchange_events;
DROP TABLE exchange_events;
ALTER TABLE exchange_events_monthly RENAME TO exchange_events;
CREATE INDEX exchange_events_message ON exchange_events (message_id);
CREATE INDEX exchange_events_hash ON exchange_events (hash);

-- Signed checkpoints: at an interval and at shutdown the node signs (node key, ECDSA P-256) the
-- chain head. `audit verify` checks each signature and that the row `event_id` still has `head`.
CREATE TABLE audit_checkpoints (
  id          bigserial PRIMARY KEY,
  event_id    bigint NOT NULL,
  head        char(64) NOT NULL,
  signed_at   text NOT NULL,
  node_code   char(6) NOT NULL,
  certificate text NOT NULL,
  signature   text NOT NULL
);
CREATE INDEX audit_checkpoints_event ON audit_checkpoints (event_id);

-- Months written to a signed archive file and dropped: the first row still in the table links to
-- the last hash of the archive before it.
CREATE TABLE audit_archives (
  month       text PRIMARY KEY,
  first_id    bigint NOT NULL,
  last_id     bigint NOT NULL,
  first_prev  char(64) NOT NULL,
  last_hash   char(64) NOT NULL,
  row_count   bigint NOT NULL,
  file        text NOT NULL,
  file_sha256 char(64) NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now()
);
)sql"},
      {6, "console: users, sessions, identity review queue, discarded dead letters",
       R"sql(
-- Dead letters a coordinator discarded (with a reason, in the 'discarded' event) stay as rows.
ALTER TABLE outbox DROP CONSTRAINT outbox_state_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_state_check
  CHECK (state IN ('pending', 'delivered', 'dead', 'discarded'));
ALTER TABLE inbox DROP CONSTRAINT inbox_local_state_check;
ALTER TABLE inbox ADD CONSTRAINT inbox_local_state_check
  CHECK (local_state IN ('pending', 'delivered', 'dead', 'discarded'));

-- Console accounts: scrypt password hash, TOTP secret (base32; NULL until enrolled, and login is
-- refused until then), the last TOTP step used (a code is never accepted twice), lock-out state.
CREATE TABLE console_users (
  name            text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9._-]{1,31}$'),
  role            text NOT NULL CHECK (role IN ('coordinator', 'admin')),
  password_hash   text NOT NULL,
  totp_secret     text,
  totp_last_step  bigint NOT NULL DEFAULT 0,
  failed_attempts integer NOT NULL DEFAULT 0,
  locked_until    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  disabled_at     timestamptz
);
-- Sessions: only the SHA-256 of the cookie is kept.
CREATE TABLE console_sessions (
  token_hash char(64) PRIMARY KEY,
  user_name  text NOT NULL REFERENCES console_users (name) ON DELETE CASCADE,
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_name);

-- Received patients the receiver could not link to a local patient with certainty: the
-- coordinators' review queue (identifiers and grades only, never names).
CREATE TABLE identity_reviews (
  id            bigserial PRIMARY KEY,
  sender        char(6) NOT NULL,
  message_id    uuid NOT NULL,
  grade         text NOT NULL CHECK (grade IN ('probable', 'possible', 'none')),
  reason        text NOT NULL,
  candidate     text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  resolved_at   timestamptz,
  resolved_by   text,
  resolution    text CHECK (resolution IN ('linked', 'new-patient', 'not-ours'))
);
CREATE INDEX identity_reviews_open ON identity_reviews (created_at) WHERE resolved_at IS NULL;
)sql"},
      {7, "kintone channels: the cursor of each polled app",
       R"sql(
-- Inbound kintone channels take an app's records in $id order; last_id is the highest $id
-- handled (committed or skipped), saved after each record. Keyed by the app's address too, so a
-- channel pointed at another app starts from its first record.
CREATE TABLE kintone_cursors (
  channel    text NOT NULL,
  base_url   text NOT NULL,
  app        bigint NOT NULL,
  last_id    numeric(19, 0),
  skipped    bigint NOT NULL DEFAULT 0,
  failures   bigint NOT NULL DEFAULT 0,
  last_error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, base_url, app)
);
)sql"},
  };
  return migrations;
}

namespace {
void ensureMigrationTable(PgConnection& conn) {
  conn.exec(R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  description text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql");
}
}  // namespace

int schemaVersion(PgConnection& conn) {
  ensureMigrationTable(conn);
  auto r = conn.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  return static_cast<int>(r.integer(0, 0));
}

int migrate(PgConnection& conn, const std::vector<Migration>& migrations) {
  int current = schemaVersion(conn);
  const int known = migrations.empty() ? 0 : migrations.back().version;
  if (current > known) {
    throw std::runtime_error("database schema version " + std::to_string(current) +
                             " is newer than this tsunagi knows (" + std::to_string(known) +
                             "); upgrade tsunagi instead of running an older binary");
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    inTransaction(conn, [&] {
      // Serialise concurrent starters (several gateway processes on one database).
      conn.exec("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
      auto done = conn.execParams("SELECT 1 FROM schema_migrations WHERE version = $1",
                                  {std::to_string(m.version)});
      if (done.rows() > 0) return;
      conn.exec(m.sql);
      conn.execParams("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                      {std::to_string(m.version), m.description});
    });
    spdlog::info("database migrated to schema version {} ({})", m.version, m.description);
    current = m.version;
  }
  return current;
}

}  // namespace tsunagi::store
