#pragma once
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <string>

#include "store/store.h"
#include "test_support.h"

namespace postamt::store::testing {

using ::postamt::testing::must;
using ::postamt::testing::temp_dir;

inline std::string sample_message(const std::string& subject, const std::string& body = "Hello.\r\n") {
    return "From: Alice <alice@example.net>\r\nTo: bob@example.org\r\nSubject: " + subject +
           "\r\nDate: Sun, 22 Nov 2026 10:00:00 +0100\r\nMessage-ID: <" + subject +
           "@example.net>\r\n\r\n" + body;
}

class StoreFixture : public ::testing::Test {
protected:
    void SetUp() override {
        dir = temp_dir("store");
        reopen();
        must(SYNC(Domain, store->add_domain("example.org", cb)));
        bob = must(SYNC(Account, store->add_account(NewAccount{"bob@example.org", {}, 0, 0}, cb)));
        inbox = *must(SYNC(std::optional<Mailbox>, store->get_mailbox(bob.id, "INBOX", cb)));
    }
    void TearDown() override {
        if (store) store->close();
        store.reset();
        std::filesystem::remove_all(dir);
    }
    void reopen() {
        if (store) store->close();
        store.reset();
        StoreOptions o;
        o.data_dir = dir;
        o.min_free_bytes = 0;
        store = must(Store::open(o));
    }
    std::vector<DeliveredCopy> deliver(const std::string& data, std::vector<DeliveryTarget> targets) {
        NewMessage m;
        m.data = data;
        m.targets = std::move(targets);
        return must(SYNC(std::vector<DeliveredCopy>, store->deliver(std::move(m), cb)));
    }
    DeliveredCopy deliver_one(const std::string& data, AccountId acct, MailboxId mb = 0, Flags f = {}) {
        auto r = deliver(data, {DeliveryTarget{acct, mb, f}});
        EXPECT_EQ(r.size(), 1u);
        return r.at(0);
    }
    Mailbox mailbox(AccountId a, const std::string& name) {
        return *must(SYNC(std::optional<Mailbox>, store->get_mailbox(a, name, cb)));
    }
    Account account(AccountId a) { return *must(SYNC(std::optional<Account>, store->get_account(a, cb))); }
    std::vector<MessageRow> rows(MailboxId mb) {
        return must(SYNC(std::vector<MessageRow>, store->fetch_rows(mb, {}, cb)));
    }
    std::string blob(const MessageRow& r) { return must(SYNC(std::string, store->read_blob(r.blob, 0, -1, cb))); }

    std::string dir;
    std::shared_ptr<Store> store;
    Account bob;
    Mailbox inbox;
};

}  // namespace postamt::store::testing
