#pragma once

namespace postamt::cli {

// Parses the command line and runs the subcommand; returns the exit code
// (0 ok, 1 operational failure, 2 usage error, 3 configuration error).
int run(int argc, char** argv);

}  // namespace postamt::cli
