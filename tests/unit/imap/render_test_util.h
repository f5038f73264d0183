#pragma once
// Helpers for the message-data (render_*) tests: corpus messages and the
// parse -> serialize -> deserialize path the IMAP server really takes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "mime/message_parser.h"
#include "mime/parsed_message.h"

namespace postamt::imap::test {

inline std::string corpus_dir() { return std::string(POSTAMT_SOURCE_DIR) + "/tests/unit/imap/corpus/"; }

inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// A corpus message (written with LF endings) in canonical CRLF form.
inline std::string load_message(const std::string& name) {
    return mime::canonicalize_crlf(read_file(corpus_dir() + name));
}

// What the server renders from: the stored summary read back.
inline mime::ParsedMessage stored(std::string_view canonical) {
    auto pm = mime::deserialize(mime::serialize(mime::parse_message(canonical)));
    EXPECT_TRUE(pm.has_value());
    return pm ? std::move(*pm) : mime::parse_message(canonical);
}

}  // namespace postamt::imap::test
