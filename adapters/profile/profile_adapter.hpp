#pragma once
// What the profile-driven adapters (kintone, room_csv) share: they are built from a loaded
// profile, decode and encode, and handle the document types their profile maps.

#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/profile/profile_mapper.hpp"

namespace tsunagi::adapters::profile {

class ProfileAdapter : public Adapter {
 public:
  /// Throws mapping::profile::ProfileError when a default of the profile does not translate.
  explicit ProfileAdapter(std::shared_ptr<const Profile> profile) : mapper_(std::move(profile)) {}

  /// The types the profile maps, in profile order.
  std::vector<std::string> documentTypes() const override;
  bool canEncode() const override { return true; }
  const Profile& profile() const { return mapper_.profile(); }

 protected:
  ProfileMapper mapper_;
};

}  // namespace tsunagi::adapters::profile
