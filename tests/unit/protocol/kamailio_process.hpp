// Kamailio for the network tests: `kamailio -DD -E` with a test's own
// configuration, in a fresh directory (its runtime files and log), in its own
// process group, stopped with the group when the object goes. Listens only
// where the caller says (127.0.0.1, inside run_net_test.sh's namespace).
#pragma once
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace nettest {

class KamailioProcess {
 public:
  // Makes the directory; start() runs the server. Between the two, a test
  // may write files Kamailio reads (its TLS configuration) into dir().
  KamailioProcess() {
    char tmpl[] = "/tmp/dialtone-kamailio-XXXXXX";
    if (const char* d = mkdtemp(tmpl)) dir_ = d;
  }
  ~KamailioProcess() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
    if (dir_.empty()) return;
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir_.c_str());
  }
  KamailioProcess(const KamailioProcess&) = delete;
  KamailioProcess& operator=(const KamailioProcess&) = delete;

  // `listen`: Kamailio's -l values ("udp:127.0.0.1:5060"); `defines`: -A
  // values for the configuration's #!ifdef blocks; `shm_mb`, `pkg_mb`: its
  // shared and per-process memory (-m, -M).
  bool start(const std::string& cfg, const std::vector<std::string>& listen,
             const std::vector<std::string>& defines = {}, int shm_mb = 16, int pkg_mb = 4) {
    if (dir_.empty()) return false;
    std::vector<std::string> argv = {"kamailio", "-DD", "-E", "-f", cfg, "-Y", dir_,
                                     "-m", std::to_string(shm_mb), "-M", std::to_string(pkg_mb)};
    for (const auto& l : listen) argv.insert(argv.end(), {"-l", l});
    for (const auto& d : defines) argv.insert(argv.end(), {"-A", d});
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      setpgid(0, 0);
      std::string log = dir_ + "/kamailio.log";
      if (!std::freopen(log.c_str(), "w", stderr)) _exit(126);
      std::vector<char*> a;
      for (auto& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      execvp(a[0], a.data());
      _exit(127);
    }
    setpgid(pid_, pid_);
    return true;
  }

  const std::string& dir() const { return dir_; }

  std::string log() const {
    std::ifstream in(dir_ + "/kamailio.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
};

}  // namespace nettest
