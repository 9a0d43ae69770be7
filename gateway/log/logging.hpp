#pragma once
// spdlog is configured once, here. Human-readable lines on a terminal, JSON lines otherwise.
// The application log never carries clinical content or patient names: log identifiers only.

#include <filesystem>
#include <string>

namespace tsunagi::log {

enum class Format { Auto, Human, Json };

/// Sets the default logger (stderr). Auto picks Human when stderr is a terminal.
/// `level` is one of trace, debug, info, warn, error, critical, off.
void init(Format format = Format::Auto, const std::string& level = "info");
/// The same, to `file` (appended; mode 0600, set also on an existing file) instead of stderr: the
/// demo keeps its console for the story. Throws std::runtime_error when it cannot be opened.
void initToFile(const std::filesystem::path& file, Format format = Format::Human,
                const std::string& level = "info");

}  // namespace tsunagi::log
