#include "gateway/store/kintone_cursors.hpp"

namespace tsunagi::store {

KintoneCursor loadKintoneCursor(PgConnection& conn, const KintoneCursorKey& key) {
  const std::vector<PgParam> params{key.channel, key.baseUrl, key.app};
  conn.run("kintone_cursor_create",
           "INSERT INTO kintone_cursors (channel, base_url, app) VALUES ($1, $2, $3::bigint) "
           "ON CONFLICT DO NOTHING",
           params);
  auto r = conn.run("kintone_cursor_load",
                    "SELECT last_id::text, last_error FROM kintone_cursors "
                    "WHERE channel = $1 AND base_url = $2 AND app = $3::bigint",
                    params);
  return KintoneCursor{r.optional(0, 0), r.optional(0, 1)};
}

void saveKintoneCursor(PgConnection& conn, const KintoneCursorKey& key, const std::string& lastId,
                       bool skipped) {
  conn.run("kintone_cursor_save",
           "UPDATE kintone_cursors SET last_id = $4::numeric, skipped = skipped + $5::int, "
           "updated_at = now() WHERE channel = $1 AND base_url = $2 AND app = $3::bigint",
           {key.channel, key.baseUrl, key.app, lastId, skipped ? "1" : "0"});
}

bool recordKintoneFailure(PgConnection& conn, const KintoneCursorKey& key,
                          const std::string& error) {
  auto r = conn.run("kintone_cursor_fail",
                    "UPDATE kintone_cursors k SET failures = k.failures + 1, last_error = $4, "
                    "updated_at = now() FROM kintone_cursors old "
                    "WHERE k.channel = $1 AND k.base_url = $2 AND k.app = $3::bigint "
                    "AND old.channel = k.channel AND old.base_url = k.base_url "
                    "AND old.app = k.app RETURNING old.last_error",
                    {key.channel, key.baseUrl, key.app, error});
  return r.rows() == 1 && r.optional(0, 0) != error;
}

void clearKintoneFailure(PgConnection& conn, const KintoneCursorKey& key) {
  conn.run("kintone_cursor_recover",
           "UPDATE kintone_cursors SET last_error = NULL, updated_at = now() "
           "WHERE channel = $1 AND base_url = $2 AND app = $3::bigint",
           {key.channel, key.baseUrl, key.app});
}

}  // namespace tsunagi::store
