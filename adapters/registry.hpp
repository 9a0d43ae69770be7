#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "mapping/profile/profile.hpp"

namespace tsunagi::adapters {

/// A configuration mistake about adapters (duplicate or unknown name).
class AdapterConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Adapters by name. Filled explicitly by registerBuiltinAdapters(); refuses duplicate names.
///
/// An adapter spec is `ADAPTER` or, for the profile-driven adapters (kintone, room_csv),
/// `ADAPTER:PROFILE`. PROFILE is resolved by mapping::profile::locateProfile:
///  1. it contains '/' or ends in ".xml": a profile file at that path (relative to the working
///     directory);
///  2. otherwise the name of a shipped profile: <data directory>/profiles/PROFILE.xml, where the
///     data directory is $TSUNAGI_DATA_DIR, else the installed share/tsunagi, else the source
///     tree (mapping/xml/schema.hpp dataDirectory(), as for schemas and code tables).
/// The profile is loaded and checked every time create() is called; its `adapter` attribute must
/// name the adapter of the spec.
class AdapterRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Adapter>()>;
  using Profile = mapping::profile::Profile;
  using ProfiledFactory = std::function<std::unique_ptr<Adapter>(std::shared_ptr<const Profile>)>;

  /// An adapter that takes no profile. Throws AdapterConfigError if `name` is taken or not a
  /// valid adapter name.
  void add(const std::string& name, Factory factory);
  /// An adapter that needs a profile (`name:PROFILE`). Same checks as add().
  void addProfiled(const std::string& name, ProfiledFactory factory);

  /// Creates the adapter for `spec` (`ADAPTER` or `ADAPTER:PROFILE`). Throws AdapterConfigError
  /// for an unknown adapter (naming the known ones), a `:PROFILE` given to an adapter that takes
  /// none, a profile-driven adapter without one, a profile for another adapter, or a profile that
  /// cannot be found or has mistakes (the message then lists every one as FILE:LINE: PATH: reason).
  std::unique_ptr<Adapter> create(const std::string& spec) const;
  bool contains(const std::string& name) const {
    return factories_.count(name) > 0 || profiled_.count(name) > 0;
  }
  /// True for the adapters that need `:PROFILE`.
  bool takesProfile(const std::string& name) const { return profiled_.count(name) > 0; }
  std::vector<std::string> names() const;

 private:
  void checkNew(const std::string& name) const;
  std::map<std::string, Factory> factories_;
  std::map<std::string, ProfiledFactory> profiled_;
};

/// Registers every adapter shipped with tsunagi. Called from main and from tests.
void registerBuiltinAdapters(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
