#include "gateway/federation/federation_setup.hpp"

#include <Poco/Net/ServerSocket.h>

#include <ctime>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "gateway/common/subprocess.hpp"
#include "gateway/federation/manifest.hpp"
#include "mapping/model/binding.hpp"
#include "mapping/time.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::federation {

namespace fs = std::filesystem;

fs::path certsDirectory() {
  const fs::path data = mapping::xml::dataDirectory();
  if (fs::exists(data / "certs" / "make-ca.sh")) return data / "certs";
  return data.parent_path() / "certs";  // the source tree: mapping/ and certs/ side by side
}

int runCertsScript(const std::string& script, const std::vector<std::string>& args,
                   const fs::path& logFile) {
  SpawnOptions options;
  options.argv = {"/bin/bash", (certsDirectory() / script).string()};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.logFile = logFile;
  options.env = {"PATH=/usr/bin:/bin", "LANG=C.UTF-8"};
  return runProcess(options);
}

void runCertsScriptOrThrow(const std::string& script, const std::vector<std::string>& args,
                           const fs::path& logFile) {
  const int status = runCertsScript(script, args, logFile);
  if (status != 0) {
    std::string command = script;
    for (const auto& a : args) command += " " + a;
    throw std::runtime_error("certs/" + command + " exited with " + std::to_string(status) + ":\n" +
                             tailOfFile(logFile));
  }
}

std::string utcTimestamp(long long offsetSeconds) {
  return mapping::isoUtc(
      mapping::civilTime(mapping::nowUnixSeconds() + offsetSeconds, mapping::Zone::Utc));
}

std::string manifestXml(const ManifestDraft& draft) {
  auto esc = [](const std::string& text) {
    std::string out;
    mapping::binding::appendEscaped(out, text);
    return out;
  };
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<FederationManifest xmlns=\"" + std::string(kManifestNamespace) + "\">\n";
  xml += "  <serial>" + std::to_string(draft.serial) + "</serial>\n";
  xml += "  <issued>" + draft.issued + "</issued>\n";
  xml += "  <expires>" + draft.expires + "</expires>\n";
  xml += "  <issuer>" + esc(draft.issuer) + "</issuer>\n";
  for (const std::string& pem : draft.caCertificatesPem) {
    xml += "  <caCertificate>" + esc(pem) + "</caCertificate>\n";
  }
  for (const ManifestNodeDraft& n : draft.nodes) {
    xml += "  <node>\n";
    xml += "    <code>" + esc(n.code) + "</code>\n";
    xml += "    <name>" + esc(n.name) + "</name>\n";
    xml += "    <endpoint>" + esc(n.endpoint) + "</endpoint>\n";
    for (const auto& pin : n.pins) xml += "    <pin>" + esc(pin) + "</pin>\n";
    xml += "    <serves>";
    for (const auto& m : n.municipalities) xml += "<municipality>" + esc(m) + "</municipality>";
    for (const auto& i : n.insurers) xml += "<insurer>" + esc(i) + "</insurer>";
    xml += "</serves>\n";
    for (const auto& a : n.accepts) xml += "    <accepts>" + esc(a) + "</accepts>\n";
    xml += "  </node>\n";
  }
  xml += "</FederationManifest>\n";
  return xml;
}

unsigned short freeLoopbackPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  return socket.address().port();
}

}  // namespace tsunagi::federation
