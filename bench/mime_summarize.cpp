// summarize() throughput on the shared corpus: bench_mime_summarize [mbox]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "mime/mbox.h"
#include "mime/parsed_message.h"

int main(int argc, char** argv) {
    const char* path = argc > 1 ? argv[1] : "../shared/bench-corpus/test400.mbox";
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        std::fprintf(stderr, "cannot read %s\n", path);
        return 1;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    auto msgs = postamt::mime::split_mbox(ss.str());
    std::size_t bytes = 0, sink = 0;
    for (auto& m : msgs) bytes += m.size();
    const int rounds = 20;
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < rounds; ++r)
        for (auto& m : msgs) sink += postamt::mime::summarize(m).serialized.size();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("summarize: %zu messages, %.2f MB x %d rounds: %.1f MB/s, %.1f us/message (sink %zu)\n", msgs.size(),
                bytes / 1e6, rounds, bytes * rounds / secs / 1e6, secs * 1e6 / (msgs.size() * rounds), sink);
    return 0;
}
