#include "smtp/received_header.h"

#include <gtest/gtest.h>

#include <set>

#include "smtp/queue_id.h"
#include "smtp/session_state.h"

using namespace postamt::smtp;

TEST(SmtpReceived, ProtocolTypes) {
    EXPECT_EQ(protocol_type(false, false, false, false), "SMTP");
    EXPECT_EQ(protocol_type(true, false, false, false), "ESMTP");
    EXPECT_EQ(protocol_type(true, false, true, false), "ESMTPS");
    EXPECT_EQ(protocol_type(true, false, true, true), "ESMTPSA");
    EXPECT_EQ(protocol_type(true, true, false, false), "UTF8SMTP");
    EXPECT_EQ(protocol_type(true, true, true, false), "UTF8SMTPS");
}

TEST(SmtpReceived, Date) {
    using namespace std::chrono;
    EXPECT_EQ(rfc5322_date(system_clock::time_point(seconds(0))),
              "Thu, 01 Jan 1970 00:00:00 +0000");
    EXPECT_EQ(rfc5322_date(system_clock::time_point(seconds(1727784000))),
              "Tue, 01 Oct 2024 12:00:00 +0000");
}

TEST(SmtpReceived, IpLiteral) {
    EXPECT_EQ(ip_literal("192.0.2.1"), "[192.0.2.1]");
    EXPECT_EQ(ip_literal("2001:db8::1"), "[IPv6:2001:db8::1]");
}

TEST(SmtpQueueId, EncodingAndUniqueness) {
    EXPECT_EQ(encode_queue_id(0, 0), "000000000000000");
    EXPECT_EQ(encode_queue_id(0, 1), "000000000000001");
    EXPECT_EQ(encode_queue_id(0, 32), "000000000000010");
    std::string a = encode_queue_id(1727784000000ull, 5), b = encode_queue_id(1727784000001ull, 0);
    EXPECT_EQ(a.size(), 15u);
    EXPECT_LT(a, b);  // sortable by time
    std::set<std::string> ids;
    auto now = std::chrono::system_clock::now();
    for (int i = 0; i < 1000; ++i) ids.insert(make_queue_id(now));
    EXPECT_EQ(ids.size(), 1000u);
}

TEST(SmtpMessageId, FoundUnfoldedAndBounded) {
    EXPECT_EQ(find_message_id("Subject: x\r\nMessage-ID:  <a@b>\r\n\r\nMessage-ID: <no>\r\n"),
              "<a@b>");
    EXPECT_EQ(find_message_id("message-id:\r\n <folded@b>\r\nX: y\r\n\r\n"), "<folded@b>");
    EXPECT_EQ(find_message_id("Subject: x\r\n\r\nMessage-ID: <body@b>\r\n"), "");
    EXPECT_EQ(find_message_id("Message-ID: <" + std::string(400, 'x') + ">\r\n").size(), 250u);
}
