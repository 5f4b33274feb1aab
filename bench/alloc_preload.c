/* Heap-call counter for the call benchmarks, loaded with LD_PRELOAD into
 * dialtoned (or baresip). It counts malloc/calloc/realloc/free/memalign and
 * the C++ operator new/delete family by their immediate caller
 * (__builtin_return_address(0)), so a call is "ours" when the instruction
 * that called the allocator is in the main executable and "a library's"
 * when it is in a shared object (GLib, libnice, mbedTLS, libsrtp, OpenSSL,
 * libstdc++ internals ...); bench/procstat.py then moves the callers inside
 * static archives linked into the executable (libnice.a, libsrtp2.a) to
 * the libraries' side. operator new is interposed too, so `new` in our
 * code counts as ours rather than as libstdc++'s malloc.
 *
 * Real allocation goes to glibc's __libc_* entry points (no dlsym, which
 * itself allocates). Counting is lock-free into a fixed open-addressing
 * table: nothing here allocates.
 *
 * A signal (ALLOC_PRELOAD_SIGNAL, default SIGRTMIN+7, which neither
 * dialtoned nor baresip uses) writes a snapshot to the file named by
 * ALLOC_PRELOAD_OUT (appending): one "snap <n>" line, then per caller
 *   <kind> <object path> <offset in object> <malloc> <calloc> <realloc> <free> <new> <delete>
 * where kind is "exe" or "lib". The bench takes one snapshot at the start
 * and one at the end of its window and subtracts. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void* __libc_malloc(size_t);
extern void* __libc_calloc(size_t, size_t);
extern void* __libc_realloc(void*, size_t);
extern void __libc_free(void*);
extern void* __libc_memalign(size_t, size_t);

enum { K_MALLOC, K_CALLOC, K_REALLOC, K_FREE, K_NEW, K_DELETE, K_COUNT };
#define TABLE_SIZE 4096 /* callers; a full table counts into `overflow` */

struct entry {
  uintptr_t caller; /* 0 = empty */
  uint64_t n[K_COUNT];
};
static struct entry table[TABLE_SIZE];
static uint64_t overflow[K_COUNT];
static unsigned snap_no;

static void count(void* caller, int kind) {
  uintptr_t c = (uintptr_t)caller;
  size_t h = (size_t)((c >> 2) * 0x9E3779B97F4A7C15ull) & (TABLE_SIZE - 1);
  for (size_t probe = 0; probe < TABLE_SIZE; ++probe) {
    struct entry* e = &table[(h + probe) & (TABLE_SIZE - 1)];
    uintptr_t cur = __atomic_load_n(&e->caller, __ATOMIC_ACQUIRE);
    if (cur == 0) {
      uintptr_t expected = 0;
      if (__atomic_compare_exchange_n(&e->caller, &expected, c, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        cur = c;
      else
        cur = expected;
    }
    if (cur == c) {
      __atomic_fetch_add(&e->n[kind], 1, __ATOMIC_RELAXED);
      return;
    }
  }
  __atomic_fetch_add(&overflow[kind], 1, __ATOMIC_RELAXED);
}

#define CALLER __builtin_extract_return_addr(__builtin_return_address(0))

void* malloc(size_t n) {
  count(CALLER, K_MALLOC);
  return __libc_malloc(n);
}
void* calloc(size_t a, size_t b) {
  count(CALLER, K_CALLOC);
  return __libc_calloc(a, b);
}
void* realloc(void* p, size_t n) {
  count(CALLER, K_REALLOC);
  return __libc_realloc(p, n);
}
void free(void* p) {
  if (!p) return; /* free(NULL) is not a heap call */
  count(CALLER, K_FREE);
  __libc_free(p);
}
int posix_memalign(void** out, size_t align, size_t n) {
  count(CALLER, K_MALLOC);
  void* p = __libc_memalign(align, n);
  if (!p) return 12; /* ENOMEM */
  *out = p;
  return 0;
}
void* memalign(size_t align, size_t n) {
  count(CALLER, K_MALLOC);
  return __libc_memalign(align, n);
}
void* aligned_alloc(size_t align, size_t n) {
  count(CALLER, K_MALLOC);
  return __libc_memalign(align, n);
}

/* C++: new/delete (plain, array, nothrow, sized, aligned). */
static void* new_impl(size_t n) {
  void* p = __libc_malloc(n ? n : 1);
  if (!p) abort();
  return p;
}
void* _Znwm(size_t n) { count(CALLER, K_NEW); return new_impl(n); }
void* _Znam(size_t n) { count(CALLER, K_NEW); return new_impl(n); }
void* _ZnwmRKSt9nothrow_t(size_t n, const void* t) { (void)t; count(CALLER, K_NEW); return __libc_malloc(n ? n : 1); }
void* _ZnamRKSt9nothrow_t(size_t n, const void* t) { (void)t; count(CALLER, K_NEW); return __libc_malloc(n ? n : 1); }
void* _ZnwmSt11align_val_t(size_t n, size_t a) { count(CALLER, K_NEW); return __libc_memalign(a, n ? n : 1); }
void* _ZnamSt11align_val_t(size_t n, size_t a) { count(CALLER, K_NEW); return __libc_memalign(a, n ? n : 1); }
static void del(void* p, void* caller) {
  if (!p) return;
  count(caller, K_DELETE);
  __libc_free(p);
}
void _ZdlPv(void* p) { del(p, CALLER); }
void _ZdaPv(void* p) { del(p, CALLER); }
void _ZdlPvm(void* p, size_t n) { (void)n; del(p, CALLER); }
void _ZdaPvm(void* p, size_t n) { (void)n; del(p, CALLER); }
void _ZdlPvSt11align_val_t(void* p, size_t a) { (void)a; del(p, CALLER); }
void _ZdaPvSt11align_val_t(void* p, size_t a) { (void)a; del(p, CALLER); }
void _ZdlPvmSt11align_val_t(void* p, size_t n, size_t a) { (void)n; (void)a; del(p, CALLER); }
void _ZdaPvmSt11align_val_t(void* p, size_t n, size_t a) { (void)n; (void)a; del(p, CALLER); }

/* ---- snapshots (signal handler: write(2) and dladdr only) ---------------- */
static char out_path[512];
static char exe_path[512] = "(main)";
static uintptr_t exe_bias;
static struct { uintptr_t lo, hi; } exe_ranges[8];
static int exe_nranges;

/* The main program's PT_LOAD ranges, found once at start-up. */
static int find_exe(struct dl_phdr_info* info, size_t size, void* data) {
  (void)size;
  (void)data;
  exe_bias = info->dlpi_addr;
  for (int i = 0; i < info->dlpi_phnum && exe_nranges < 8; ++i) {
    if (info->dlpi_phdr[i].p_type != PT_LOAD) continue;
    exe_ranges[exe_nranges].lo = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
    exe_ranges[exe_nranges].hi = exe_ranges[exe_nranges].lo + info->dlpi_phdr[i].p_memsz;
    ++exe_nranges;
  }
  return 1; /* the first object is the main program */
}
static int in_exe(uintptr_t a) {
  for (int i = 0; i < exe_nranges; ++i)
    if (a >= exe_ranges[i].lo && a < exe_ranges[i].hi) return 1;
  return 0;
}

static size_t put_str(char* b, size_t at, const char* s) {
  while (*s && at < 1000) b[at++] = *s++;
  return at;
}
static size_t put_u64(char* b, size_t at, uint64_t v, int base) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v % (unsigned)base];
    v /= (unsigned)base;
  } while (v);
  while (n && at < 1000) b[at++] = tmp[--n];
  return at;
}

static void snapshot(int sig) {
  (void)sig;
  int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char line[1024];
  size_t at = put_str(line, 0, "snap ");
  at = put_u64(line, at, snap_no++, 10);
  line[at++] = '\n';
  (void)!write(fd, line, at);
  for (size_t i = 0; i < TABLE_SIZE; ++i) {
    uintptr_t c = __atomic_load_n(&table[i].caller, __ATOMIC_ACQUIRE);
    if (!c) continue;
    Dl_info info;
    const char* obj = "?";
    uintptr_t base = 0;
    const int exe = in_exe(c);
    if (exe) {
      obj = exe_path;
      base = exe_bias;  /* offset = link-time address, for addr2line */
    } else if (dladdr((void*)c, &info) && info.dli_fname) {
      obj = info.dli_fname;
      base = (uintptr_t)info.dli_fbase;
    }
    at = put_str(line, 0, exe ? "exe " : "lib ");
    at = put_str(line, at, obj[0] ? obj : "(main)");
    at = put_str(line, at, " 0x");
    at = put_u64(line, at, c - base, 16);
    for (int k = 0; k < K_COUNT; ++k) {
      line[at++] = ' ';
      at = put_u64(line, at, __atomic_load_n(&table[i].n[k], __ATOMIC_RELAXED), 10);
    }
    line[at++] = '\n';
    (void)!write(fd, line, at);
  }
  at = put_str(line, 0, "lib (overflow) 0x0");
  for (int k = 0; k < K_COUNT; ++k) {
    line[at++] = ' ';
    at = put_u64(line, at, overflow[k], 10);
  }
  line[at++] = '\n';
  at = put_str(line, at, "end\n");
  (void)!write(fd, line, at);
  close(fd);
}

__attribute__((constructor)) static void alloc_preload_init(void) {
  const char* p = getenv("ALLOC_PRELOAD_OUT");
  if (!p || !*p) return;
  strncpy(out_path, p, sizeof out_path - 1);
  ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
  if (n > 0) exe_path[n] = 0;
  dl_iterate_phdr(find_exe, NULL);
  const char* s = getenv("ALLOC_PRELOAD_SIGNAL");
  int sig = s && *s ? atoi(s) : SIGRTMIN + 7;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = snapshot;
  sa.sa_flags = SA_RESTART;
  sigaction(sig, &sa, NULL);
  /* Children (baresip does not fork; dialtoned neither) must not inherit us. */
  unsetenv("LD_PRELOAD");
}
