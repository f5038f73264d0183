#pragma once
#include <fstream>
#include <sstream>
#include <string>

#include "mime/parsed_message.h"

namespace postamt::mime::test {

// A corpus message (written with LF endings) in canonical CRLF form.
inline std::string load_corpus(const std::string& name) {
    std::ifstream f(std::string(POSTAMT_SOURCE_DIR) + "/tests/unit/mime/corpus/" + name,
                    std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return canonicalize_crlf(ss.str());
}

}  // namespace postamt::mime::test
