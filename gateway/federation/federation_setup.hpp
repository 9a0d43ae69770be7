#pragma once
// Setting up a federation: running the certs/ scripts (the one way keys and certificates are
// made) and writing a manifest from a plain description. Used by `tsunagi demo` and by the tests;
// a real region's coordinator runs the scripts by hand (certs/README.md).

#include <filesystem>
#include <string>
#include <vector>

namespace tsunagi::federation {

/// Where the certs/ scripts are: <data>/certs for an installed package, else the source tree's.
std::filesystem::path certsDirectory();

/// Runs certs/SCRIPT with ARGS (bash, PATH=/usr/bin:/bin), its output appended to `logFile`.
/// Returns the exit status.
int runCertsScript(const std::string& script, const std::vector<std::string>& args,
                   const std::filesystem::path& logFile);
/// The same, throwing std::runtime_error with the command and the end of its output on failure.
void runCertsScriptOrThrow(const std::string& script, const std::vector<std::string>& args,
                           const std::filesystem::path& logFile);

/// One node of a manifest to write.
struct ManifestNodeDraft {
  std::string code;
  std::string name;
  std::string endpoint;
  std::vector<std::string> pins;
  std::vector<std::string> municipalities;
  std::vector<std::string> insurers;
  std::vector<std::string> accepts = {"LiaisonSheet", "CaseUpdate", "CaseMembership"};
};

struct ManifestDraft {
  long long serial = 1;
  std::string issued;   ///< YYYY-MM-DDThh:mm:ssZ
  std::string expires;  ///< YYYY-MM-DDThh:mm:ssZ
  std::string issuer;
  std::vector<std::string> caCertificatesPem;
  std::vector<ManifestNodeDraft> nodes;
};

/// The manifest XML (mapping/schema/manifest-1.xsd), unsigned; text is XML-escaped.
std::string manifestXml(const ManifestDraft& draft);

/// UTC now + `offsetSeconds` as YYYY-MM-DDThh:mm:ssZ.
std::string utcTimestamp(long long offsetSeconds);

/// A loopback port free right now (bound to port 0 and released), for a configuration or a
/// manifest that must name its ports before the node starts.
unsigned short freeLoopbackPort();


}  // namespace tsunagi::federation
