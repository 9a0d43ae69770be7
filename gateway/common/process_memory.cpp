#include "gateway/common/process_memory.hpp"

#include <malloc.h>

namespace tsunagi {

void keepFreedMemoryForReuse() {
  // Fixed values also switch off glibc's dynamic thresholds, so the behaviour does not depend on
  // the order in which earlier blocks were freed.
  mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
}

}  // namespace tsunagi
