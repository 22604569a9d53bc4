"""The kernel template: a fork server that becomes one sandboxed ipykernel per submission.

This file runs *inside* the grading sandbox with the kernel's interpreter (never in the worker,
and nothing of the project is importable next to it): ``python -s -P kernel_template.py``,
started by ``forkserver.py`` under bubblewrap as root with exactly the capabilities it needs to
build each child's sandbox (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID, CAP_SETPCAP,
CAP_KILL), no network, a read-only system. See ``docs/grading-sandbox.md`` ("The kernel template").

Once, at start: import ipykernel and the scientific stack, run a small warm-up so that
first-use costs are paid (lazy submodules, caches), forget the warnings the warm-up raised.
Then, for each ``spawn`` request on stdin (one JSON object per line), fork a child that:

1. leaves the template's session and stdio (the control pipe is closed in the child: a kernel
   cannot talk to the template), writes to the job's log;
2. gets mount, pid, network, ipc and uts namespaces of its own (only ``lo``, up): its
   socket directory at /run/kernel, one fresh size-limited tmpfs (the disk quota) at
   /home/grader, /tmp and /dev/shm, the spool of every job unmounted, the matplotlib cache read-only, /proc
   of the new pid namespace;
3. forks the namespace's init (pid 1: root without any capability, ignores SIGINT, reaps; its
   death ends every process of the namespace), which forks the kernel;
4. the kernel sets the resource limits, clears supplementary groups, drops the capability
   bounding set, switches to the grading uid/gid (losing every capability), sets
   no-new-privs, installs the seccomp filter, takes the scrubbed environment, reseeds the
   random generators and runs ipykernel with the connection file the worker wrote.

The template answers ``{"pid": N}`` (the child's pid in the template's pid namespace; the
worker finds its host pid) and reports each
child's end as ``{"exit": N, "status": S}`` (S as bwrap reports a sandbox's end: the exit code,
or 128 + the signal number). It never reads a submission, a connection key or any secret: the
connection file goes from the worker straight to the kernel through the job's socket directory.
"""

import ctypes
import gc
import importlib
import importlib.util
import json
import os
import re
import select
import signal
import struct
import sys
import time
import traceback
from types import ModuleType
from typing import Any, NoReturn

SPOOL = "/spool"
HOME = "/home/grader"
RUN = "/run/kernel"
MPLCONFIG = "/opt/kernel/mplconfig"
JOB_NAME = re.compile(r"^j[0-9]{1,12}$")

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38
SECCOMP_MODE_FILTER = 2
CAP_LAST = 63
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_char_p,
    ctypes.c_ulong,
    ctypes.c_char_p,
]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
_libc.prctl.argtypes = [
    ctypes.c_int,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
    ctypes.c_ulong,
]


def _load_launcher() -> ModuleType:
    """``launcher.py``, bound beside this file, loaded by path: its directory stays off
    ``sys.path``, so a kernel cannot import it (or anything else there) by name."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "launcher.py")
    spec = importlib.util.spec_from_file_location("grading_launcher", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    # No __pycache__ beside it: /opt/kernel stays as bound, and the kernels forked from this
    # process inherit the flag as it was.
    writes_bytecode = not sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = not writes_bytecode
    return module


# The limits, message trimming and font list copy: what a kernel of its own does to itself.
_LAUNCHER = _load_launcher()


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(
    source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None
) -> None:
    _check(
        _libc.mount(
            source.encode() if source else None,
            target.encode(),
            fstype.encode() if fstype else None,
            flags,
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def _prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl {option}")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _seccomp(program: bytes) -> None:
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _check(
        _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0),
        "seccomp",
    )


# -- once, at start: the stack, imported and warmed ---------------------------------------------


# What ipykernel imports while a kernel initializes (its debugger's debugpy, the history's
# sqlite3, pdb, tornado's queues, ...): imported here, a forked kernel does not pay for them.
_KERNEL_MODULES = (
    "ipykernel.debugger",
    "ipykernel.zmqshell",
    "ipykernel.iostream",
    "ipykernel.heartbeat",
    "ipykernel.comm",
    "IPython.extensions",
    "IPython.core.completer",
    "sqlite3",
    "pdb",
    "mimetypes",
    "http.server",
    "xmlrpc.client",
    "xmlrpc.server",
    "tornado.gen",
    "tornado.locks",
    "tornado.queues",
    "encodings.idna",
    "stringprep",
)


def _warm_up() -> tuple[list[str], float]:
    """Import what notebooks use and pay the first-use costs, so that no child pays them."""
    started = time.monotonic()
    import ipykernel.ipkernel
    import ipykernel.kernelapp  # noqa: F401 - imported to be warm in every child
    import IPython.core.interactiveshell  # noqa: F401 - likewise

    imported = ["ipykernel"]
    try:
        import numpy
        import pandas

        frame = pandas.DataFrame({"a": numpy.arange(20.0), "b": list("xy") * 10})
        frame.groupby("b")["a"].agg(["mean", "std"]).describe()
        frame.merge(frame, on="b").pivot_table(index="b", values="a_x", aggfunc="mean")
        pandas.Series(numpy.linspace(0, 1, 5)).rolling(2).mean().to_string()
        frame.to_csv()
        pandas.read_csv(__import__("io").StringIO("x,y\n1,2\n3,4\n"))
        repr(frame)
        frame._repr_html_()
        imported += ["numpy", "pandas"]
    except ImportError:
        pass
    try:
        import numpy
        import sklearn.datasets
        import sklearn.ensemble
        import sklearn.linear_model
        import sklearn.metrics
        import sklearn.model_selection
        import sklearn.neighbors
        import sklearn.pipeline
        import sklearn.preprocessing
        import sklearn.tree

        x, y = sklearn.datasets.make_classification(n_samples=60, n_features=4, random_state=0)
        train_x, test_x, train_y, test_y = sklearn.model_selection.train_test_split(
            x, y, random_state=0
        )
        model = sklearn.pipeline.make_pipeline(
            sklearn.preprocessing.StandardScaler(), sklearn.linear_model.LogisticRegression()
        ).fit(train_x, train_y)
        sklearn.metrics.accuracy_score(test_y, model.predict(test_x))
        sklearn.linear_model.LinearRegression().fit(x, y).score(x, y)
        sklearn.tree.DecisionTreeClassifier(random_state=0).fit(x, y).predict(x)
        sklearn.neighbors.KNeighborsClassifier(3).fit(x, y).predict(x[:3])
        forest = sklearn.ensemble.RandomForestClassifier(n_estimators=3, random_state=0)
        sklearn.model_selection.cross_val_score(forest, x, y, cv=2)
        sklearn.model_selection.cross_val_score(
            sklearn.linear_model.LogisticRegression(), x, y, cv=2
        )
        # The loader behind every bundled data set (load_iris, load_wine, ...), as a frame.
        iris = sklearn.datasets.load_iris(as_frame=True).frame
        iris.corr()["target"].abs().sort_values().head(3)
        imported.append("sklearn")
    except ImportError:
        pass
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot

        figure, axes = pyplot.subplots()
        axes.plot([0, 1], [1, 0], label="x")
        axes.set_title("warm-up")
        axes.legend()
        figure.canvas.draw()
        pyplot.close("all")
        imported.append("matplotlib")
    except ImportError:
        pass
    for name in _KERNEL_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001, S112 - a missing extra only costs its import later
            continue
    _forget_warnings()
    # Everything alive now stays alive in every child: moved out of the collector's sight, the
    # children's collections do not touch (and so copy) the template's pages.
    gc.collect()
    gc.freeze()
    return imported, time.monotonic() - started


def _forget_warnings() -> None:
    """A warning shown once during the warm-up must show again in a submission's cell."""
    import warnings

    for module in list(sys.modules.values()):
        registry = getattr(module, "__warningregistry__", None)
        if isinstance(registry, dict):
            registry.clear()
    mutated: Any = getattr(warnings, "_filters_mutated", None)
    if mutated is not None:
        mutated()  # invalidates every cached "once" decision


# -- per submission: the child ------------------------------------------------------------------


def _exit_status(status: int) -> int:
    """A wait status as bwrap reports it: the exit code, or 128 + the signal."""
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _loopback_up() -> None:
    """A new network namespace has only ``lo``, down; up, it has 127.0.0.1 and ::1."""
    import fcntl
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def _bind(source: str, target: str) -> None:
    _mount(source, target, None, MS_BIND)
    _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV)


def _sandbox_mounts(job: str, request: dict[str, Any]) -> None:
    """The child's own view: its socket directory, nothing of any other job, and one
    size-limited tmpfs (the disk quota) for everything the kernel may write.

    The tmpfs is mounted on /tmp first; its ``home``, ``shm`` and ``tmp`` directories are then
    bound at /home/grader, /dev/shm and, last, over /tmp itself, which hides the tmpfs's top.
    The three places share one quota; the worker stages the submission's files into the home
    through /proc/<init>/root (docs/grading-sandbox.md, "The disk quota").
    """
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _bind(f"{job}/k", RUN)
    _check(_libc.umount2(SPOOL.encode(), MNT_DETACH), "umount spool")
    scratch = "/tmp"  # noqa: S108 - a private mount of this namespace
    options = f"size={request['disk_bytes']},nr_inodes={request['disk_inodes']},mode=0755"
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for name, mode in (("home", 0o700), ("shm", 0o1777), ("tmp", 0o1777)):
        os.mkdir(f"{scratch}/{name}")
        os.chmod(f"{scratch}/{name}", mode)
    os.chown(f"{scratch}/home", request["uid"], request["gid"])
    _bind(f"{scratch}/home", HOME)
    _bind(f"{scratch}/shm", "/dev/shm")  # noqa: S108 - the private mount above
    _bind(f"{scratch}/tmp", scratch)  # noqa: S108 - over the tmpfs, hiding its top
    if os.path.ismount(MPLCONFIG):
        _mount(None, MPLCONFIG, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _address_space() -> int:
    """Bytes of address space this process has now: the template's, inherited."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _drop_privileges(request: dict[str, Any]) -> None:
    inherited = _address_space()
    # The memory limit is for the notebook: on top of the stack the template has imported
    # already (a kernel of its own would import it within the limit).
    _LAUNCHER.set_limits(
        (name, soft + inherited, hard + inherited) if name == "RLIMIT_AS" else (name, soft, hard)
        for name, soft, hard in request["rlimits"]
    )
    uid, gid = request["uid"], request["gid"]
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    for capability in range(CAP_LAST + 1):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            break  # EINVAL past the last capability this host knows
    os.setresuid(uid, uid, uid)  # clears the permitted, effective and ambient sets
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("the uid did not change")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    program = bytes.fromhex(request.get("seccomp", ""))
    if program:
        _seccomp(program)


def _reseed() -> None:
    """Every kernel gets fresh random state, not a copy of the template's."""
    import random

    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()


def _become_kernel(request: dict[str, Any]) -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(HOME)
    _drop_privileges(request)
    os.environ.clear()
    os.environ.update(request["env"])
    _LAUNCHER.seed_matplotlib(MPLCONFIG)
    _reseed()
    try:
        _LAUNCHER.trim_messages(request["message_cap"])
    except Exception as error:  # noqa: BLE001 - trimming is a courtesy, the kernel runs anyway
        print("output trimming unavailable:", repr(error), file=sys.stderr)  # noqa: T201 - to the job's log
    sys.argv = ["ipykernel_launcher", *request["argv"]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _drop_capabilities() -> None:
    """Keep uid 0 (the kernel's uid cannot signal it) but no capability at all."""
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")


def _init(kernel_pid: int) -> NoReturn:
    """Pid 1 of the child's namespace: reap everything, end with the kernel."""
    while True:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            os._exit(0)
        except InterruptedError:
            continue
        if pid == kernel_pid:
            os._exit(_exit_status(status))


def _child(request: dict[str, Any]) -> NoReturn:
    """Everything between fork and ipykernel; never returns into the template's loop."""
    code = 127
    try:
        for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(number, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        os.setsid()
        job = f"{SPOOL}/{request['job']}"
        log = os.open(f"{job}/kernel.log", os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW)
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.closerange(3, 65536)  # the control pipe above all
        sys.stdin = open(0, closefd=False)  # noqa: SIM115 - the process's own streams
        sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - the process's own streams
        sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115 - the process's own streams
        # Namespaces of its own: nothing one kernel leaves (a SysV shared memory segment, a
        # mount) is there for the next kernel of this template.
        os.unshare(
            os.CLONE_NEWNS | os.CLONE_NEWPID | os.CLONE_NEWNET | os.CLONE_NEWIPC | os.CLONE_NEWUTS
        )
        _loopback_up()
        _sandbox_mounts(job, request)
        init = os.fork()
        if init:
            _, status = os.waitpid(init, 0)
            os._exit(_exit_status(status))
        # pid 1 of the new namespace. It dies with its parent (the worker kills that one
        # first), and every process of the namespace dies with it.
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        os.setsid()  # its process group is the one interrupts go to
        _check(_libc.umount2(b"/proc", MNT_DETACH), "umount /proc")
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        kernel = os.fork()
        if kernel:
            _drop_capabilities()
            _init(kernel)
        _become_kernel(request)
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:  # noqa: BLE001 - the reason goes to the job's log
        traceback.print_exc()
        code = 126
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


# -- the template's loop ------------------------------------------------------------------------


def _send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _reap(children: set[int]) -> None:
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        children.discard(pid)
        _send({"exit": pid, "status": _exit_status(status)})


def main() -> None:
    imported, warm_s = _warm_up()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: set[int] = set()
    threads = len(os.listdir("/proc/self/task"))
    _send({"ready": True, "imported": imported, "warm_s": round(warm_s, 3), "threads": threads})
    stdin = sys.stdin.buffer
    pending = b""
    while True:
        readable, _, _ = select.select([stdin.fileno(), wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
            _reap(children)
        if stdin.fileno() not in readable:
            continue
        chunk = os.read(stdin.fileno(), 65536)
        if not chunk:
            for pid in children:
                os.kill(pid, signal.SIGKILL)
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            if request.get("op") != "spawn" or not JOB_NAME.match(str(request.get("job"))):
                _send({"error": "bad request"})
                continue
            if len(os.listdir("/proc/self/task")) != 1:
                _send({"error": "the template is not single-threaded; it cannot fork safely"})
                continue
            pid = os.fork()
            if pid == 0:
                _child(request)
            children.add(pid)
            _send({"pid": pid})


if __name__ == "__main__":
    main()
