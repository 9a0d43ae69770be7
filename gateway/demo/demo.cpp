#include "gateway/demo/demo.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <iomanip>
#include <ostream>

#include "gateway/cli/cli.hpp"
#include "gateway/common/signals.hpp"
#include "gateway/demo/demo_federation.hpp"
#include "gateway/demo/demo_scenario.hpp"
#include "gateway/log/logging.hpp"

namespace tsunagi::demo {

namespace {

struct DemoArgs {
  std::filesystem::path dir = "tsunagi-demo";
  bool scenarioOnly = false;
};

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
             .count() /
         1000.0;
}

void printConsoles(DemoFederation& f, std::ostream& out) {
  out << "\nコンソール / consoles (ブラウザの証明書警告は地域CAが未登録のため / the browser warns: "
         "the demo CA is not installed)\n";
  for (const City& c : cities()) {
    const ConsoleAccount& a = f.accounts().at(c.key);
    out << "  " << c.name << " " << c.code << "  " << f.consoleUrl(c.key) << "\n"
        << "    user " << a.user << "  password " << a.password << "\n"
        << "    TOTP secret " << a.totpSecret << "  (" << a.otpauthUri << ")\n";
  }
  out << "  (" << (f.directory() / "credentials.txt").string() << " に保存 / saved, mode 0600)\n"
      << std::flush;
}

}  // namespace

int runDemoCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  DemoArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--scenario-only") {
      parsed.scenarioOnly = true;
    } else if (args[i] == "--dir" && i + 1 < args.size()) {
      parsed.dir = args[++i];
    } else {
      err << "tsunagi demo: unexpected argument '" << args[i] << "'\n\n" << cli::usage();
      return cli::kExitUsage;
    }
  }
  const auto dir = std::filesystem::absolute(parsed.dir).lexically_normal();
  std::filesystem::create_directories(dir);
  // The nodes' application log goes to a file: the terminal tells the story.
  log::initToFile(dir / "demo.log");

  const auto started = std::chrono::steady_clock::now();
  out << "tsunagi デモ: 東葛 3市と境界の病院 / the demo federation of three cities and a border "
         "hospital\n"
      << "  デモディレクトリ / demo directory: " << dir.string() << "\n"
      << "  ノードのログ / node log: " << (dir / "demo.log").string() << "\n"
      << std::flush;
  DemoFederation federation(dir, out);
  bool ok = false;
  try {
    federation.preparePki();
    federation.writeManifestAndConfigs();
    federation.resetData();
    out << "  3ノードを起動中 (各市の組み込み PostgreSQL) / starting three nodes, each on its own "
           "embedded PostgreSQL ...\n"
        << std::flush;
    federation.startAll();
    for (const City& c : cities()) {
      Node& node = federation.node(c.key);
      out << "  " << c.name << " " << c.code << "  listening: " << node.healthUrl()
          << "  peers: https://127.0.0.1:" << node.peerPort()
          << "  database: " << node.databaseDescription() << "\n";
    }
    out << "  起動まで / up in " << std::fixed << std::setprecision(1) << secondsSince(started)
        << " s\n"
        << std::flush;
    ok = playScenario(federation, out);
  } catch (const std::exception& e) {
    err << "tsunagi demo: " << e.what() << "\n";
    spdlog::error("demo: {}", e.what());
    federation.stopAll();
    return cli::kExitFailed;
  }
  if (parsed.scenarioOnly) {
    federation.stopAll();
    out << (ok ? "Demo scenario: every step as expected.\n"
               : "Demo scenario FAILED: see the steps marked ✘ above and demo.log.\n")
        << "Stopped.\n";
    return ok ? cli::kExitOk : cli::kExitFailed;
  }
  printConsoles(federation, out);
  out << "\nRunning. Press Ctrl-C to stop everything.\n" << std::flush;
  const int signal = waitForSignal();
  out << "\nSignal " << signal << " received; stopping ...\n" << std::flush;
  federation.stopAll();
  out << "Stopped.\n";
  return ok ? cli::kExitOk : cli::kExitFailed;
}

}  // namespace tsunagi::demo
