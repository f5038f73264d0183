#include "cli/app.h"

#include <cstdio>

namespace postamt::cli {

int run(int argc, char** argv) {
    std::fprintf(stderr, "postamt: not yet wired\n");
    return 2;
}

}  // namespace postamt::cli
