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
      {3, "console: users, sessions, identity review queue, discarded dead letters",
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
