#include "common/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/server_metrics.h"

namespace postamt::metrics {
namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
}

TEST(Metrics, CounterAndGaugeRenderWithHelpAndType) {
    Registry r;
    Counter& c = r.counter("app_requests_total", "Requests served", {{"method", "GET"}});
    c.inc();
    c.inc(4);
    Gauge& g = r.gauge("app_in_flight", "Requests in flight");
    g.inc(3);
    g.dec();
    std::string text = r.render();
    EXPECT_EQ(text,
              "# HELP app_requests_total Requests served\n"
              "# TYPE app_requests_total counter\n"
              "app_requests_total{method=\"GET\"} 5\n"
              "# HELP app_in_flight Requests in flight\n"
              "# TYPE app_in_flight gauge\n"
              "app_in_flight 2\n");
    EXPECT_EQ(text.back(), '\n');  // the format wants a final line feed
}

TEST(Metrics, SameNameAndLabelsIsTheSameSeries) {
    Registry r;
    Counter& a = r.counter("x_total", "x", {{"k", "v"}});
    Counter& b = r.counter("x_total", "x", {{"k", "v"}});
    Counter& c = r.counter("x_total", "x", {{"k", "w"}});
    EXPECT_EQ(&a, &b);
    EXPECT_NE(&a, &c);
    a.inc();
    c.inc(2);
    // One HELP/TYPE for the family, both series under it.
    EXPECT_EQ(r.render(),
              "# HELP x_total x\n# TYPE x_total counter\nx_total{k=\"v\"} 1\nx_total{k=\"w\"} 2\n");
}

TEST(Metrics, LabelValuesAreEscaped) {
    Registry r;
    r.counter("esc_total", "h", {{"path", "C:\\dir\\\"quoted\"\nnext"}}).inc();
    auto l = lines(r.render());
    ASSERT_EQ(l.size(), 3u);
    EXPECT_EQ(l[2], R"(esc_total{path="C:\\dir\\\"quoted\"\nnext"} 1)");
    EXPECT_EQ(escape_label_value("plain é"), "plain é");  // UTF-8 passes through
}

TEST(Metrics, HelpIsEscapedButQuotesStay) {
    Registry r;
    r.gauge("g", "line one\nback\\slash \"quoted\"");
    EXPECT_EQ(lines(r.render())[0], R"(# HELP g line one\nback\\slash "quoted")");
}

TEST(Metrics, HistogramBucketsAreCumulativeWithInfSumAndCount) {
    Registry r;
    // Binary fractions, so the sum is exact.
    Histogram& h = r.histogram("lat_seconds", "Latency", {0.125, 0.5, 1}, {{"op", "commit"}});
    h.observe(0.0625);
    h.observe(0.125);  // equal to a bound: counted in that bucket ("le")
    h.observe(0.25);
    h.observe(2);
    h.observe(8);
    EXPECT_EQ(r.render(),
              "# HELP lat_seconds Latency\n"
              "# TYPE lat_seconds histogram\n"
              "lat_seconds_bucket{op=\"commit\",le=\"0.125\"} 2\n"
              "lat_seconds_bucket{op=\"commit\",le=\"0.5\"} 3\n"
              "lat_seconds_bucket{op=\"commit\",le=\"1\"} 3\n"
              "lat_seconds_bucket{op=\"commit\",le=\"+Inf\"} 5\n"
              "lat_seconds_sum{op=\"commit\"} 10.4375\n"
              "lat_seconds_count{op=\"commit\"} 5\n");
}

TEST(Metrics, HistogramWithoutLabelsAndNoObservations) {
    Registry r;
    r.histogram("empty_seconds", "e", {0.001, 0.0025});
    auto l = lines(r.render());
    ASSERT_EQ(l.size(), 7u);
    EXPECT_EQ(l[2], "empty_seconds_bucket{le=\"0.001\"} 0");
    EXPECT_EQ(l[3], "empty_seconds_bucket{le=\"0.0025\"} 0");
    EXPECT_EQ(l[4], "empty_seconds_bucket{le=\"+Inf\"} 0");
    EXPECT_EQ(l[5], "empty_seconds_sum 0");
    EXPECT_EQ(l[6], "empty_seconds_count 0");
}

TEST(Metrics, HistogramRejectsBadBounds) {
    EXPECT_THROW(Histogram({1, 1}), std::invalid_argument);
    EXPECT_THROW(Histogram({2, 1}), std::invalid_argument);
    EXPECT_THROW(Histogram({1, std::numeric_limits<double>::infinity()}), std::invalid_argument);
    EXPECT_THROW(Histogram({std::nan("")}), std::invalid_argument);
    Registry r;
    EXPECT_THROW(r.histogram("h", "h", {1}, {{"le", "x"}}), std::invalid_argument);
}

TEST(Metrics, InvalidNamesAndTypeClashesAreRejected) {
    Registry r;
    EXPECT_THROW(r.counter("1abc", "h"), std::invalid_argument);
    EXPECT_THROW(r.counter("a-b", "h"), std::invalid_argument);
    EXPECT_THROW(r.counter("", "h"), std::invalid_argument);
    EXPECT_THROW(r.counter("ok_total", "h", {{"__reserved", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.counter("ok_total", "h", {{"a:b", "v"}}), std::invalid_argument);
    EXPECT_THROW(r.counter("ok_total", "h", {{"a", "1"}, {"a", "2"}}), std::invalid_argument);
    r.counter("ns:ok_total", "h");  // colons are allowed in metric names
    r.gauge("thing", "h");
    EXPECT_THROW(r.counter("thing", "h"), std::invalid_argument);
    EXPECT_TRUE(valid_metric_name("a_b:c9"));
    EXPECT_FALSE(valid_label_name("9a"));
}

TEST(Metrics, FormatValue) {
    EXPECT_EQ(format_value(0), "0");
    EXPECT_EQ(format_value(42), "42");
    EXPECT_EQ(format_value(-3), "-3");
    EXPECT_EQ(format_value(0.0025), "0.0025");
    EXPECT_EQ(format_value(1e-05), "1e-05");
    EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(format_value(std::nan("")), "NaN");
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
    Registry r;
    Counter& c = r.counter("c_total", "c");
    Histogram& h = r.histogram("h_seconds", "h", {0.5});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) {
                c.inc();
                h.observe(i % 2 ? 1.0 : 0.25);
            }
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.value(), 40000u);
    auto s = h.snapshot();
    EXPECT_EQ(s.count, 40000u);
    EXPECT_EQ(s.cumulative[0], 20000u);
    EXPECT_DOUBLE_EQ(s.sum, 20000 * 1.0 + 20000 * 0.25);
}

TEST(ServerMetrics, EverySeriesExistsBeforeTheFirstEvent) {
    const auto& m = server_metrics();
    std::string text = registry().render();
    for (const char* want : {"postamt_connections_opened_total{protocol=\"imap\"} ",
                             "postamt_connections_active{protocol=\"submission\"} ",
                             "postamt_logins_total{protocol=\"pop3\",result=\"failed\"} ",
                             "postamt_messages_received_total{protocol=\"smtp\"} ",
                             "postamt_recipients_delivered_total{destination=\"remote\"} ",
                             "postamt_recipients_bounced_total ", "postamt_queue_oldest_age_seconds ",
                             "postamt_store_commit_seconds_bucket{le=\"+Inf\"} "})
        EXPECT_NE(text.find(want), std::string::npos) << want;
    EXPECT_GT(m.start_time->value(), 1600000000);
}

TEST(ServerMetrics, HelpersMoveTheRightSeries) {
    const auto& m = server_metrics();
    auto imap_opened = m.connections_opened[2]->value();
    {
        ConnectionScope scope(Protocol::imap);
        EXPECT_EQ(m.connections_opened[2]->value(), imap_opened + 1);
        EXPECT_EQ(m.connections_active[2]->value(), 1);
    }
    EXPECT_EQ(m.connections_active[2]->value(), 0);

    auto sub_ok = m.logins_ok[2]->value();
    auto imap_failed = m.logins_failed[0]->value();
    auto other_failed = m.logins_failed[4]->value();
    login("smtp", true);  // SMTP AUTH happens on submission listeners
    login("imap", false);
    login("gopher", false);
    EXPECT_EQ(m.logins_ok[2]->value(), sub_ok + 1);
    EXPECT_EQ(m.logins_failed[0]->value(), imap_failed + 1);
    EXPECT_EQ(m.logins_failed[4]->value(), other_failed + 1);

    auto sub = m.received_submission->value();
    auto local = m.delivered_local->value();
    message_received(Protocol::submission, 2);
    EXPECT_EQ(m.received_submission->value(), sub + 1);
    EXPECT_EQ(m.delivered_local->value(), local + 2);

    auto bounced = m.bounced->value();
    delivery(Outcome::bounced, 3);
    EXPECT_EQ(m.bounced->value(), bounced + 3);

    auto commits = m.store_commit->snapshot().count;
    store_commit(std::chrono::milliseconds(3));
    auto snap = m.store_commit->snapshot();
    EXPECT_EQ(snap.count, commits + 1);
    EXPECT_GE(snap.sum, 0.003);
}

}  // namespace
}  // namespace postamt::metrics
