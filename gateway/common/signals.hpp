#pragma once
// Signal discipline for the whole process (see LIBRARY-NOTES: Poco threads must not take SIGTERM).

#include <chrono>
#include <csignal>

namespace tsunagi {

/// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread; call first thing in main so that every
/// thread started later inherits the mask and signals are only taken by waitForSignal().
void blockTerminationSignals();

/// Waits for SIGINT, SIGTERM or SIGHUP (blocked beforehand) and returns which one arrived.
int waitForSignal();
/// The same, giving up after `timeout`: 0 when no signal came.
int waitForSignalFor(std::chrono::milliseconds timeout);

}  // namespace tsunagi
