#include "gateway/federation/manifest_store.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "mapping/files.hpp"
#include "mapping/xml/document.hpp"
#include "mapping/xml/issue.hpp"

namespace tsunagi::federation {

namespace fs = std::filesystem;

const char* toString(ReloadOutcome outcome) {
  switch (outcome) {
    case ReloadOutcome::Loaded:
      return "Loaded";
    case ReloadOutcome::Unchanged:
      return "Unchanged";
    case ReloadOutcome::RefusedInvalid:
      return "RefusedInvalid";
    case ReloadOutcome::RefusedOlderSerial:
      return "RefusedOlderSerial";
  }
  return "Unknown";
}

namespace {

// A DER ECDSA P-256 signature is at most 72 bytes; anything much larger is not a signature.
constexpr std::size_t kMaxSignatureBytes = 1024;

/// Reads at most `limit` bytes; a larger file is refused without being read whole.
std::string readBounded(const fs::path& file, std::size_t limit, const char* what) {
  try {
    return mapping::readWholeFile(file, limit);
  } catch (const mapping::FileReadError& e) {
    if (e.reason() == mapping::FileReadError::Reason::TooLarge) {
      throw ManifestError(std::string("the ") + what + " " + file.string() + " is larger than " +
                          std::to_string(limit) + " bytes");
    }
    throw ManifestError(std::string("cannot read the ") + what + " " + file.string() + ": " +
                        std::strerror(e.systemError()));
  }
}

}  // namespace

ManifestStore::ManifestStore(fs::path manifestFile, crypto::Certificate signer,
                             std::vector<crypto::Certificate> trustedCas, Clock clock)
    : ManifestStore(std::move(manifestFile), std::move(signer), std::move(trustedCas),
                    std::string(), std::move(clock)) {}

ManifestStore::ManifestStore(fs::path manifestFile, crypto::Certificate signer,
                             std::vector<crypto::Certificate> trustedCas, std::string ownCode,
                             Clock clock)
    : manifestFile_(std::move(manifestFile)),
      signer_(std::move(signer)),
      trustedCas_(std::move(trustedCas)),
      ownCode_(std::move(ownCode)),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })) {}

fs::path ManifestStore::signatureFile() const {
  fs::path sig = manifestFile_;
  sig += ".sig";
  return sig;
}

ManifestStore::Stamps ManifestStore::stamps() const {
  const auto stamp = [](const fs::path& file) {
    FileStamp s;
    std::error_code ec;
    if (auto time = fs::last_write_time(file, ec); !ec) s.time = time;
    if (auto size = fs::file_size(file, ec); !ec) s.size = size;
    return s;
  };
  return {stamp(manifestFile_), stamp(signatureFile())};
}

ManifestStore::Candidate ManifestStore::readCandidate() const {
  Candidate candidate;
  candidate.bytes = readBounded(manifestFile_, mapping::xml::ParseLimits{}.maxBytes, "manifest");
  const std::string signature = readBounded(signatureFile(), kMaxSignatureBytes, "signature");
  verifyManifest(candidate.bytes, signature, signer_, trustedCas_);
  Manifest manifest;
  try {
    manifest = parseManifest(candidate.bytes);
  } catch (const mapping::DocumentError& e) {
    throw ManifestError(std::string("invalid manifest: ") + e.what());
  }
  const std::time_t now = std::chrono::system_clock::to_time_t(clock_());
  if (manifest.expiresAt <= now) {
    throw ManifestError("manifest serial " + std::to_string(manifest.serial) + " expired at " +
                        manifest.expires + "; ask the coordinator for a new one");
  }
  // The code is this node's own, from its configuration, not from the manifest.
  if (!ownCode_.empty() && manifest.node(ownCode_) == nullptr) {
    throw ManifestError("manifest serial " + std::to_string(manifest.serial) +
                        " does not list this node (" + ownCode_ +
                        "): loading it would cut the node off the federation; ask the "
                        "coordinator for a manifest that lists it");
  }
  candidate.manifest = std::make_shared<const Manifest>(std::move(manifest));
  return candidate;
}

void ManifestStore::load() {
  std::lock_guard lock(reloadMutex_);
  const Stamps seen = stamps();
  Candidate candidate;
  try {
    candidate = readCandidate();
  } catch (const ManifestError& e) {
    throw ManifestError("federation manifest " + manifestFile_.string() + " refused: " + e.what());
  }
  lastStamps_ = seen;
  currentBytes_ = std::move(candidate.bytes);
  const Manifest& m = *candidate.manifest;
  spdlog::info("federation manifest {} loaded: serial {}, {} nodes, expires {}",
               manifestFile_.string(), m.serial, m.nodes.size(), m.expires);
  std::lock_guard swap(currentMutex_);
  current_ = std::move(candidate.manifest);
}

ReloadResult ManifestStore::reload() {
  std::lock_guard lock(reloadMutex_);
  return reloadLocked();
}

ReloadResult ManifestStore::reloadIfChanged() {
  std::lock_guard lock(reloadMutex_);
  if (lastStamps_ && stamps() == *lastStamps_) {
    const auto manifest = current();
    return {ReloadOutcome::Unchanged, "", manifest ? manifest->serial : 0};
  }
  return reloadLocked();
}

ReloadResult ManifestStore::reloadLocked() {
  // Stamped before reading: a file replaced while being read shows up as changed next time.
  lastStamps_ = stamps();
  const std::shared_ptr<const Manifest> inForce = current();
  const long long serialInForce = inForce ? inForce->serial : 0;
  Candidate candidate;
  try {
    candidate = readCandidate();
  } catch (const ManifestError& e) {
    spdlog::warn("federation manifest {}: new version refused, serial {} stays in force: {}",
                 manifestFile_.string(), serialInForce, e.what());
    return {ReloadOutcome::RefusedInvalid, e.what(), serialInForce};
  }
  if (inForce && candidate.bytes == currentBytes_) {
    return {ReloadOutcome::Unchanged, "", serialInForce};
  }
  const Manifest& m = *candidate.manifest;
  if (inForce && m.serial <= serialInForce) {
    std::string reason = "serial " + std::to_string(m.serial) + " is not higher than serial " +
                         std::to_string(serialInForce) +
                         " in force (a manifest's serial must increase with every issue)";
    spdlog::warn("federation manifest {}: new version refused, serial {} stays in force: {}",
                 manifestFile_.string(), serialInForce, reason);
    return {ReloadOutcome::RefusedOlderSerial, std::move(reason), serialInForce};
  }
  spdlog::info(
      "federation manifest {} reloaded: serial {} replaces serial {}, {} nodes, expires {}",
      manifestFile_.string(), m.serial, serialInForce, m.nodes.size(), m.expires);
  const long long serial = m.serial;
  currentBytes_ = std::move(candidate.bytes);
  {
    std::lock_guard swap(currentMutex_);
    current_ = std::move(candidate.manifest);
  }
  return {ReloadOutcome::Loaded, "", serial};
}

std::shared_ptr<const Manifest> ManifestStore::current() const {
  std::lock_guard lock(currentMutex_);
  return current_;
}

std::chrono::seconds ManifestStore::untilExpiry(std::chrono::system_clock::time_point now) const {
  const auto manifest = current();
  if (!manifest) return std::chrono::seconds(0);
  return std::chrono::seconds(manifest->expiresAt - std::chrono::system_clock::to_time_t(now));
}

bool ManifestStore::expiringSoon(std::chrono::system_clock::time_point now,
                                 std::chrono::seconds threshold) const {
  const auto manifest = current();
  if (!manifest) return false;
  const std::chrono::seconds left = untilExpiry(now);
  if (left > threshold) return false;
  if (left <= std::chrono::seconds(0)) {
    spdlog::error(
        "federation manifest serial {} expired at {}; it stays in force until a new one "
        "arrives: ask the coordinator for a new manifest",
        manifest->serial, manifest->expires);
  } else {
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(left).count();
    spdlog::warn(
        "federation manifest serial {} expires at {} (in {} days {} hours): ask the "
        "coordinator for a new manifest",
        manifest->serial, manifest->expires, hours / 24, hours % 24);
  }
  return true;
}

}  // namespace tsunagi::federation
