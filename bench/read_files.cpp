// read_files: the floor for an importer — open, read and close every file of a Maildir
// (cur/ and new/), nothing else. Prints files, bytes and seconds as JSON.
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: read_files MAILDIR\n");
        return 64;
    }
    const auto start = std::chrono::steady_clock::now();
    std::vector<char> buffer(1 << 20);
    unsigned long long files = 0, bytes = 0;
    for (const char* sub : {"/cur", "/new"}) {
        const std::string dir = std::string(argv[1]) + sub;
        DIR* d = opendir(dir.c_str());
        if (!d) continue;
        while (dirent* e = readdir(d)) {
            if (e->d_name[0] == '.') continue;
            const int fd = open((dir + "/" + e->d_name).c_str(), O_RDONLY);
            if (fd < 0) continue;
            ssize_t n;
            while ((n = read(fd, buffer.data(), buffer.size())) > 0) bytes += n;
            close(fd);
            ++files;
        }
        closedir(d);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"files\": %llu, \"bytes\": %llu, \"seconds\": %.4f}\n", files, bytes, seconds);
    return 0;
}
