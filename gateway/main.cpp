// The tsunagi executable: tune malloc, block termination signals, set up logging, hand over to the
// CLI.
#include <iostream>
#include <string>
#include <vector>

#include "gateway/cli/cli.hpp"
#include "gateway/common/process_memory.hpp"
#include "gateway/common/signals.hpp"
#include "gateway/log/logging.hpp"

int main(int argc, char** argv) {
  tsunagi::keepFreedMemoryForReuse();
  tsunagi::blockTerminationSignals();
  tsunagi::log::init();
  std::vector<std::string> args(argv + 1, argv + argc);
  return tsunagi::cli::run(args, std::cout, std::cerr);
}
