#include "imap/message_set.h"

#include <algorithm>

#include "imap/sequence_set.h"

namespace postamt::imap {

std::optional<std::vector<uint32_t>> target_seqs(const Session& s, const SequenceSet& set,
                                                 bool uid) {
    const MailboxView& v = s.selected->view;
    std::vector<uint32_t> seqs;
    if (set.saved) {
        if (s.selected->saved_search)
            for (store::Uid u : *s.selected->saved_search)
                if (auto q = v.seq_of(u)) seqs.push_back(*q);
        std::sort(seqs.begin(), seqs.end());
        return seqs;
    }
    if (uid) return v.seqs_in(uid_ranges(set, v.max_uid()));
    return sequence_numbers(set, v.exists());
}

std::vector<store::UidRange> uid_ranges_of(const MailboxView& v,
                                           const std::vector<uint32_t>& seqs) {
    std::vector<store::UidRange> out;
    for (std::size_t i = 0; i < seqs.size(); ++i) {
        store::Uid u = v.at_seq(seqs[i]).uid;
        if (!out.empty() && i > 0 && seqs[i] == seqs[i - 1] + 1)
            out.back().last = u;
        else
            out.push_back(store::UidRange{u, u});
    }
    return out;
}

}  // namespace postamt::imap
