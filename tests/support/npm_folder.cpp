#include "tests/support/npm_folder.hpp"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "gateway/common/subprocess.hpp"

namespace tsunagi::testing {

namespace fs = std::filesystem;

fs::path onPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (access(candidate.c_str(), X_OK) == 0) return fs::absolute(candidate);
  }
  return {};
}

std::vector<std::string> inheritedEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

NpmFolder NpmFolder::prepare(const fs::path& source, const std::vector<std::string>& files,
                             const std::string& label) {
  NpmFolder v;
  v.node = onPath("node");
  const fs::path npm = onPath("npm");
  if (v.node.empty() || npm.empty()) {
    v.problem = std::string(v.node.empty() ? "node" : "npm") +
                " is not on PATH: these tests need Debian's nodejs and npm packages "
                "(apt-get install nodejs npm)";
    return v;
  }
  v.dir = std::make_unique<TempDir>(label);
  v.folder = fs::path(v.dir->path()) / label;
  fs::create_directories(v.folder);
  for (const auto& file : files) fs::copy_file(source / file, v.folder / file);
  const fs::path log = fs::path(v.dir->path()) / "npm-ci.log";
  SpawnOptions ci;
  ci.argv = {"/bin/sh", "-c", "cd \"$0\" && exec \"$1\" ci --no-audit --no-fund", v.folder.string(),
             npm.string()};
  ci.env = inheritedEnvironment();
  ci.logFile = log;
  if (const int status = runProcess(ci); status != 0) {
    v.problem = "npm ci in " + v.folder.string() + " failed with status " + std::to_string(status) +
                ":\n" + tailOfFile(log);
  }
  return v;
}

}  // namespace tsunagi::testing
