// postamt check-config: parse the file, then the start-up filesystem checks.
#include <fmt/core.h>

#include "cli/commands.h"

namespace postamt::cli {

int check_config(Context& ctx) {
    const Config& cfg = ctx.config();  // parse errors: exit 3 with the key named
    auto st = validate_runtime(cfg);
    if (!st.ok()) {
        fmt::print(stderr, "postamt: configuration problems:\n{}\n", st.error().message);
        return kExitConfig;
    }
    const std::string& src = ctx.config_source();
    fmt::print("configuration OK ({})\n", src.empty() ? "built-in defaults" : src);
    return kExitOk;
}

}  // namespace postamt::cli
