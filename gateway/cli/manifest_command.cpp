#include "gateway/cli/manifest_command.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>
#include <ostream>

#include "gateway/cli/cli.hpp"
#include "gateway/common/atomic_file.hpp"
#include "gateway/crypto/keys.hpp"
#include "gateway/federation/manifest.hpp"
#include "mapping/files.hpp"
#include "mapping/xml/document.hpp"
#include "mapping/xml/issue.hpp"

namespace tsunagi::cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage = R"(usage: tsunagi manifest sign --key KEY MANIFEST.xml
       tsunagi manifest verify --signer CERT --ca CA [--ca CA] [--signature SIG]
                                [--node CODE] MANIFEST.xml

sign    checks MANIFEST.xml (schema and rules, not expired) and signs it with the
        coordinator's key: writes MANIFEST.xml.sig, a DER ECDSA/SHA-256 signature that
        `openssl dgst -sha256 -verify` accepts
verify  checks that CERT chains to one of the CA certificates and has OU=coordinator,
        that SIG (default MANIFEST.xml.sig) is its signature over MANIFEST.xml, and that
        the manifest is valid and not expired; with --node, also that it lists the node
        CODE (a node refuses a manifest that leaves it out)

exit codes: 0 ok, 1 a check failed, 2 bad usage or an unreadable file
)";

int usageError(std::ostream& err, const std::string& message) {
  err << "tsunagi manifest: " << message << "\n\n" << kUsage;
  return kExitUsage;
}

/// At most `limit` bytes of a file; nullopt if it cannot be read or is larger.
std::optional<std::string> readFile(const std::string& name, std::size_t limit, std::ostream& err) {
  try {
    return mapping::readWholeFile(name, limit);
  } catch (const mapping::FileReadError& e) {
    if (e.reason() == mapping::FileReadError::Reason::TooLarge) {
      err << name << ": larger than " << limit << " bytes\n";
    } else {
      err << name << ": cannot read the file: " << std::strerror(e.systemError()) << '\n';
    }
    return std::nullopt;
  }
}

void printIssues(const std::string& file, const mapping::DocumentError& error, std::ostream& out) {
  for (const mapping::Issue& issue : error.issues()) {
    out << file << ':';
    if (issue.line > 0) out << issue.line << ':';
    out << ' ';
    if (!issue.path.empty()) out << issue.path << ": ";
    out << issue.message << '\n';
  }
}

bool expired(const federation::Manifest& manifest) {
  return manifest.expiresAt <=
         std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
}

/// Written atomically (gateway/common/atomic_file), so a node reloading meanwhile never reads
/// half a file. The mode is what a plain new file gets (0666 less the umask): the signature is
/// public.
bool writeAtomically(const fs::path& file, const std::string& bytes, std::ostream& err) {
  try {
    writeFileAtomically(file, bytes, 0666);
    return true;
  } catch (const FileWriteError& e) {
    err << file.string() << ": cannot write the file: " << e.what() << '\n';
    return false;
  }
}

struct Options {
  std::string key;
  std::string signer;
  std::vector<std::string> cas;
  std::string signature;
  std::string node;
  std::vector<std::string> files;
};

/// Parses `--name VALUE` options; returns an error message or nullopt.
std::optional<std::string> parseOptions(const std::vector<std::string>& args, bool sign,
                                        Options& options) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      options.files.push_back(arg);
      continue;
    }
    if (i + 1 >= args.size()) return "option " + arg + " needs a value";
    const std::string& value = args[++i];
    if (sign && arg == "--key") {
      options.key = value;
    } else if (!sign && arg == "--signer") {
      options.signer = value;
    } else if (!sign && arg == "--ca") {
      options.cas.push_back(value);
    } else if (!sign && arg == "--signature") {
      options.signature = value;
    } else if (!sign && arg == "--node") {
      options.node = value;
    } else {
      return "unknown option " + arg + " for manifest " + args[0];
    }
  }
  if (options.files.size() != 1) {
    return "name exactly one MANIFEST.xml (got " + std::to_string(options.files.size()) + ")";
  }
  if (sign && options.key.empty()) return "manifest sign needs --key KEY";
  if (!sign && options.signer.empty()) return "manifest verify needs --signer CERT";
  if (!sign && options.cas.empty()) return "manifest verify needs at least one --ca CA";
  return std::nullopt;
}

int signCommand(const Options& options, std::ostream& out, std::ostream& err) {
  const std::string& file = options.files.front();
  const auto bytes = readFile(file, mapping::xml::ParseLimits{}.maxBytes, err);
  if (!bytes) return kExitUsage;
  std::optional<crypto::Key> key;
  try {
    key.emplace(crypto::Key::privateFromPemFile(options.key));
  } catch (const crypto::CryptoError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  }
  if (!key->isP256()) {
    err << options.key << ": not an ECDSA P-256 key (make the coordinator key with "
        << "certs/issue-coordinator.sh)\n";
    return kExitUsage;
  }
  federation::Manifest manifest;
  try {
    manifest = federation::parseManifest(*bytes);
  } catch (const mapping::DocumentError& e) {
    printIssues(file, e, out);
    out << file << ": not signed: the manifest is invalid\n";
    return kExitFailed;
  }
  if (expired(manifest)) {
    out << file << ": not signed: expires " << manifest.expires
        << " is already past, every node would refuse it\n";
    return kExitFailed;
  }
  const fs::path signatureFile = file + ".sig";
  if (!writeAtomically(signatureFile, federation::signManifest(*bytes, *key), err)) {
    return kExitUsage;
  }
  out << "signed serial " << manifest.serial << ": " << signatureFile.string() << '\n';
  return kExitOk;
}

int verifyCommand(const Options& options, std::ostream& out, std::ostream& err) {
  const std::string& file = options.files.front();
  const std::string signatureName = options.signature.empty() ? file + ".sig" : options.signature;
  const auto bytes = readFile(file, mapping::xml::ParseLimits{}.maxBytes, err);
  const auto signature = readFile(signatureName, 1024, err);
  if (!bytes || !signature) return kExitUsage;
  std::optional<crypto::Certificate> signer;
  std::vector<crypto::Certificate> cas;
  try {
    signer.emplace(crypto::Certificate::fromPemFile(options.signer));
    for (const std::string& ca : options.cas) cas.push_back(crypto::Certificate::fromPemFile(ca));
  } catch (const crypto::CryptoError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  }
  try {
    federation::verifyManifest(*bytes, *signature, *signer, cas);
  } catch (const federation::ManifestError& e) {
    out << file << ": FAILED: " << e.what() << '\n';
    return kExitFailed;
  }
  federation::Manifest manifest;
  try {
    manifest = federation::parseManifest(*bytes);
  } catch (const mapping::DocumentError& e) {
    printIssues(file, e, out);
    out << file << ": FAILED: the manifest is invalid\n";
    return kExitFailed;
  }
  if (expired(manifest)) {
    out << file << ": FAILED: serial " << manifest.serial << " expired at " << manifest.expires
        << '\n';
    return kExitFailed;
  }
  if (!options.node.empty() && manifest.node(options.node) == nullptr) {
    out << file << ": FAILED: serial " << manifest.serial << " does not list the node "
        << options.node << ": that node would refuse it\n";
    return kExitFailed;
  }
  out << "OK serial " << manifest.serial << ", expires " << manifest.expires << ", "
      << manifest.nodes.size() << (manifest.nodes.size() == 1 ? " node" : " nodes") << '\n';
  return kExitOk;
}

}  // namespace

int manifestCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return usageError(err, "name a subcommand: sign or verify");
  if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << kUsage;
    return kExitOk;
  }
  if (args[0] != "sign" && args[0] != "verify") {
    return usageError(err, "unknown subcommand '" + args[0] + "'");
  }
  const bool sign = args[0] == "sign";
  Options options;
  if (auto problem = parseOptions(args, sign, options)) return usageError(err, *problem);
  return sign ? signCommand(options, out, err) : verifyCommand(options, out, err);
}

}  // namespace tsunagi::cli
