// Prefetches the compiler keeps. GCC counts __builtin_prefetch as free of side
// effects, so its interprocedural analysis finds a function or lambda that only
// prefetches without effect and deletes every call to it: the accumulator's and
// replay's look-ahead prefetches of their tables were never issued (issue #20:
// objdump found 2 of the accumulator's 10 prefetch instructions). An empty volatile
// asm is an effect it must keep, and constrains nothing else. It cannot reach into
// abseil's prefetch(): the files that call that are built with -fno-ipa-modref
// (userspace/CMakeLists.txt).
#pragma once

namespace darkscope {

// Call in any function whose only work is prefetching.
inline void keep_prefetches() { asm volatile(""); }

}  // namespace darkscope
