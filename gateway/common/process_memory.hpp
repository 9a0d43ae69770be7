#pragma once
// How the process keeps freed memory (glibc malloc tuning, set once at start).

namespace tsunagi {

/// By default glibc hands freed memory at the top of the heap back to the kernel once more than
/// M_TRIM_THRESHOLD is free, and serves large blocks with a fresh mmap each time. A node decodes
/// documents of up to a few MiB one after another (a kintone records.json of 100 sheets is 430 KB;
/// its parse tree about 2 MiB), so with the defaults every decode faulted its memory in again:
/// measured 533,000 minor page faults and 0.9 s of system time in 3.5 s of kintone decoding
/// (docs/performance.md). This keeps up to 64 MiB of freed heap for reuse and serves blocks up to
/// 16 MiB from the heap. Call once, first thing in main(); the benchmarks call it too.
void keepFreedMemoryForReuse();

}  // namespace tsunagi
