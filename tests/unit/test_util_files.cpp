#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "temp_dir.hpp"
#include "util/files.hpp"
#include "util/io.hpp"

using namespace autodns::util;

TEST_CASE("files: the directory of a path", "[files]") {
    CHECK(directory_of("/var/lib/x.db") == "/var/lib");
    CHECK(directory_of("/x.db") == "/");
    CHECK(directory_of("x.db") == ".");
    CHECK(directory_of("a/b/") == "a/b");
}

TEST_CASE("files: UniqueFd closes what it owns", "[files]") {
    TempDir dir;
    const std::string path = dir / "f";
    int raw = -1;
    {
        UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
        REQUIRE(fd);
        raw = fd.get();
        UniqueFd moved(std::move(fd));
        CHECK_FALSE(fd);
        CHECK(moved.get() == raw);
    }
    CHECK(::fcntl(raw, F_GETFD) == -1);  // closed
    CHECK(errno == EBADF);
    UniqueFd kept(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    const int released = kept.release();
    CHECK_FALSE(kept);
    CHECK(::fcntl(released, F_GETFD) != -1);  // still open
    ::close(released);
}

TEST_CASE("files: atomic replacement writes the data and leaves no temporary file", "[files]") {
    TempDir dir;
    const std::string path = dir / "metrics.prom";
    write_text(path, "old\n");
    REQUIRE(write_file_atomically(path, "new contents\n", 0640));
    CHECK(*read_file(path) == "new contents\n");
    struct stat st {};
    CHECK(::stat((path + ".tmp").c_str(), &st) != 0);
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0640 & ~[] {
              const mode_t m = ::umask(0);
              ::umask(m);
              return m;
          }()));
    REQUIRE(write_file_atomically(dir / "fresh", ""));
    CHECK(read_file(dir / "fresh")->empty());
}

TEST_CASE("files: failures name the step and keep the old file", "[files]") {
    TempDir dir;
    const auto missing = write_file_atomically(dir / "no-such-dir/f", "x");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().step == "create");
    CHECK(missing.error().error == ENOENT);
    CHECK(missing.error().message ==
          "cannot create " + dir.path + "/no-such-dir/f.tmp: " + errno_text(ENOENT));
    // A directory in the way of the rename: the data never replaces it, the temporary goes.
    const std::string target = dir / "target";
    REQUIRE(::mkdir(target.c_str(), 0700) == 0);
    write_text(target + "/inside", "keep");
    const auto blocked = write_file_atomically(target, "x");
    REQUIRE_FALSE(blocked);
    CHECK(blocked.error().step == "rename");
    CHECK(blocked.error().message.rfind("cannot rename " + target + ".tmp to " + target + ": ",
                                        0) == 0);
    struct stat st {};
    CHECK(::stat((target + ".tmp").c_str(), &st) != 0);
    CHECK(*read_file(target + "/inside") == "keep");
}

TEST_CASE("files: syncing files and directories", "[files]") {
    TempDir dir;
    write_text(dir / "f", "x");
    CHECK(sync_path(dir / "f", false));
    CHECK(sync_path(dir.path, true));
    const auto e = sync_path(dir / "missing", false);
    REQUIRE_FALSE(e);
    CHECK(e.error().step == "open");
    CHECK(e.error().message ==
          "cannot open " + dir.path + "/missing to sync it: " + errno_text(ENOENT));
}
