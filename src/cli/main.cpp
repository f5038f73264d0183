#include "cli/app.h"

int main(int argc, char** argv) { return postamt::cli::run(argc, argv); }
