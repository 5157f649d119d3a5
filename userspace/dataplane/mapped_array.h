// A BPF array map created with BPF_F_MMAPABLE, mapped into this process for as long
// as the object lives: its values read (or, mapped writable, written) as memory,
// with no syscall.
#pragma once

#include <cstddef>
#include <cstdint>

namespace darkscope {

class MappedArray {
public:
    // Maps the array of fd, whose values must be value_size bytes (throws
    // std::runtime_error otherwise, or when the map cannot be mapped).
    MappedArray(int fd, size_t value_size, bool writable = false);
    ~MappedArray();
    MappedArray(const MappedArray&) = delete;
    MappedArray& operator=(const MappedArray&) = delete;

    template <class T>
    const T* values() const { return static_cast<const T*>(data_); }
    template <class T>
    T* writable_values() { return writable_ ? static_cast<T*>(data_) : nullptr; }
    size_t size() const { return entries_; }

private:
    void* data_ = nullptr;
    bool writable_ = false;
    size_t entries_ = 0, bytes_ = 0;
};

}  // namespace darkscope
