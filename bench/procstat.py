"""What the benchmarks read about a running process: CPU seconds (user + sys
of all its threads, /proc/PID/stat), memory (/proc/PID/status), open fds,
and the heap-call snapshots written by alloc_preload.so."""
import bisect
import os
import signal
import statistics
import subprocess
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
SNAP_SIGNAL = signal.SIGRTMIN + 7  # alloc_preload.c's default
KINDS = ("malloc", "calloc", "realloc", "free", "new", "delete")


class Proc:
    def __init__(self, pid):
        self.pid = pid

    def cpu_s(self):
        """CPU seconds used so far by the process's threads. From the
        nanosecond run times in /proc/PID/task/*/schedstat where the kernel
        keeps them: /proc/PID/stat counts whole clock ticks (10 ms), too
        coarse for an idle agent (0.05 % of a core is 30 ms a minute).
        schedstat only knows live threads, so a thread that ends inside a
        window takes its time with it; dialtoned has a single thread."""
        total, found = 0, False
        try:
            for tid in os.listdir(f"/proc/{self.pid}/task"):
                try:
                    with open(f"/proc/{self.pid}/task/{tid}/schedstat") as f:
                        total += int(f.read().split()[0])
                        found = True
                except FileNotFoundError:
                    pass  # the thread ended between listing and reading
        except FileNotFoundError:
            pass
        if found and total > 0:
            return total / 1e9
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def status(self):
        out = {}
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if v.strip().endswith("kB"):
                    out[k] = int(v.split()[0])
        return out

    def fds(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def mapped_objects(self):
        """Paths of the files mapped executable (the code the process runs)."""
        paths = set()
        with open(f"/proc/{self.pid}/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6 and "x" in parts[1] and parts[5].startswith("/"):
                    paths.add(parts[5])
        return sorted(paths)


    def rss_by_object(self, linked_in=None):
        """{object: {"rss": kB, "anon": kB}} from /proc/PID/smaps: where the
        resident memory is, by mapped file (code, data and the relocated
        pages of each library) or by kind ([heap], [stack], anonymous). A
        library's "anon" is its copy-on-write pages: relocations and
        writable data."""
        out = {}
        name = None
        exe_maps = []
        with open(f"/proc/{self.pid}/smaps") as f:
            for line in f:
                parts = line.split()
                if not parts:
                    continue
                if not parts[0].endswith(":"):  # a mapping's header line
                    name = parts[5] if len(parts) >= 6 else "[anonymous]"
                    if linked_in and name == linked_in.exe:
                        lo, hi = (int(x, 16) for x in parts[0].split("-"))
                        exe_maps.append((lo, hi, parts[1], int(parts[2], 16)))
                    name = os.path.basename(name) if name.startswith("/") else name
                    out.setdefault(name, {"rss": 0, "anon": 0})
                elif parts[0] == "Rss:":
                    out[name]["rss"] += int(parts[1])
                elif parts[0] == "Anonymous:":
                    out[name]["anon"] += int(parts[1])
        if linked_in and exe_maps:
            self._split_exe_code(out, exe_maps, linked_in)
        return out

    def _split_exe_code(self, out, exe_maps, linked_in):
        """Moves the executable's resident code pages that belong to a linked
        archive (LinkedIn) from the executable's entry to the archive's, by
        /proc/PID/pagemap's present bit. A page shared by two functions
        goes to the function at its start."""
        exe = os.path.basename(linked_in.exe)
        base = min(lo - off for lo, _, _, off in exe_maps)
        try:
            pm = open(f"/proc/{self.pid}/pagemap", "rb")
        except OSError:
            return
        with pm:
            for lo, hi, perms, _ in exe_maps:
                if "x" not in perms:
                    continue
                pm.seek(lo // 4096 * 8)
                entries = pm.read((hi - lo) // 4096 * 8)
                for i in range(len(entries) // 8):
                    if not entries[i * 8 + 7] & 0x80:  # bit 63: present
                        continue
                    archive = linked_in.archive(lo + i * 4096 - base)
                    if archive:
                        out.setdefault(archive, {"rss": 0, "anon": 0})["rss"] += 4
                        out[exe]["rss"] -= 4


# What each mapped object (smaps) or profiled object (perf's dso) is, so the
# two agents' memory and CPU compare by part. First match wins.
PARTS = (
    ("own code, C++ runtime (baresip: libre, modules)",
     ("dialtoned", "baresip", "libre.so", "librem.so", "/modules/")),
    ("C library (libc, libm, ld.so)", ("libc.so", "libm.so", "ld-linux", "libmvec")),
    ("C++ runtime (libstdc++, libgcc_s)", ("libstdc++", "libgcc_s")),
    ("GLib + GIO and what they load", ("libglib-", "libgobject-", "libgio-", "libgmodule-", "libmount",
                                        "libblkid", "libselinux", "libpcre2", "libffi", "libz.")),
    ("TLS and crypto libraries", ("libmbed", "libcrypto", "libssl")),
    ("Opus", ("libopus",)),
    ("ICE and SRTP (libnice, libsrtp2)", ("libnice", "libsrtp2")),
    ("ALSA", ("libasound",)),
    ("kernel", ("[kernel", "[vdso]")),
    ("heap (malloc)", ("[heap]",)),
    ("anonymous (static pools, stacks, libraries' data)", ("[anonymous]", "[stack]")),
)


def part_of(obj):
    for name, keys in PARTS:
        if any(k in obj for k in keys):
            return name
    return "other"


def by_part(per_object):
    """{part: value} summed from {object: value}."""
    out = {}
    for obj, v in per_object.items():
        out[part_of(obj)] = out.get(part_of(obj), 0) + v
    return out


def cpu_by_object(pid, seconds, workdir, linked_in=None):
    """{object: share of the process's samples, %} from perf sampling the
    process for `seconds`; None without perf. Separate from the CPU window
    (sampling costs the sampled process a little)."""
    import shutil
    if not shutil.which("perf"):
        return None
    data = os.path.join(workdir, f"perf-{pid}.data")
    r = subprocess.run(["perf", "record", "-q", "-F", "999", "-p", str(pid), "-o", data, "--", "sleep",
                        str(seconds)], capture_output=True)
    if r.returncode != 0:
        return None
    # By symbol, so the executable's samples in a linked archive's functions
    # (LinkedIn) count for that archive.
    rep = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "-q", "--sort", "dso,sym"],
                         capture_output=True, text=True).stdout
    exe = os.path.basename(linked_in.exe) if linked_in else None
    out = {}
    for line in rep.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].endswith("%"):
            obj = parts[1]
            if exe and obj == exe and len(parts) >= 4:
                obj = linked_in.owner.get(parts[3], obj)
            out[obj] = out.get(obj, 0) + float(parts[0].rstrip("%"))
    return out


def read_snapshots(path):
    """[{(kind, obj, off): [counts...]}, ...] in file order."""
    snaps, cur = [], None
    if not os.path.exists(path):
        return snaps
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if parts[0] == "snap":
                cur = {}
            elif parts[0] == "end":
                snaps.append(cur)
            elif cur is not None and len(parts) == 3 + len(KINDS):
                cur[(parts[0], parts[1], parts[2])] = [int(x) for x in parts[3:]]
    return snaps


def snapshot(pid, path, timeout=5):
    n = len(read_snapshots(path))
    os.kill(pid, SNAP_SIGNAL)
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = read_snapshots(path)
        if len(s) > n:
            return s[-1]
        time.sleep(0.05)
    return None


class LinkedIn:
    """Which code of an executable came from static archives linked into it
    (libnice.a and libsrtp2.a, unless built with DIALTONE_SYSTEM_LIBS=ON):
    their heap calls are a library's, not ours, although the caller address
    is in the executable. A caller belongs to the function whose symbol is
    the nearest at or below it; the function is the archive's when the
    archive defines that name. The archives are C, our code C++ (mangled
    names), so the names do not collide."""

    def __init__(self, exe, archives):
        owner = {}
        for ar in archives:
            out = subprocess.run(["nm", "--defined-only", ar], capture_output=True, text=True).stdout
            for line in out.splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[1] in "TtWw":
                    owner[parts[2]] = os.path.basename(ar)
        self.exe = os.path.realpath(exe)
        self.owner = owner
        self.addrs, self.names = [], []
        out = subprocess.run(["nm", "-n", "--defined-only", exe], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "TtWw":
                self.addrs.append(int(parts[0], 16))
                self.names.append(owner.get(parts[2]))

    def archive(self, offset):
        i = bisect.bisect_right(self.addrs, offset) - 1
        return self.names[i] if i >= 0 else None


def heap_diff(a, b, seconds, exe_like=(), linked_in=None):
    """Heap calls per second between snapshots a and b, split into the main
    executable (plus any object whose path contains one of `exe_like`) and
    libraries (including the static ones `linked_in`, a LinkedIn, places in
    the executable); also the busiest callers."""
    ours = libs = 0
    ours_alloc = libs_alloc = 0
    by_obj, callers = {}, []
    for key, counts in b.items():
        before = a.get(key, [0] * len(KINDS)) if a else [0] * len(KINDS)
        d = [x - y for x, y in zip(counts, before)]
        total = sum(d)
        if not total:
            continue
        allocs = d[0] + d[1] + d[2] + d[4]
        kind, obj, off = key
        name = os.path.basename(obj)
        archive = linked_in.archive(int(off, 16)) if linked_in and kind == "exe" else None
        if archive:
            kind, name = "lib", f"{archive} (in {name})"
        mine = kind == "exe" or any(s in obj for s in exe_like)
        if mine:
            ours += total
            ours_alloc += allocs
        else:
            libs += total
            libs_alloc += allocs
        by_obj[name] = by_obj.get(name, 0) + total
        callers.append((total, kind, name, off))
    callers.sort(reverse=True)
    return {
        "heap_ours_per_s": ours / seconds, "heap_libs_per_s": libs / seconds,
        "heap_ours_allocs_per_s": ours_alloc / seconds, "heap_libs_allocs_per_s": libs_alloc / seconds,
        "heap_by_object_per_s": {k: round(v / seconds, 1) for k, v in
                                 sorted(by_obj.items(), key=lambda kv: -kv[1])},
        "heap_top_callers": [{"per_s": round(t / seconds, 1), "kind": k, "object": n, "offset": o}
                             for t, k, n, o in callers[:12]],
    }


def heap_window(p, heap_file, seconds, exe_like=(), linked_in=None):
    """One steady window: CPU %, RSS samples, HWM, heap calls by caller."""
    a = snapshot(p.pid, heap_file)
    c0, t0 = p.cpu_s(), time.monotonic()
    rss = []
    end = t0 + seconds
    while time.monotonic() < end:
        time.sleep(min(1.0, max(0.0, end - time.monotonic())))
        rss.append(p.status()["VmRSS"])
    c1, t1 = p.cpu_s(), time.monotonic()
    b = snapshot(p.pid, heap_file)
    st = p.status()
    out = {"window_s": round(t1 - t0, 2), "cpu_pct": 100 * (c1 - c0) / (t1 - t0),
           "rss_steady_kb": int(statistics.median(rss)), "rss_min_kb": min(rss), "rss_max_kb": max(rss),
           "rss_peak_kb": st["VmHWM"], "rss_anon_kb": st.get("RssAnon"), "rss_file_kb": st.get("RssFile")}
    if a is not None and b is not None:
        out.update(heap_diff(a, b, t1 - t0, exe_like, linked_in))
    else:
        out["heap_error"] = "no snapshot from alloc_preload (not loaded?)"
    return out
