#include "gateway/cli/run_command.hpp"

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include <ostream>

#include "gateway/cli/cli.hpp"
#include "gateway/common/signals.hpp"
#include "gateway/config/node_config.hpp"
#include "gateway/log/logging.hpp"

namespace tsunagi::cli {

int runCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() != 2 || args[0] != "--config") {
    err << "tsunagi run: use `tsunagi run --config FILE`\n\n" << usage();
    return kExitUsage;
  }
  NodeOptions options;
  try {
    options = config::loadNodeConfig(args[1]);
  } catch (const config::ConfigError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  }
  log::init(options.logFormat == "json"    ? log::Format::Json
            : options.logFormat == "human" ? log::Format::Human
                                           : log::Format::Auto,
            options.logLevel);
  Node node(options);
  try {
    node.start();
  } catch (const Poco::Exception& e) {
    err << "tsunagi run: node " << options.code << " cannot start: " << e.displayText() << '\n';
    node.stop();
    return kExitUsage;
  } catch (const std::exception& e) {
    err << "tsunagi run: node " << options.code << " cannot start: " << e.what() << '\n';
    node.stop();
    return kExitUsage;
  }
  out << "node " << options.code << " ready: local http://" << options.listenHost << ':'
      << node.port();
  if (node.exchange())
    out << ", peers https://" << options.exchange->peerHost << ':' << node.peerPort();
  if (options.console)
    out << ", console https://" << options.console->host << ':' << node.consolePort() << '/';
  out << '\n' << std::flush;
  for (;;) {
    const int signal = waitForSignalFor(std::chrono::seconds(10));
    if (signal == 0) {
      node.checkManifest();
    } else if (signal == SIGHUP) {
      spdlog::info("SIGHUP: {}", node.reload());
    } else {
      spdlog::info("signal {}: stopping", signal);
      break;
    }
  }
  node.stop();
  out << "node " << options.code << " stopped\n";
  return kExitOk;
}

}  // namespace tsunagi::cli
