#include "adapters/registry.hpp"

#include <algorithm>

namespace tsunagi::adapters {

namespace {
bool validName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}
}  // namespace

void AdapterRegistry::checkNew(const std::string& name) const {
  if (!validName(name)) {
    throw AdapterConfigError("adapter name '" + name + "' is invalid (use a-z, 0-9 and _)");
  }
  if (contains(name)) throw AdapterConfigError("adapter '" + name + "' is registered twice");
}

void AdapterRegistry::add(const std::string& name, Factory factory) {
  checkNew(name);
  if (!factory) throw AdapterConfigError("adapter '" + name + "' has no factory");
  factories_.emplace(name, std::move(factory));
}

void AdapterRegistry::addProfiled(const std::string& name, ProfiledFactory factory) {
  checkNew(name);
  if (!factory) throw AdapterConfigError("adapter '" + name + "' has no factory");
  profiled_.emplace(name, std::move(factory));
}

std::unique_ptr<Adapter> AdapterRegistry::create(const std::string& spec) const {
  const auto colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  const std::string profileSpec = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (auto it = factories_.find(name); it != factories_.end()) {
    if (colon != std::string::npos) {
      throw AdapterConfigError("adapter '" + name + "' takes no profile; use '" + name +
                               "' without ':" + profileSpec + "'");
    }
    return it->second();
  }
  auto it = profiled_.find(name);
  if (it == profiled_.end()) {
    std::string known;
    for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
    throw AdapterConfigError("unknown adapter '" + name +
                             "' (known: " + (known.empty() ? "none" : known) + ")");
  }
  if (profileSpec.empty()) {
    throw AdapterConfigError("adapter '" + name + "' needs a mapping profile: '" + name +
                             ":PROFILE' with a shipped profile name (" +
                             [] {
                               std::string shipped;
                               for (const auto& n : mapping::profile::shippedProfileNames()) {
                                 shipped += (shipped.empty() ? "" : ", ") + n;
                               }
                               return shipped.empty() ? std::string("none shipped") : shipped;
                             }() +
                             ") or a path to a profile file");
  }
  std::shared_ptr<const Profile> profile;
  try {
    profile = std::make_shared<const Profile>(
        mapping::profile::loadProfile(mapping::profile::locateProfile(profileSpec)));
  } catch (const mapping::profile::ProfileError& e) {
    throw AdapterConfigError("profile '" + profileSpec + "' for adapter '" + name +
                             "' cannot be used:\n" + e.what());
  }
  if (profile->adapter != name) {
    throw AdapterConfigError("profile '" + profileSpec + "' (" + profile->file +
                             ") is for adapter '" + profile->adapter + "', not '" + name + "'");
  }
  try {
    return it->second(std::move(profile));
  } catch (const mapping::profile::ProfileError& e) {
    throw AdapterConfigError("profile '" + profileSpec + "' for adapter '" + name +
                             "' cannot be used:\n" + e.what());
  }
}

std::vector<std::string> AdapterRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [n, f] : factories_) out.push_back(n);
  for (const auto& [n, f] : profiled_) out.push_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace tsunagi::adapters
