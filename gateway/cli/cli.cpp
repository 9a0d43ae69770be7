#include "gateway/cli/cli.hpp"

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include <functional>
#include <map>
#include <ostream>

#include "gateway/cli/adapter_command.hpp"
#include "gateway/cli/audit_command.hpp"
#include "gateway/cli/manifest_command.hpp"
#include "gateway/cli/run_command.hpp"
#include "gateway/cli/user_command.hpp"
#include "gateway/cli/validate_command.hpp"
#include "gateway/demo/demo.hpp"
#include "gateway/version.hpp"

namespace tsunagi::cli {

std::string usage() {
  return R"(usage: tsunagi COMMAND [OPTIONS]

Federated exchange gateway for home-medical and long-term-care collaboration.

commands:
  run --config FILE
                  run one node (production): database, peer exchange, local listener.
                  SIGHUP reloads the manifest and CRL; SIGTERM/SIGINT stop it
  demo [--dir DIR] [--scenario-only]
                  the demo federation: Kashiwa, Nagareyama and Matsudo nodes, each on
                  its own embedded PostgreSQL under DIR; plays the scenario, prints the
                  exchanges and the consoles, runs until Ctrl-C (--scenario-only: exit
                  0 only if every step had its expected outcome)
  validate FILE...
                  check canonical documents (LiaisonSheet, CaseUpdate, CaseMembership)
                  against schema, code tables and business rules; - reads stdin.
                  prints "FILE: OK" or "FILE:LINE: PATH: reason" per problem
  manifest sign --key KEY MANIFEST.xml
                  check a federation manifest and sign it with the coordinator's
                  key; writes MANIFEST.xml.sig (openssl dgst -sha256 -sign format)
  manifest verify --signer CERT --ca CA [--ca CA] [--signature SIG] MANIFEST.xml
                  check the signer's chain and OU, the signature, the content and
                  the expiry; prints "OK serial N, expires ..., K nodes" or the failure
  translate --from ADAPTER[:PROFILE] --to ADAPTER[:PROFILE] [--out DIR] [--loss-note] FILE...
                  translate a local file (- reads stdin; several FILEs are one set, e.g.
                  UPHOSOKU + UP1KYO) through the canonical model: the result on stdout (or
                  written to DIR), the loss report on stderr
  adapter check ADAPTER[:PROFILE] SAMPLES_DIR
                  the conformance kit: decode every sample, schema, round trip, strict
                  encoding, CSV neutralisation, malformed inputs; a pass/fail table
  adapter list    the registered adapters
  audit verify --config FILE [--from T] [--to T]
                  walk the audit log's hash chain and signed checkpoints; prints
                  "audit chain OK: ..." or the first edited, deleted, inserted or
                  reordered row ("audit chain BROKEN at row N: KIND: reason")
  audit verify --archive FILE [--ca CA]...
                  check an archived month offline (signature and chain)
  audit archive --config FILE [--month YYYY-MM]
                  write closed months to signed files, drop their partitions, delete
                  archive files older than the retention period
  audit witnesses --config FILE
                  the newest chain head each peer's receipts gave this node
  user add --config FILE NAME --role coordinator|admin
  user passwd --config FILE NAME
  user totp --config FILE NAME
                  console accounts on the node's database: add a user, change a
                  password (both read from standard input, never the command line),
                  enrol the TOTP second factor (prints the secret once)
  version         print the version, git revision and library versions
  help            print this text (also --help, -h)

exit codes: 0 ok, 1 a check failed (e.g. an invalid document), 2 bad usage or
            unreadable input/configuration
)";
}

namespace {

using Command = std::function<int(const std::vector<std::string>&, std::ostream&, std::ostream&)>;

int versionCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (!args.empty()) {
    err << "tsunagi version: takes no arguments\n";
    return kExitUsage;
  }
  out << versionReport();
  return kExitOk;
}

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> table = {
      {"version", versionCommand},
      {"demo", demo::runDemoCommand},
      {"validate", validateCommand},
      {"manifest", manifestCommand},
      {"run", runCommand},
      {"translate", translateCommand},
      {"adapter", adapterCommand},
      {"audit", auditCommand},
      {"user", userCommand},
  };
  return table;
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << usage();
    return kExitUsage;
  }
  const std::string& name = args.front();
  if (name == "help" || name == "--help" || name == "-h") {
    out << usage();
    return kExitOk;
  }
  auto it = commands().find(name);
  if (it == commands().end()) {
    err << "tsunagi: unknown command '" << name << "'\n\n" << usage();
    return kExitUsage;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    return it->second(rest, out, err);
  } catch (const Poco::Exception& e) {
    spdlog::error("{} failed: {}", name, e.displayText());
    err << "tsunagi " << name << ": " << e.displayText() << '\n';
    return kExitFailed;
  } catch (const std::exception& e) {
    spdlog::error("{} failed: {}", name, e.what());
    err << "tsunagi " << name << ": " << e.what() << '\n';
    return kExitFailed;
  }
}

}  // namespace tsunagi::cli
