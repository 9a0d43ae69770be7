#include "gateway/console/session.hpp"

#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "mapping/digest.hpp"

namespace tsunagi::console {

std::int64_t unixSeconds(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock().time_since_epoch()).count();
}

std::string toString(Role role) { return role == Role::Admin ? "admin" : "coordinator"; }

std::optional<Role> parseRole(std::string_view text) {
  if (text == "coordinator") return Role::Coordinator;
  if (text == "admin") return Role::Admin;
  return std::nullopt;
}

bool allows(Role role, Permission permission) {
  switch (permission) {
    case Permission::Read:
      return true;
    case Permission::Act:
      return role == Role::Coordinator;
    case Permission::Administer:
      return role == Role::Admin;
  }
  return false;
}

std::int64_t sessionExpiry(std::int64_t createdAt, std::int64_t now, const SessionPolicy& policy) {
  const auto idle = std::chrono::duration_cast<std::chrono::seconds>(policy.idle).count();
  const auto absolute = std::chrono::duration_cast<std::chrono::seconds>(policy.absolute).count();
  return std::min(now + idle, createdAt + absolute);
}

bool sessionExpired(std::int64_t expiresAt, std::int64_t now) { return now >= expiresAt; }

std::string newToken() {
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 32) != 1) {
    throw std::runtime_error("no randomness for a session token");
  }
  std::string token = mapping::base64Encode(bytes);
  std::replace(token.begin(), token.end(), '+', '-');
  std::replace(token.begin(), token.end(), '/', '_');
  token.erase(std::remove(token.begin(), token.end(), '='), token.end());
  return token;
}

std::string tokenDigest(std::string_view token) { return mapping::sha256Hex(token); }

bool tokensMatch(std::string_view expected, std::string_view given) {
  if (given.empty() || expected.empty() || given.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), given.data(), given.size()) == 0;
}

namespace {

/// Above this many accounts an address is taken to have failed on every account.
constexpr std::size_t kAccountsPerAddress = 32;

}  // namespace

LoginThrottle::LoginThrottle(LoginThrottlePolicy policy) : policy_(policy) {}
LoginThrottle::~LoginThrottle() = default;

std::string LoginThrottle::addressKey(const std::string& client) {
  const std::string host = client.substr(0, client.find('%'));  // without an IPv6 zone
  unsigned char v4[4];
  if (inet_pton(AF_INET, host.c_str(), v4) == 1) return host;
  unsigned char v6[16];
  if (inet_pton(AF_INET6, host.c_str(), v6) != 1) return client;
  static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char text[INET6_ADDRSTRLEN];
  if (std::memcmp(v6, mapped, sizeof mapped) == 0) {
    inet_ntop(AF_INET, v6 + 12, text, sizeof text);
    return text;
  }
  std::memset(v6 + 8, 0, 8);
  inet_ntop(AF_INET6, v6, text, sizeof text);
  return std::string(text) + "/64";
}

std::int64_t LoginThrottle::waitAfter(int failures) const {
  if (failures < policy_.freeFailures) return 0;
  const std::int64_t max = policy_.maxWait.count();
  std::int64_t wait = policy_.firstWait.count();
  for (int i = policy_.freeFailures; i < failures && wait < max; ++i) wait *= 2;
  return std::min(wait, max);
}

bool LoginThrottle::forgotten(const Entry& e, std::int64_t now) const {
  const auto forget = std::chrono::duration_cast<std::chrono::seconds>(policy_.forgetAfter).count();
  return now >= e.waitUntil && now - e.lastFailure >= forget;
}

void LoginThrottle::makeRoom(std::int64_t now) {
  if (entries_.size() < policy_.maxAddresses) return;
  std::erase_if(entries_, [&](const auto& kv) { return forgotten(kv.second, now); });
  while (!entries_.empty() && entries_.size() >= policy_.maxAddresses) {
    auto stalest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
      return a.second.lastFailure < b.second.lastFailure;
    });
    entries_.erase(stalest);
  }
}

LoginThrottle::Admission LoginThrottle::admit(const std::string& client, std::int64_t now) {
  const std::string key = addressKey(client);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end() && forgotten(it->second, now)) {
    entries_.erase(it);
    it = entries_.end();
  }
  if (it == entries_.end()) {
    makeRoom(now);
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& e = it->second;
  Admission a;
  if (now < e.waitUntil) {
    a.admitted = false;
    a.retryAfter = e.waitUntil - now;
    a.failures = e.failures;
    if (!e.refusalAudited) {
      e.refusalAudited = true;
      a.firstRefusal = true;
      a.unrecordedRefusals = e.unrecorded;
      e.unrecorded = 0;
    } else {
      ++e.unrecorded;
    }
    return a;
  }
  ++e.failures;
  e.lastFailure = now;
  if (const auto wait = waitAfter(e.failures); wait > 0) {
    e.waitUntil = now + wait;
    e.refusalAudited = false;
  }
  a.failures = e.failures;
  return a;
}

void LoginThrottle::takeBack(const std::string& client) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(addressKey(client));
  if (it == entries_.end() || it->second.failures == 0) return;
  Entry& e = it->second;
  --e.failures;
  // Below the free failures again: no wait. Otherwise the address waits anyway, and the wait
  // stays.
  if (e.failures < policy_.freeFailures) e.waitUntil = 0;
}

void LoginThrottle::failedOn(const std::string& client, const std::string& user) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(addressKey(client));
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.manyAccounts) return;
  e.accounts.insert(user);
  if (e.accounts.size() > kAccountsPerAddress) {
    e.manyAccounts = true;
    e.accounts.clear();
  }
}

bool LoginThrottle::hasFailedOn(const std::string& client, const std::string& user) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(addressKey(client));
  return it != entries_.end() && (it->second.manyAccounts || it->second.accounts.count(user) > 0);
}

std::size_t LoginThrottle::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace tsunagi::console
