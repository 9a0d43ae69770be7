#include "gateway/version.hpp"

#include <Poco/Environment.h>
#include <libpq-fe.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>
#include <spdlog/version.h>

#include <sstream>

#include "build_info.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi {

const char* projectVersion() { return TSUNAGI_VERSION; }
const char* gitRevision() { return kGitRevision; }

std::string versionReport() {
  std::ostringstream out;
  const unsigned poco = Poco::Environment::libraryVersion();
  const int pq = PQlibVersion();
  out << "tsunagi " << projectVersion() << " (git " << gitRevision() << ")\n"
      << "  Poco        " << (poco >> 24) << '.' << ((poco >> 16) & 0xff) << '.'
      << ((poco >> 8) & 0xff) << '\n'
      << "  OpenSSL     " << OpenSSL_version(OPENSSL_VERSION) << '\n'
      << "  libxml2     " << LIBXML_DOTTED_VERSION << '\n'
      << "  libpq       " << pq / 10000 << '.' << pq % 10000 << '\n'
      << "  spdlog      " << SPDLOG_VER_MAJOR << '.' << SPDLOG_VER_MINOR << '.' << SPDLOG_VER_PATCH
      << '\n'
      << "  data        " << mapping::xml::dataDirectory().string() << '\n';
  return out.str();
}

}  // namespace tsunagi
