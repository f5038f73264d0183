#pragma once
// Message bodies in append-only segment files under <data_dir>/blobs/.
// Many messages share a segment so a batch costs one fdatasync; a message
// larger than own_file_threshold gets a segment of its own. Segments are
// created with O_EXCL, so a CLI process writing next to a running server
// never appends to the server's file.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace postamt::store {

struct BlobLocation {
    int64_t segment = 0;
    int64_t offset = 0;
    int64_t length = 0;
};

class BlobFiles {
public:
    BlobFiles(std::string dir, int64_t segment_max, int64_t own_file_threshold, int64_t min_free);
    ~BlobFiles();
    Status open();

    // Writer thread only. Data is written but not yet durable until sync().
    Result<BlobLocation> append(std::string_view data);
    // fdatasync every file written since the last sync, and the directory when
    // a file was created there (the new name must survive a crash too).
    Status sync();

    // Any thread.
    Result<std::string> read(const BlobLocation& loc, int64_t offset, int64_t length) const;
    Status remove_segment(int64_t segment);
    std::vector<int64_t> list_segments() const;
    int64_t active_segment() const;
    std::string path_of(int64_t segment) const;
    const std::string& dir() const { return dir_; }

private:
    Result<int> create_segment(int64_t* id_out);

    std::string dir_;
    int64_t segment_max_;
    int64_t own_threshold_;
    int64_t min_free_;
    mutable std::mutex mu_;  // guards active_id_ for readers asking
    int active_fd_ = -1;
    int64_t active_id_ = 0;
    int64_t active_size_ = 0;
    int64_t next_id_ = 1;
    std::vector<int> dirty_fds_;       // fds needing fdatasync (own files closed after)
    std::vector<int> close_after_sync_;
    bool dir_dirty_ = false;
};

}  // namespace postamt::store
