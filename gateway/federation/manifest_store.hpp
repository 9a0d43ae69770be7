#pragma once
// The federation manifest in force on a node. Loaded at start (a node does not start without a
// valid one), reloaded when the file changes or on SIGHUP. A new manifest replaces the one in force
// only if its signature, signer and content check out, it has not expired, and its serial is
// higher, and it lists this node; otherwise the last good manifest stays and the refusal is logged
// with its reason.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "gateway/crypto/keys.hpp"
#include "gateway/federation/manifest.hpp"

namespace tsunagi::federation {

/// What a reload did.
enum class ReloadOutcome {
  Loaded,              ///< a newer manifest is now in force
  Unchanged,           ///< the files hold the manifest already in force (or did not change)
  RefusedInvalid,      ///< unreadable, bad signature or signer, invalid content, expired, or
                       ///< this node is not listed
  RefusedOlderSerial,  ///< valid, but its serial is not higher than the one in force
};

/// "Loaded", "Unchanged", "RefusedInvalid", "RefusedOlderSerial".
const char* toString(ReloadOutcome outcome);

struct ReloadResult {
  ReloadOutcome outcome = ReloadOutcome::Unchanged;
  std::string reason;    ///< why it was refused (empty otherwise); never the manifest's content
  long long serial = 0;  ///< the serial in force after the reload
};

class ManifestStore {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  /// `manifestFile` is the manifest; its signature is `manifestFile` + ".sig". `signer` is the
  /// coordinator's certificate and `trustedCas` the regional CA certificates, from the node's
  /// configuration (not from the manifest: the manifest cannot vouch for itself). `clock` is for
  /// tests; it defaults to the system clock.
  ManifestStore(std::filesystem::path manifestFile, crypto::Certificate signer,
                std::vector<crypto::Certificate> trustedCas, Clock clock = {});

  /// As above, for the node whose code is `ownCode`: a manifest that does not list it is refused
  /// like an invalid one (at start and on reload), since loading it would cut the node off the
  /// federation (every peer request refused). An empty `ownCode` checks nothing.
  ManifestStore(std::filesystem::path manifestFile, crypto::Certificate signer,
                std::vector<crypto::Certificate> trustedCas, std::string ownCode, Clock clock = {});

  /// Loads the manifest at start. Throws ManifestError (with the file and the reason) if it is
  /// unreadable, badly signed, invalid or expired: a node must not start without a valid manifest.
  void load();

  /// Reads both files again. On refusal the manifest in force stays, and a warning is logged.
  ReloadResult reload();

  /// Reloads only if the size or modification time of either file changed since the last look
  /// (cheap: two stat calls). For a timer, and for SIGHUP when the operator replaced the files.
  ReloadResult reloadIfChanged();

  /// The manifest in force; never null after load(). Safe from any thread, and the returned
  /// manifest stays valid for its holder even if a reload replaces it.
  std::shared_ptr<const Manifest> current() const;

  /// Time left until the manifest in force expires (negative once it has).
  std::chrono::seconds untilExpiry(std::chrono::system_clock::time_point now) const;

  /// True when the manifest in force expires within `threshold` (or has expired); logs a warning
  /// (an error once expired) so that the operator asks the coordinator for a new one.
  bool expiringSoon(std::chrono::system_clock::time_point now,
                    std::chrono::seconds threshold = std::chrono::hours(24 * 14)) const;

  const std::filesystem::path& manifestFile() const { return manifestFile_; }
  std::filesystem::path signatureFile() const;

 private:
  struct FileStamp {
    std::optional<std::filesystem::file_time_type> time;
    std::optional<std::uintmax_t> size;
    bool operator==(const FileStamp&) const = default;
  };
  struct Candidate {
    std::shared_ptr<const Manifest> manifest;
    std::string bytes;
  };
  using Stamps = std::pair<FileStamp, FileStamp>;

  Stamps stamps() const;
  /// Reads, verifies and parses both files; throws ManifestError with the reason.
  Candidate readCandidate() const;
  ReloadResult reloadLocked();

  std::filesystem::path manifestFile_;
  crypto::Certificate signer_;
  std::vector<crypto::Certificate> trustedCas_;
  std::string ownCode_;
  Clock clock_;

  std::mutex reloadMutex_;  // serialises load/reload; current() does not take it
  std::string currentBytes_;
  std::optional<Stamps> lastStamps_;

  mutable std::mutex currentMutex_;  // guards only the pointer swap and copy
  std::shared_ptr<const Manifest> current_;
};

}  // namespace tsunagi::federation
