#include "dataplane/reflection_ports.h"

namespace darkscope {

const std::vector<uint16_t>& default_reflection_ports() {
    static const std::vector<uint16_t> ports = {17, 19, 53, 111, 123, 137, 161, 389, 1900, 3702, 5353, 11211};
    return ports;
}

}  // namespace darkscope
