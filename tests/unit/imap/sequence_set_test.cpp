// Sequence sets against a mailbox: "*", reversed ranges, limits, formatting.
#include <gtest/gtest.h>

#include "imap/sequence_set.h"

namespace postamt::imap {
namespace {

SequenceSet set(std::vector<SeqRange> r) { return SequenceSet{std::move(r), false}; }

TEST(SequenceSet, UidRangesWithStar) {
    auto r = uid_ranges(set({{5, 0}}), 3);  // "5:*" includes the last message even above it
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].first, 3u);
    EXPECT_EQ(r[0].last, 5u);
    r = uid_ranges(set({{1, 3}, {2, 6}, {8, 8}, {7, 7}}), 100);
    ASSERT_EQ(r.size(), 1u);  // merged: 1:8
    EXPECT_EQ(r[0].last, 8u);
    EXPECT_TRUE(uid_ranges(set({{0, 0}}), 0).empty());  // "*" on an empty mailbox
    r = uid_ranges(set({{9, 2}}), 100);
    EXPECT_EQ(r[0].first, 2u);
    EXPECT_EQ(r[0].last, 9u);
}

TEST(SequenceSet, SequenceNumbers) {
    EXPECT_EQ(*sequence_numbers(set({{2, 0}}), 4), (std::vector<uint32_t>{2, 3, 4}));
    EXPECT_EQ(*sequence_numbers(set({{3, 1}, {2, 2}}), 4), (std::vector<uint32_t>{1, 2, 3}));
    EXPECT_FALSE(sequence_numbers(set({{5, 5}}), 4));  // beyond the mailbox: BAD
    EXPECT_FALSE(sequence_numbers(set({{0, 0}}), 0));  // "*" of an empty mailbox
    EXPECT_FALSE(sequence_numbers(set({{1, 0}}), 0));
    EXPECT_EQ(*sequence_numbers(set({{0, 0}}), 7), (std::vector<uint32_t>{7}));
}

TEST(SequenceSet, Formatting) {
    EXPECT_EQ(format_set({}), "");
    EXPECT_EQ(format_set({1, 2, 3, 5, 7, 8}), "1:3,5,7:8");
    EXPECT_EQ(format_set_unsorted({9, 1, 2, 2, 3}), "1:3,9");
    // COPYUID pairs lists by position: order is kept.
    EXPECT_EQ(format_sequence({10, 11, 4}), "10:11,4");
    std::vector<store::UidRange> r{{1, 3}, {7, 9}};
    EXPECT_TRUE(contains(r, 2));
    EXPECT_TRUE(contains(r, 7));
    EXPECT_FALSE(contains(r, 5));
    EXPECT_FALSE(contains(r, 10));
    auto n = normalize_ranges({{5, 6}, {1, 2}, {3, 4}, {9, 8}});
    ASSERT_EQ(n.size(), 1u);
    EXPECT_EQ(n[0].first, 1u);
    EXPECT_EQ(n[0].last, 6u);
}

}  // namespace
}  // namespace postamt::imap
