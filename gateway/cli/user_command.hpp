#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::cli {

/// Console accounts, on the node's database (the embedded one is started for the moment if the
/// node is not running):
///   tsunagi user add --config FILE NAME --role coordinator|admin
///   tsunagi user passwd --config FILE NAME
///   tsunagi user totp --config FILE NAME
/// Passwords are read from standard input (prompted twice without echo on a terminal), never from
/// the command line. `totp` prints the new secret and its otpauth:// URI once.
/// Exit 0 ok, 1 refused (user exists, weak password, …), 2 bad usage or configuration.
int userCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tsunagi::cli
