#include <gtest/gtest.h>

#include "mime/message_parser.h"

using namespace postamt::mime;

TEST(BaseSubject, Rfc5256Rules) {
    EXPECT_EQ(base_subject("Re: hello"), "hello");
    EXPECT_EQ(base_subject("RE: Re: re:  hello  "), "hello");
    EXPECT_EQ(base_subject("Fwd: hello (fwd)"), "hello");
    EXPECT_EQ(base_subject("Fw: hello (FWD) (fwd) "), "hello");
    EXPECT_EQ(base_subject("[list] Re: hello"), "hello");
    EXPECT_EQ(base_subject("Re [list]: [other] hello"), "hello");
    EXPECT_EQ(base_subject("[Fwd: Re: hello]"), "hello");
    EXPECT_EQ(base_subject("[Fwd: [Fwd: hello]]"), "hello");
    EXPECT_EQ(base_subject("[only a blob]"), "[only a blob]");
    EXPECT_EQ(base_subject("hello\t\tworld"), "hello world");
    EXPECT_EQ(base_subject("Re:"), "");
    EXPECT_EQ(base_subject(""), "");
    EXPECT_EQ(base_subject("Rechnung"), "Rechnung");
    EXPECT_EQ(base_subject("Réponse: x"), "Réponse: x");
}

TEST(BaseSubject, BlobRunsAndLongInputStayLinear) {
    EXPECT_EQ(base_subject("[a] [b] text"), "text");
    EXPECT_EQ(base_subject("[a][b]"), "[b]");
    std::string many;
    for (int i = 0; i < 100000; ++i) many += "[x]";
    EXPECT_EQ(base_subject(many + " end"), "end");
    EXPECT_EQ(base_subject(many), "[x]");
}
