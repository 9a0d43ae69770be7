#include "gateway/demo/demo.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <unistd.h>

#include <ostream>

#include "gateway/cli/cli.hpp"
#include "gateway/common/signals.hpp"
#include "gateway/node/node.hpp"

namespace tsunagi::demo {

namespace {

struct DemoArgs {
  std::filesystem::path dir = "tsunagi-demo";
  bool scenarioOnly = false;
};

/// GET /healthz over loopback: what a peer or a monitor would see.
bool nodeAnswersHealthy(const Node& node, std::string& body) {
  Poco::Net::HTTPClientSession session(node.options().listenHost, node.port());
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz");
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Poco::StreamCopier::copyToString(in, body);
  return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
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

  NodeOptions options;
  options.code = "122173";
  options.name = "柏市";
  options.dataDir = dir / "kashiwa";
  Node node(options);
  out << "Starting node " << options.code << " (" << options.name << ") in " << options.dataDir.string()
      << " ...\n"
      << std::flush;
  node.start();
  std::string body;
  const bool healthy = nodeAnswersHealthy(node, body);
  out << "  database : " << node.databaseDescription() << '\n'
      << "  listening: " << node.healthUrl() << '\n'
      << "  health   : " << body << '\n'
      << std::flush;
  if (parsed.scenarioOnly) {
    node.stop();
    out << (healthy ? "Demo scenario: node came up healthy and stopped cleanly.\n"
                    : "Demo scenario FAILED: the node did not report healthy.\n");
    return healthy ? cli::kExitOk : cli::kExitFailed;
  }
  out << "Running. Press Ctrl-C to stop everything.\n" << std::flush;
  int signal = waitForSignal();
  out << "\nSignal " << signal << " received; stopping ...\n" << std::flush;
  node.stop();
  out << "Stopped.\n";
  return healthy ? cli::kExitOk : cli::kExitFailed;
}

}  // namespace tsunagi::demo
