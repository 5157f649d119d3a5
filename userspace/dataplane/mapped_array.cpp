#include "dataplane/mapped_array.h"

#include <bpf/bpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace darkscope {

MappedArray::MappedArray(int fd, size_t value_size, bool writable) : writable_(writable) {
    bpf_map_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len))
        throw std::runtime_error(std::string("reading a mapped array's size: ") + std::strerror(errno));
    if (info.value_size != value_size)
        throw std::runtime_error("the array " + std::string(info.name) + " holds " + std::to_string(info.value_size) +
                                 "-byte values, not " + std::to_string(value_size));
    entries_ = info.max_entries;
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    bytes_ = (entries_ * value_size + page - 1) / page * page;
    void* p = mmap(nullptr, bytes_, writable ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED)
        throw std::runtime_error("mapping the array " + std::string(info.name) + ": " + std::strerror(errno));
    data_ = p;
}

MappedArray::~MappedArray() { munmap(data_, bytes_); }

}  // namespace darkscope
