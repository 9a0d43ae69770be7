#pragma once
// The adapter interface: what a city's or hospital's local bytes mean in canonical terms.
// Adapters are registered explicitly (registerBuiltinAdapters), never by static initialisers.
// Every translation returns a loss report: nothing is silently lost.

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/loss_report.hpp"
#include "mapping/model/canonical.hpp"

namespace tsunagi::adapters {

/// How far an adapter trusts its input (Envoy-style): every adapter in tsunagi treats local bytes
/// as untrusted, but says so explicitly so a reviewer can check it.
enum class InputTrust { Untrusted, TrustedLocal };

/// One named file: a further file of a set that is read or written together (a ケアプラン連携 set
/// is UPHOSOKU + UP1KYO + … with one timestamp).
struct LocalFile {
  std::string name;  ///< file name, without directory
  std::string bytes;
};

/// Local bytes and what is known about where they came from.
struct LocalInput {
  std::string bytes;
  std::string name;                             ///< file name, or a channel's description
  std::map<std::string, std::string> metadata;  ///< connector-specific (e.g. content type)
  /// Further files delivered together with this one, for formats where one document spans several
  /// files (careplan_csv). Empty for single-file formats; adapters that read one file ignore it.
  std::vector<LocalFile> extraFiles{};
};

struct Decoded {
  std::vector<mapping::CanonicalDocument> documents;
  LossReport losses;
};

/// How one document is to be encoded for a channel.
struct EncodeOptions {
  /// Losses the document already carries: the sender's decode, travelled with the exchange.
  LossReport upstream;
  /// Append a short Japanese note of the losses (upstream and this encoding's own,
  /// LossReport::japaneseNote) to the target tool's free-text field, where the adapter has one.
  /// Adapters without such a field ignore it and say so in docs/adapter-guide.md.
  bool appendLossNote = false;
};

struct Encoded {
  std::string bytes;
  std::string suggestedName;  ///< e.g. a file name the local tool expects
  LossReport losses;
  /// Further files of the same document (careplan_csv writes UPHOSOKU as `bytes` and UP1KYO
  /// here). A connector writes every one, with its name, and treats them as one delivery.
  std::vector<LocalFile> extraFiles{};
};

/// Input the adapter cannot translate. Each issue names the line (or 0) and the field path or
/// column, and why — what an operator reads in an `.error.txt`, a NAK or a problem document.
/// what() and Issue::describe() may quote the input; logs and audit events take
/// mapping::redacted(issues()).
class AdapterError : public std::runtime_error {
 public:
  explicit AdapterError(std::vector<mapping::Issue> issues);
  explicit AdapterError(mapping::Issue issue)
      : AdapterError(std::vector<mapping::Issue>{std::move(issue)}) {}
  AdapterError(int line, std::string path, std::string message)
      : AdapterError(mapping::Issue{line, std::move(path), std::move(message)}) {}
  const std::vector<mapping::Issue>& issues() const { return issues_; }

 private:
  std::vector<mapping::Issue> issues_;
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  /// Registry name, e.g. "liaison_xml". Lower case, digits and '_'.
  virtual std::string name() const = 0;
  /// Canonical document types it can decode to or encode from ("LiaisonSheet", "CaseUpdate", …).
  virtual std::vector<std::string> documentTypes() const = 0;
  virtual InputTrust inputTrust() const { return InputTrust::Untrusted; }

  virtual bool canDecode() const { return true; }
  virtual bool canEncode() const { return false; }
  /// True when one input may be several files (LocalInput::extraFiles: careplan_csv's sets).
  /// Callers give any other adapter one file at a time and refuse a set for it, so that no file
  /// of a set is silently left unread.
  virtual bool readsFileSets() const { return false; }
  /// Local bytes → canonical documents (each already valid: adapters call mapping::validate).
  /// Throws AdapterError for input it cannot translate.
  virtual Decoded decode(const LocalInput& input) const = 0;
  /// Canonical document → local bytes and this encoding's losses. Throws AdapterError when the
  /// document cannot be expressed.
  Encoded encode(const mapping::CanonicalDocument& document,
                 const EncodeOptions& options = {}) const {
    return encodeDocument(document, options);
  }

 protected:
  /// What encode() does; adapters that encode override it (the default refuses).
  virtual Encoded encodeDocument(const mapping::CanonicalDocument& document,
                                 const EncodeOptions& options) const;
};

}  // namespace tsunagi::adapters
