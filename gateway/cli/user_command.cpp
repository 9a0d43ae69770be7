#include "gateway/cli/user_command.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "gateway/cli/cli.hpp"
#include "gateway/config/node_config.hpp"
#include "gateway/console/totp.hpp"
#include "gateway/console/users.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/migrations.hpp"

namespace tsunagi::cli {

namespace {

namespace fs = std::filesystem;

/// One line from standard input; without echo (and asked twice) on a terminal.
std::optional<std::string> readPassword(std::ostream& err) {
  if (!isatty(STDIN_FILENO)) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  termios saved{};
  tcgetattr(STDIN_FILENO, &saved);
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  auto ask = [&](const char* prompt) -> std::optional<std::string> {
    err << prompt << std::flush;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::string line;
    const bool ok = static_cast<bool>(std::getline(std::cin, line));
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    err << '\n';
    if (!ok) return std::nullopt;
    return line;
  };
  auto first = ask("password / パスワード: ");
  auto second = ask("again / もう一度: ");
  if (!first || !second) return std::nullopt;
  if (*first != *second) {
    err << "tsunagi user: the two passwords differ\n";
    return std::nullopt;
  }
  return first;
}

/// The node's database: the configured one, the running embedded cluster (found through its
/// postmaster.pid), or the embedded cluster started for this command.
struct NodeDatabase {
  std::unique_ptr<store::EmbeddedPostgres> started;
  std::unique_ptr<store::PgConnection> conn;

  explicit NodeDatabase(const NodeOptions& o) {
    if (o.conninfo) {
      conn = std::make_unique<store::PgConnection>(*o.conninfo);
      return;
    }
    const fs::path root = o.dataDir / "postgres";
    std::ifstream pidFile(root / "data" / "postmaster.pid");
    std::vector<std::string> lines;
    for (std::string line; std::getline(pidFile, line);) lines.push_back(line);
    if (lines.size() >= 5 && !lines[0].empty() && kill(std::stoi(lines[0]), 0) == 0) {
      conn = std::make_unique<store::PgConnection>("host='" + lines[4] + "' port=" + lines[3] +
                                                   " user=" + store::EmbeddedPostgres::kSuperuser +
                                                   " dbname=tsunagi connect_timeout=10");
      return;
    }
    store::EmbeddedPostgresOptions pg;
    pg.rootDir = root;
    started = std::make_unique<store::EmbeddedPostgres>(pg);
    started->start();
    started->ensureDatabase("tsunagi");
    conn = std::make_unique<store::PgConnection>(started->conninfo("tsunagi"));
  }
  ~NodeDatabase() {
    conn.reset();
    if (started) started->stop();
  }
};

}  // namespace

int userCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const char* usageLine =
      "use `tsunagi user add --config FILE NAME --role coordinator|admin`, "
      "`tsunagi user passwd --config FILE NAME` or `tsunagi user totp --config FILE NAME`";
  if (args.empty() || (args[0] != "add" && args[0] != "passwd" && args[0] != "totp")) {
    err << "tsunagi user: " << usageLine << '\n';
    return kExitUsage;
  }
  const std::string& action = args[0];
  std::string configFile, name, roleText;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "--config" || args[i] == "--role") && i + 1 < args.size()) {
      (args[i] == "--config" ? configFile : roleText) = args[i + 1];
      ++i;
    } else if (args[i].rfind("--", 0) == 0 || !name.empty()) {
      err << "tsunagi user " << action << ": unexpected argument '" << args[i] << "' ("
          << "passwords are read from standard input, never from the command line)\n";
      return kExitUsage;
    } else {
      name = args[i];
    }
  }
  if (configFile.empty() || name.empty() || (action == "add") != !roleText.empty()) {
    err << "tsunagi user: " << usageLine << '\n';
    return kExitUsage;
  }
  std::optional<console::Role> role;
  if (action == "add") {
    role = console::parseRole(roleText);
    if (!role) {
      err << "tsunagi user add: --role must be coordinator or admin, not '" << roleText << "'\n";
      return kExitUsage;
    }
  }
  if (auto problem = console::userNameProblem(name); !problem.empty()) {
    err << "tsunagi user " << action << ": " << problem << '\n';
    return kExitUsage;
  }
  NodeOptions options;
  try {
    options = config::loadNodeConfig(configFile);
  } catch (const config::ConfigError& e) {
    err << e.what() << '\n';
    return kExitUsage;
  }
  std::optional<std::string> password;
  if (action != "totp") {
    password = readPassword(err);
    if (!password) {
      err << "tsunagi user " << action << ": no password given on standard input\n";
      return kExitUsage;
    }
  }
  NodeDatabase db(options);
  store::migrate(*db.conn);
  try {
    if (action == "add") {
      console::addUser(*db.conn, name, *role, *password, "cli");
      out << "user " << name << " added (" << roleText << "); enrol the second factor with "
          << "`tsunagi user totp --config " << configFile << " " << name
          << "` (login is refused until then)\n";
    } else if (action == "passwd") {
      console::setPassword(*db.conn, name, *password, "cli");
      out << "password of " << name << " changed; the user's sessions were ended\n";
    } else {
      const std::string secret = console::enrolTotp(*db.conn, name, "cli");
      out << "TOTP secret of " << name << " (shown once; enter it in the authenticator app):\n"
          << secret << '\n'
          << console::otpauthUri("tsunagi " + options.name, name, secret) << '\n';
    }
  } catch (const console::UserError& e) {
    err << "tsunagi user " << action << ": " << e.what() << '\n';
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace tsunagi::cli
