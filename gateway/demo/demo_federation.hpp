#pragma once
// The demo federation: three city nodes on one machine, each with its own embedded PostgreSQL
// cluster, its local channels and its console, made from the same pieces a region uses — the
// certs/ scripts, a signed manifest, and a configuration file per node read by the same loader as
// `tsunagi run` (config::loadNodeConfig).
//
// Layout of the demo directory (nothing is written outside it):
//   pki/                 regional CA, node keys and certificates, coordinator (reused)
//   federation/          manifest.xml + manifest.xml.sig (rewritten each run: ports are probed)
//   CITY/node.xml        the node's configuration (rewritten each run)
//   CITY/data/           the node's data directory; its PostgreSQL cluster is kept, the node's
//                        database is emptied at the start of each run so the scenario starts
//                        from a known state
//   CITY/channels/       the local tools' folders (emptied each run)
//   credentials.txt      the console accounts of this run (mode 0600)
//   demo.log             the nodes' application log

#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "gateway/node/node.hpp"

namespace tsunagi::demo {

struct City {
  std::string key;      ///< folder name: kashiwa, nagareyama, matsudo
  std::string code;     ///< 全国地方公共団体コード
  std::string name;     ///< 柏市
  std::string insurer;  ///< 介護保険 保険者番号 the node serves (DOMAIN.md §4, unverified)
};

/// Kashiwa 122173, Nagareyama 122203, Matsudo 122076.
const std::vector<City>& cities();
const City& city(const std::string& key);

/// A console account made for this run.
struct ConsoleAccount {
  std::string user;
  std::string password;
  std::string totpSecret;  ///< base32
  std::string otpauthUri;
};

class DemoFederation {
 public:
  /// `progress` gets one line per setup action, in plain words.
  DemoFederation(std::filesystem::path directory, std::ostream& progress);
  ~DemoFederation();
  DemoFederation(const DemoFederation&) = delete;
  DemoFederation& operator=(const DemoFederation&) = delete;

  /// CA, node certificates and coordinator via the certs/ scripts; what exists is reused.
  /// Returns true when everything was reused.
  bool preparePki();
  /// Probes free loopback ports, writes and signs the manifest, writes each node.xml.
  void writeManifestAndConfigs();
  /// Makes each city's PostgreSQL cluster on the first run; later runs empty each node's
  /// database and channel folders (the clusters and the PKI stay).
  void resetData();
  /// Starts every node, then makes each console's demo account.
  void startAll();
  void start(const std::string& key);
  void stop(const std::string& key);
  void stopAll();

  Node& node(const std::string& key);
  bool running(const std::string& key) const;
  /// DIR/CITY/channels/SUB.
  std::filesystem::path channelDir(const std::string& key, const std::string& sub) const;
  const std::filesystem::path& directory() const { return dir_; }
  const std::map<std::string, ConsoleAccount>& accounts() const { return accounts_; }
  std::string consoleUrl(const std::string& key) const;

 private:
  std::filesystem::path pkiDir() const { return dir_ / "pki"; }
  std::filesystem::path cityDir(const std::string& key) const { return dir_ / key; }
  std::string configXml(const City& c) const;
  void makeAccount(const City& c);

  struct Ports {
    unsigned short local = 0, peer = 0, console = 0, mllp = 0;
  };
  std::filesystem::path dir_;
  std::ostream& progress_;
  std::map<std::string, Ports> ports_;
  std::map<std::string, NodeOptions> options_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::map<std::string, ConsoleAccount> accounts_;
};

}  // namespace tsunagi::demo
