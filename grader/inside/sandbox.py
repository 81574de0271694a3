"""Isolation of one worker, entered in the child right after the zygote forks it (Linux only).

``enter(config, keep_fd)`` does, in order, whatever the kernel allows, and reports what it got:

1. ``setsid()``; ``PR_SET_PDEATHSIG`` (the worker dies with the zygote); every inherited fd closed but the
   worker's socket; stdout/stderr to the capped log file; stdin from /dev/null.
2. Namespaces via ``unshare(2)``: mount, pid, net, ipc, uts (as root directly; otherwise inside a new user
   namespace that maps only our own uid). The worker is PID 1 of its own pid namespace, so every process it
   starts dies with it. As root the zygote makes that namespace as it forks (:class:`PidNamespaces`: one
   fork per worker); otherwise the process that unshared stays outside the new pid namespace and forks the
   real worker: when the parent kills the outer process (or its group), the worker dies with it
   (PDEATHSIG). A fork of the zygote (~250 MB of page tables to copy, then to tear down) is a measurable
   share of a class run, hence the zygote-side variant where it is allowed.
3. Mounts (private to the worker): a fresh /proc; read-only empty tmpfs over the kit, the submissions, the
   output and staging folders and every folder on the way to the Python installation that an unprivileged
   user could not cross, with the Python installation bound back read-only; fresh writable tmpfs over /tmp,
   /var/tmp and /dev/shm. The worker's cwd is a new empty folder in its own /tmp.
4. rlimits: CPU (a backstop; the parent's wall-clock deadline comes first), AS = current + memory_mb (CUDA
   workers: DATA instead, the driver maps huge address ranges), NPROC, FSIZE (caps the log: an output flood
   fails with EFBIG), NOFILE, CORE = 0.
5. Privileges: as root, drop to an unprivileged uid/gid of the parent's choosing (distinct per worker), with no
   supplementary groups; in a user namespace, drop every capability. Then ``PR_SET_NO_NEW_PRIVS``.

The report's ``level`` is "full" (pid+net+mount namespaces, kit hidden, unprivileged), "partial", or
"minimal" (rlimits and fd hygiene only); grades.csv, feedback headers and selfcheck print it.
Worker side: standard library only.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import signal
import stat
import sys
from typing import Any

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_CAPBSET_DROP = 24

LOG_CAP = 8 * 1024 * 1024  # bytes of stdout+stderr (and of any one file the worker writes)
# Fresh, private tmpfs in the worker's own mount namespace (never the host's shared folders).
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108
WORKDIR = "/tmp/work"  # noqa: S108

_libc: Any = None


def _lib() -> Any:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_lib().unshare(ctypes.c_int(flags)), "unshare")


def setns(fd: int, nstype: int) -> None:
    _check(_lib().setns(ctypes.c_int(fd), ctypes.c_int(nstype)), "setns")


class PidNamespaces:
    """Zygote side, root only: fork each worker straight into a fresh pid namespace (it is its PID 1).

    ``unshare(CLONE_NEWPID)`` gives the *caller's next children* a new namespace; ``setns`` back to our own
    afterwards, so that the next worker gets a fresh one again (a second unshare is refused while the
    children's namespace differs from our own). The whole cycle is tried once in a throwaway child first:
    should the reset not work here, the zygote never relies on it (its own state stays untouched) and the
    worker makes its namespace itself, with one more fork.
    """

    def __init__(self) -> None:
        self.fd: int | None = None
        if os.geteuid() != 0:
            return
        try:
            fd = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return
        if self._probe(fd):
            self.fd = fd
        else:
            os.close(fd)

    @staticmethod
    def _probe(fd: int) -> bool:
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                unshare(CLONE_NEWPID)
                child = os.fork()
                if child == 0:
                    os._exit(0 if os.getpid() == 1 else 1)
                _, status = os.waitpid(child, 0)
                setns(fd, CLONE_NEWPID)
                same = os.stat("/proc/self/ns/pid_for_children").st_ino == os.fstat(fd).st_ino
                code = 0 if same and os.waitstatus_to_exitcode(status) == 0 else 1
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0

    def fork(self) -> tuple[int, bool]:
        """os.fork(); (pid, True) when the child is PID 1 of a fresh pid namespace."""
        fresh = False
        if self.fd is not None:
            try:
                unshare(CLONE_NEWPID)
                fresh = True
            except OSError:
                fresh = False
        try:
            pid = os.fork()
        finally:
            if fresh and os.getpid() != 1:
                try:
                    setns(self.fd, CLONE_NEWPID)  # type: ignore[arg-type]
                except OSError:  # never fork into a stale namespace: stop using it
                    self.fd = None
                    raise
        return pid, fresh


def mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    lib = _lib()
    _check(
        lib.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def prctl(option: int, arg: int) -> None:
    _check(_lib().prctl(option, ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


def _drop_capabilities() -> None:
    """Empty the bounding, effective, permitted and inheritable sets (capset(2), version 3)."""
    for cap in range(64):
        try:
            prctl(PR_CAPBSET_DROP, cap)
        except OSError:
            break

    class Header(ctypes.Structure):
        _fields_ = (("version", ctypes.c_uint32), ("pid", ctypes.c_int))

    class Data(ctypes.Structure):
        _fields_ = (
            ("effective", ctypes.c_uint32),
            ("permitted", ctypes.c_uint32),
            ("inheritable", ctypes.c_uint32),
        )

    header = Header(0x20080522, 0)
    data = (Data * 2)()
    _check(_lib().syscall(126, ctypes.byref(header), ctypes.byref(data)), "capset")  # SYS_capset


# --- entering the sandbox (child side) ----------------------------------------------------------------


def close_fds(keep: set[int]) -> None:
    """Close every fd but ``keep`` (and 0-2, which the caller redirects)."""
    try:
        fds = sorted(int(n) for n in os.listdir("/proc/self/fd"))
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def enter(config: dict[str, Any], sock_fd: int, log_fd: int) -> dict[str, Any]:
    """Isolate this (freshly forked) process; return the isolation report. See the module docstring.

    ``config``: uid (int | None), memory_mb, cpu_s, nproc, cuda (bool), hide (paths), workdir (a folder
    the parent made for us, used when no mount namespace is available), isolate (bool: try namespaces).
    """
    notes: list[str] = []
    report: dict[str, Any] = {
        "namespaces": [],
        "kit_hidden": False,
        "uid": os.getuid(),
        "rlimits": [],
    }
    _own_session_and_fds(sock_fd, log_fd, notes)
    root = os.geteuid() == 0
    in_userns = _namespaces(config, root, sock_fd, report, notes)
    workdir, target_uid = _workdir(config, root, report, notes)
    report["rlimits"] = _rlimits(config, notes, dedicated_uid=target_uid is not None)
    _drop_privileges(root, target_uid, in_userns, report, notes)
    os.environ["HOME"] = workdir
    os.environ["TMPDIR"] = SCRATCH[0] if "mount" in report["namespaces"] else workdir
    report["notes"] = notes
    report["level"] = level(report)
    return report


def _own_session_and_fds(sock_fd: int, log_fd: int, notes: list[str]) -> None:
    """A session of our own that dies with the parent; every fd closed but the reply socket; stdin from
    /dev/null, stdout and stderr to the capped log."""
    os.setsid()
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError as exc:
        notes.append(f"no PDEATHSIG: {exc}")
    close_fds({sock_fd, log_fd})
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)


def _namespaces(
    config: dict[str, Any], root: bool, sock_fd: int, report: dict[str, Any], notes: list[str]
) -> bool:
    """Unshare the namespaces (a user namespace too when not ``root``: we were not root before it) and become
    PID 1 of the new pid namespace; whether we are in a user namespace of our own."""
    in_userns = False
    # PID 1 already: the zygote forked us straight into a pid namespace of our own (PidNamespaces)
    pid1 = bool(config.get("_pid1")) and os.getpid() == 1
    spaces = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
    if not pid1:
        spaces |= CLONE_NEWPID
    if config.get("isolate", True):
        try:
            if root:
                unshare(spaces)
            else:
                uid, gid = os.getuid(), os.getgid()
                unshare(spaces | CLONE_NEWUSER)
                in_userns = True
                _write("/proc/self/setgroups", "deny")
                _write("/proc/self/uid_map", f"0 {uid} 1")
                _write("/proc/self/gid_map", f"0 {gid} 1")
            report["namespaces"] = ["mount", "pid", "net", "ipc", "uts"] + (
                ["user"] if in_userns else []
            )
        except OSError as exc:
            notes.append(f"no namespaces ({exc.strerror or exc})")

    if "pid" in report["namespaces"] and not pid1:
        _become_pid1(sock_fd)  # returns in the child (PID 1 of the new namespace)
    return in_userns


def _workdir(
    config: dict[str, Any], root: bool, report: dict[str, Any], notes: list[str]
) -> tuple[str, int | None]:
    """Mounts (the kit hidden) and the working folder, made ours and entered; (the folder, the uid to drop
    to, or None)."""
    workdir = config.get("workdir") or "."
    if "mount" in report["namespaces"]:
        try:
            workdir, hidden = _mounts(config, notes)
            report["kit_hidden"] = hidden
        except OSError as exc:
            notes.append(f"mounts failed: {exc}")

    target_uid = config.get("uid") if root else None
    if target_uid is not None and "mount" not in report["namespaces"]:
        blocked = _blocked_ancestors(keep_paths(), target_uid)
        # without a mount namespace to re-expose them, an unprivileged uid could not import
        if blocked:
            notes.append(f"uid kept: {', '.join(sorted(blocked))} is closed to other users")
            target_uid = None
    if target_uid is not None:
        try:
            os.chown(workdir, target_uid, target_uid)
            os.chmod(workdir, 0o700)
        except OSError as exc:
            notes.append(f"chown workdir: {exc}")
    os.chdir(workdir)
    report["workdir"] = workdir
    return workdir, target_uid


def _drop_privileges(
    root: bool,
    target_uid: int | None,
    in_userns: bool,
    report: dict[str, Any],
    notes: list[str],
) -> None:
    """The dedicated uid (as root) or no capabilities (in a user namespace); no new privileges, no core."""
    if root and target_uid is not None:
        try:
            os.setgroups([])
            os.setresgid(target_uid, target_uid, target_uid)
            os.setresuid(target_uid, target_uid, target_uid)
            report["uid"] = os.getuid()
        except OSError as exc:
            notes.append(f"could not drop to uid {target_uid}: {exc}")
    elif in_userns:
        try:
            _drop_capabilities()
            report["caps_dropped"] = True
        except OSError as exc:
            notes.append(f"could not drop capabilities: {exc}")
    try:
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        prctl(PR_SET_DUMPABLE, 0)
    except OSError as exc:
        notes.append(f"prctl: {exc}")


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _become_pid1(sock_fd: int) -> None:
    """Fork the worker into the new pid namespace; this process waits and exits as the worker did."""
    pid = os.fork()
    if pid == 0:
        try:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        except OSError:
            pass
        return
    os.close(sock_fd)
    for fd in (0, 1, 2):
        try:
            os.close(fd)
        except OSError:
            pass
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(70)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
            os.kill(os.getpid(), sig)
        except (OSError, ValueError):
            pass
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 71)


def keep_paths() -> list[str]:
    """Folders the worker must still read: the Python installation and site-packages (sys.path)."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(p for p in sys.path if p)
    out = []
    for p in paths:
        real = os.path.realpath(p)
        if os.path.isdir(real):
            out.append(real)
        elif os.path.isfile(real):  # pythonXY.zip
            out.append(real)
    return sorted(set(out))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _blocked_ancestors(paths: list[str], uid: int | None) -> set[str]:
    """Folders on the way to ``paths`` that an unprivileged user could not cross (e.g. /root, 0700)."""
    if uid is None:
        return set()
    out: set[str] = set()
    for p in paths:
        parts = p.strip("/").split("/")
        for i in range(1, len(parts)):
            folder = "/" + "/".join(parts[:i])
            try:
                st = os.stat(folder)
            except OSError:
                continue
            if not st.st_mode & stat.S_IXOTH:
                out.add(folder)
    return out


def _mounts(config: dict[str, Any], notes: list[str]) -> tuple[str, bool]:
    """Set up this mount namespace (see the module docstring); return (workdir, kit hidden)."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    except OSError as exc:
        notes.append(f"no private /proc: {exc.strerror}")
    keep = keep_paths()
    uid = config.get("uid") if os.geteuid() == 0 else None
    hide = {os.path.realpath(p) for p in config.get("hide", []) if os.path.isdir(p)}
    hide |= _blocked_ancestors(keep, uid)
    hide -= {"/"}
    scratch = [p for p in SCRATCH if os.path.isdir(p)]
    covers = sorted(hide | set(scratch), key=lambda p: (p.count("/"), p))
    done: list[str] = []
    for folder in covers:
        if any(_inside(folder, d) for d in done):
            continue  # already under a cover
        if folder in keep:
            notes.append(f"not hidden (it holds the Python installation): {folder}")
            continue
        inner = [k for k in keep if _inside(k, folder) and k != folder]
        try:
            _cover(folder, inner, writable=folder in scratch)
            done.append(folder)
        except OSError as exc:
            notes.append(f"could not hide {folder}: {exc.strerror or exc}")
    os.makedirs(WORKDIR, exist_ok=True)
    wanted = [os.path.realpath(p) for p in config.get("hide", []) if os.path.exists(p)]
    hidden = bool(wanted) and all(any(_inside(w, d) for d in done) for w in wanted)
    return WORKDIR, hidden


def _cover(folder: str, keep: list[str], *, writable: bool) -> None:
    """Mount an empty tmpfs over ``folder``, then bind ``keep`` (paths inside it) back read-only."""
    fds = {k: os.open(k, os.O_PATH | os.O_CLOEXEC) for k in keep}
    try:
        opts = "mode=1777,size=64m" if writable else "mode=0755,size=1m"
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, opts)
        for k, fd in fds.items():
            if any(_inside(k, other) and k != other for other in fds):
                continue  # bound with its enclosing keep path
            target = k
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(target, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                open(target, "a").close()  # a mount point
            mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
            mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
        if not writable:
            mount(None, folder, "tmpfs", MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=0755")
    finally:
        for fd in fds.values():
            os.close(fd)


def _rlimits(config: dict[str, Any], notes: list[str], *, dedicated_uid: bool) -> list[str]:
    applied: list[str] = []

    def setl(name: str, which: int, soft: int, hard: int | None = None) -> None:
        hard = soft if hard is None else hard
        _, cur_hard = resource.getrlimit(which)
        if cur_hard != resource.RLIM_INFINITY:
            hard = min(hard, cur_hard)
            soft = min(soft, hard)
        try:
            resource.setrlimit(which, (soft, hard))
            applied.append(name)
        except (OSError, ValueError) as exc:
            notes.append(f"rlimit {name}: {exc}")

    setl("CORE", resource.RLIMIT_CORE, 0)
    setl("FSIZE", resource.RLIMIT_FSIZE, LOG_CAP)
    setl("NOFILE", resource.RLIMIT_NOFILE, 256)
    cpu = int(config.get("cpu_s", 120))
    setl("CPU", resource.RLIMIT_CPU, cpu, cpu)  # hard == soft: SIGKILL even for a PID 1
    nproc = int(config.get("nproc", 64))
    if not dedicated_uid:  # the count is per real uid: leave room for what already runs
        nproc += _processes_of(os.getuid())
    setl("NPROC", resource.RLIMIT_NPROC, nproc)
    extra = int(config.get("memory_mb", 4096)) * 1024 * 1024
    if config.get("cuda"):
        setl("DATA", resource.RLIMIT_DATA, _status_kb("VmData") * 1024 + extra)
    else:
        setl("AS", resource.RLIMIT_AS, _status_kb("VmSize") * 1024 + extra)
    return applied


def _status_kb(field: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _processes_of(uid: int) -> int:
    count = 0
    try:
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    if os.stat(f"/proc/{entry}").st_uid == uid:
                        count += len(os.listdir(f"/proc/{entry}/task"))
                except OSError:
                    continue
    except OSError:
        return 256
    return count


def level(report: dict[str, Any]) -> str:
    spaces = set(report.get("namespaces", []))
    unprivileged = report.get("uid", 0) != 0 or report.get("caps_dropped", False)
    strong = {"mount", "pid", "net"} <= spaces and report.get("kit_hidden") and unprivileged
    if strong:
        return "full"
    if spaces or unprivileged:
        return "partial"
    return "minimal"


def describe(report: dict[str, Any]) -> str:
    """One line for feedback headers and selfcheck: the level and what it is made of."""
    parts = []
    spaces = report.get("namespaces", [])
    parts.append(f"namespaces: {', '.join(spaces)}" if spaces else "no namespaces")
    parts.append("kit hidden" if report.get("kit_hidden") else "kit visible")
    uid = report.get("uid")
    if report.get("caps_dropped"):
        parts.append("no capabilities")
    parts.append("unprivileged uid" if uid else "uid 0 (root)")
    if report.get("rlimits"):
        parts.append("rlimits " + "/".join(report["rlimits"]))
    return f"{report.get('level', 'minimal')} ({'; '.join(parts)})"


# --- parent side ----------------------------------------------------------------------------------------


def describe_exit(status: int | None, *, killed: bool = False) -> str:
    """Words for a worker's wait status (as the zygote reports it)."""
    if status is None:
        return "the worker disappeared"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = {
            signal.SIGSEGV: "segmentation fault (invalid memory access, e.g. from ctypes or a C extension)",
            signal.SIGBUS: "bus error (invalid memory access)",
            signal.SIGILL: "illegal instruction",
            signal.SIGFPE: "floating-point exception in native code",
            signal.SIGABRT: "aborted (a native assertion failed or abort() was called)",
            signal.SIGKILL: "killed (out of memory, or over the CPU-time limit)",
            signal.SIGXCPU: "over the CPU-time limit",
            signal.SIGXFSZ: "wrote more than the output limit",
        }.get(sig) or f"killed by signal {_signame(sig)}"
        return name if not killed else "killed by the grader"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else status
    return f"the worker process exited with status {code} (os._exit() or exit() from native code)"


def _signame(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return str(sig)
