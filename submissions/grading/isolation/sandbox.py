"""Where, and as whom, a grading kernel runs: the sandbox setting and the bubblewrap command.

Settings, read from the worker's environment on every grading (see ``docs/grading-sandbox.md``):

``GRADING_SANDBOX``
    ``auto`` (default): use bubblewrap when it works on this host, otherwise run without it and
    log a loud warning once per process. ``bwrap``: require bubblewrap; grading fails with a
    clear reason where it cannot run. ``off``: never use it (development only; warned once).
``GRADING_UID`` / ``GRADING_GID``
    The dedicated non-root uid and gid the kernel runs as when the worker is root (default
    65534/65534, nobody/nogroup). ``RLIMIT_NPROC`` only binds a non-root uid, and counts all
    processes of that uid on the host, so use ids no other service uses.

Under bubblewrap, with a root worker, the kernel is started as::

    env --ignore-signal=INT bwrap
        --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup-try
        --die-with-parent --new-session --hostname grader --clearenv --setenv NAME VALUE ...
        --ro-bind /usr /usr  --symlink usr/lib /lib ...  (read-only system)
        --ro-bind <interpreter prefix> /opt/kernel/python  (+ venv lib and pyvenv.cfg)
        --ro-bind <run>/etc/passwd /etc/passwd ...  (generated /etc, host's ld.so.cache)
        --proc /proc --dev /dev --tmpfs /dev/shm --tmpfs /tmp  (size-limited, 1777)
        --bind <run>/k <run>/k  (ipc sockets and connection file, same path inside)
        --size <disk quota> --tmpfs /home/grader --chdir /home/grader  (files staged in later)
        --seccomp FD  (no new user namespaces, no keyrings, bpf, io_uring, ...)
      -- setpriv --reuid UID --regid GID --clear-groups --no-new-privs
                 --bounding-set=-all --inh-caps=-all
      -- /opt/kernel/venv/bin/python -I -c <set rlimits; exec ipykernel> -f <connection file>

There is no user namespace (``--unshare-all`` would add one mapping only root, and setpriv could
not then switch to the grading uid): the kernel is an ordinary unprivileged process of the
host's init user namespace, without capabilities, in its own pid, network, ipc and uts
namespaces, and the seccomp filter keeps it from making a user namespace of its own. A worker
that is not root cannot switch uids: bubblewrap then runs unprivileged with ``--unshare-all
--unshare-user --disable-userns`` and the kernel keeps the worker's uid inside its namespace.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Literal

from submissions.grading.isolation import seccomp, uids

logger = logging.getLogger("submissions.grading")

SANDBOX_SETTING = "GRADING_SANDBOX"
UID_SETTING = "GRADING_UID"
GID_SETTING = "GRADING_GID"
KERNEL_PYTHON_SETTING = "GRADING_KERNEL_PYTHON"
SANDBOX_MODES = ("auto", "bwrap", "off")
# The kernel's own environment (bin/_env.sh makes it from requirements-kernel.lock): the course's
# packages, not the web application's.
PROJECT_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_KERNEL_VENV = PROJECT_ROOT / ".venv-kernel"
MPLCONFIG_INSIDE = "/opt/kernel/mplconfig"  # the shared font list, read-only
# Each kernel's own, writable matplotlib directory (in its private /tmp), seeded with the list:
# matplotlib warns on stderr, which fails a test, when MPLCONFIGDIR is not writable.
MPLCONFIG_KERNEL = "/tmp/matplotlib"  # noqa: S108 - the kernel's private tmpfs
DEFAULT_UID = 65534
DEFAULT_GID = 65534

SANDBOX_USER = "grader"
SANDBOX_HOME = "/home/grader"
# Paths inside the sandbox, each a private, size-limited tmpfs.
SANDBOX_TMP = "/tmp"  # noqa: S108 - inside the sandbox
SANDBOX_SHM = "/dev/shm"  # noqa: S108 - inside the sandbox
KERNEL_ROOT = "/opt/kernel"
# The code that runs inside the sandbox (``inside/``), each file bound on its own at KERNEL_ROOT.
INSIDE_SOURCE = Path(__file__).with_name("inside")
LAUNCHER_SOURCE = INSIDE_SOURCE / "launcher.py"
LAUNCHER_INSIDE = f"{KERNEL_ROOT}/launcher.py"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
_SYSTEM_LINKS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_HOST_ETC = (
    "/etc/ld.so.cache",
    "/etc/localtime",
    "/etc/alternatives",
    "/etc/fonts",
    "/etc/mime.types",
)
_PROBE_TIMEOUT_S = 20
_RETRY_S = 60.0

SandboxKind = Literal["bwrap", "off"]


class SandboxUnavailable(RuntimeError):
    """GRADING_SANDBOX=bwrap, and bubblewrap cannot run here; the message says why."""


class SandboxMisconfigured(ValueError):
    """A GRADING_* setting has a value that is not one."""


@dataclass(frozen=True)
class Isolation:
    """How one kernel is isolated. ``uid`` is None when the kernel keeps the worker's uid."""

    kind: SandboxKind
    uid: int | None
    gid: int | None
    bwrap: str = ""
    setpriv: str = ""
    reason: str = ""  # why the sandbox is off

    @property
    def dedicated_uid(self) -> bool:
        return self.uid is not None

    @property
    def private_user_namespace(self) -> bool:
        """An unprivileged bubblewrap: the kernel keeps the worker's uid in a user namespace."""
        return self.kind == "bwrap" and self.uid is None

    def describe(self) -> str:
        who = f"uid {self.uid}" if self.uid is not None else f"the worker's uid {os.geteuid()}"
        if self.kind == "bwrap":
            filtered = ", seccomp" if seccomp.supported() else ", NO seccomp filter"
            return (
                f"isolation: bubblewrap sandbox (no network, read-only system, private pid "
                f"namespace{filtered}), {who}, resource limits, disk quota"
            )
        return (
            f"isolation: NO SANDBOX ({self.reason}); resource limits and a scrubbed "
            f"environment only, NO DISK QUOTA, {who}"
        )


# -- settings ----------------------------------------------------------------------------------


def sandbox_mode(environ: Mapping[str, str] = os.environ) -> str:
    value = environ.get(SANDBOX_SETTING, "").strip().lower() or "auto"
    if value not in SANDBOX_MODES:
        raise SandboxMisconfigured(
            f"{SANDBOX_SETTING}={environ.get(SANDBOX_SETTING)!r} is not one of "
            f"{', '.join(SANDBOX_MODES)}"
        )
    return value


def _id_setting(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SandboxMisconfigured(f"{name}={raw!r} is not a number") from None
    if not 0 < value < 2**32 - 1:
        raise SandboxMisconfigured(f"{name}={raw!r} must be a non-root id")
    return value


def grading_uids(environ: Mapping[str, str] = os.environ) -> range:
    """``GRADING_UID``: one non-root uid, or a range ``first-last`` (see ``uids.py``)."""
    raw = environ.get(UID_SETTING, "").strip()
    if not raw:
        return range(DEFAULT_UID, DEFAULT_UID + 1)
    parsed = uids.parse(raw)
    if parsed is None:
        raise SandboxMisconfigured(
            f"{UID_SETTING}={raw!r} must be a non-root id or a range of them (first-last)"
        )
    return parsed


def grading_ids(environ: Mapping[str, str] = os.environ) -> tuple[int, int]:
    """The uid (this worker's own of ``GRADING_UID``'s range) and gid kernels run as."""
    return (
        uids.claim(grading_uids(environ)),
        _id_setting(environ, GID_SETTING, DEFAULT_GID),
    )


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        logger.warning("%s", message)


def resolve_isolation(environ: Mapping[str, str] = os.environ) -> Isolation:
    """The isolation the next kernel gets, from the settings and what this host can do.

    Raises SandboxMisconfigured for a bad setting, SandboxUnavailable when bubblewrap is
    required and cannot run.
    """
    mode = sandbox_mode(environ)
    uid, gid = grading_ids(environ)
    root = os.geteuid() == 0
    setpriv = shutil.which("setpriv") or ""
    if mode != "off":
        bwrap = shutil.which("bwrap") or ""
        problem = _bwrap_problem(bwrap, setpriv, uid if root else None, gid if root else None)
        if problem is None:
            return Isolation(
                "bwrap", uid if root else None, gid if root else None, bwrap=bwrap, setpriv=setpriv
            )
        if mode == "bwrap":
            raise SandboxUnavailable(problem)
        reason = f"{SANDBOX_SETTING}=auto and {problem}"
    else:
        reason = f"{SANDBOX_SETTING}=off"
    switch = (
        root and bool(setpriv) and _readable_by([*_interpreter_paths(), INSIDE_SOURCE], uid, gid)
    )
    isolation = Isolation(
        "off",
        uid if switch else None,
        gid if switch else None,
        reason=reason,
        setpriv=setpriv if switch else "",
    )
    if root and not switch:
        reason += (
            f"; the kernel runs as root, as uid {uid} cannot read the interpreter or the "
            "launcher, or setpriv is missing, so RLIMIT_NPROC does not bind"
        )
        isolation = Isolation("off", None, None, reason=reason)
    _warn_once(
        "THE GRADING SANDBOX IS OFF: participants' notebooks run without bubblewrap "
        f"(no network or file system isolation, no disk quota: a notebook can fill the "
        f"host's disk, background processes may survive): {reason}."
    )
    return isolation


_ProbeKey = tuple[str, str, int | None, int | None]
_probes: dict[_ProbeKey, tuple[float, str | None]] = {}


def _bwrap_problem(bwrap: str, setpriv: str, uid: int | None, gid: int | None) -> str | None:
    """Why bubblewrap cannot run here, or None if it can; a success is remembered for good,
    a failure for a minute (it may have been a passing one, e.g. a probe timing out)."""
    key = (bwrap, setpriv, uid, gid)
    known = _probes.get(key)
    if known is not None and (known[1] is None or time.monotonic() - known[0] < _RETRY_S):
        return known[1]
    problem = _probe(bwrap, setpriv, uid, gid)
    _probes[key] = (time.monotonic(), problem)
    return problem


def _probe(bwrap: str, setpriv: str, uid: int | None, gid: int | None) -> str | None:
    """Run a sandbox of the real shape (namespaces, mounts, uid switch) around ``sh -c 'exit 0'``."""
    if not bwrap:
        return "bubblewrap (bwrap) is not installed"
    if uid is not None and not setpriv:
        return "setpriv (util-linux) is not installed"
    args = BwrapArgs(private_user_namespace=uid is None)
    args.system()
    args.tmpfs(SANDBOX_TMP, 1024 * 1024)
    command = [bwrap, *args.args, "--"]
    if uid is not None:
        command += setpriv_prefix(setpriv, uid, gid if gid is not None else uid)
    command += ["/bin/sh", "-c", "exit 0"]
    try:
        result = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_PROBE_TIMEOUT_S,
            env={"PATH": SYSTEM_PATH},
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap could not be run ({error})"
    if result.returncode != 0:
        detail = result.stderr.decode("utf-8", "replace").strip().splitlines()
        return f"bubblewrap does not work here ({detail[-1] if detail else result.returncode})"
    return None


def kernel_python(environ: Mapping[str, str] = os.environ) -> str:
    """The kernel's interpreter: GRADING_KERNEL_PYTHON, else the kernel venv's.

    Without either (a development checkout where bin/_env.sh has not made ``.venv-kernel``)
    kernels fall back to the worker's own interpreter, with a warning: the web application's
    packages are then importable in the kernel.
    """
    configured = environ.get(KERNEL_PYTHON_SETTING, "").strip()
    if configured:
        if not os.access(configured, os.X_OK):
            raise SandboxMisconfigured(f"{KERNEL_PYTHON_SETTING}={configured!r} is not executable")
        return configured
    default = DEFAULT_KERNEL_VENV / "bin" / "python"
    if os.access(default, os.X_OK):
        return str(default)
    _warn_once(
        f"{default} is missing (run bin/_env.sh or set {KERNEL_PYTHON_SETTING}): grading "
        "kernels use the worker's interpreter, where the web application's packages are "
        "importable"
    )
    return sys.executable


@dataclass(frozen=True)
class PythonLayout:
    """Where an interpreter lives: its venv (if any), its base prefix, the real executable."""

    venv: Path | None
    base: Path
    real: Path
    config: Mapping[str, str]


def python_layout(python: str) -> PythonLayout:
    """Read an interpreter's layout from the file system, without running it."""
    executable = Path(os.path.abspath(python))
    real = Path(os.path.realpath(executable))
    venv = executable.parent.parent
    config = _read_pyvenv_cfg(venv / "pyvenv.cfg")
    if "home" in config:
        base = Path(os.path.realpath(config["home"])).parent
        return PythonLayout(venv, base, real, config)
    return PythonLayout(None, real.parent.parent, real, {})


def _interpreter_paths() -> list[Path]:
    layout = python_layout(kernel_python())
    paths = [layout.base, layout.real]
    return paths if layout.venv is None else [layout.venv, *paths]


def _readable_by(paths: Iterable[Path], uid: int, gid: int) -> bool:
    """Whether ``uid`` can reach every path (execute permission on each ancestor)."""
    for path in paths:
        for directory in [path, *path.parents]:
            try:
                info = directory.stat()
            except OSError:
                return False
            if info.st_uid == uid:
                bit = 0o100
            elif info.st_gid == gid:
                bit = 0o010
            else:
                bit = 0o001
            if not info.st_mode & bit:
                return False
    return True


def setpriv_prefix(setpriv: str, uid: int, gid: int) -> list[str]:
    return [
        setpriv,
        f"--reuid={uid}",
        f"--regid={gid}",
        "--clear-groups",
        "--no-new-privs",
        "--bounding-set=-all",
        "--inh-caps=-all",
        "--",
    ]


# -- the kernel's interpreter inside the sandbox -----------------------------------------------


@dataclass(frozen=True)
class Interpreter:
    """The worker's interpreter (and its venv) as the sandbox sees it."""

    executable: str
    binds: tuple[tuple[str, str], ...]
    symlinks: tuple[tuple[str, str], ...] = ()
    pyvenv_cfg: str = ""  # contents for <venv>/pyvenv.cfg inside, when there is a venv
    venv: str = ""
    library_path: str = ""


def _under(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def sandbox_interpreter() -> Interpreter:
    """The kernel's interpreter (see ``kernel_python``) as the sandbox sees it."""
    return _sandbox_interpreter(kernel_python())


@functools.cache
def _sandbox_interpreter(python: str) -> Interpreter:
    """Bind the base interpreter's prefix (and the venv's lib) under /opt/kernel.

    The base prefix may live where the sandbox uid cannot read (pyenv under /root, 0700); a
    bind makes it readable at its new place, and LD_LIBRARY_PATH replaces the RUNPATH a shared
    build has into the old one. A venv is rebuilt around its ``lib``: a generated pyvenv.cfg
    whose ``home`` is the new base, and a ``bin/python`` link to the base's interpreter. Nothing
    else of the venv (its bin scripts, its etc/) nor of the project is visible.
    """
    layout = python_layout(python)
    base, real = layout.base, layout.real
    binds: list[tuple[str, str]] = []
    library_path = ""
    if _under(base, Path("/usr")):
        base_inside = base
    else:
        base_inside = Path(KERNEL_ROOT) / "python"
        binds.append((str(base), str(base_inside)))
        library_path = str(base_inside / "lib")
    if not _under(real, base):
        raise SandboxUnavailable(f"the interpreter {real} is not inside its prefix {base}")
    real_inside = base_inside / real.relative_to(base)
    if layout.venv is None:
        return Interpreter(str(real_inside), tuple(binds), library_path=library_path)
    venv = layout.venv
    venv_inside = Path(KERNEL_ROOT) / "venv"
    binds.append((str(venv / "lib"), str(venv_inside / "lib")))
    config = layout.config
    lines = [
        f"home = {base_inside / 'bin'}",
        f"include-system-site-packages = {config.get('include-system-site-packages', 'false')}",
    ]
    if "version" in config:
        lines.append(f"version = {config['version']}")
    return Interpreter(
        executable=str(venv_inside / "bin" / "python"),
        binds=tuple(binds),
        symlinks=(
            ("lib", str(venv_inside / "lib64")),
            (str(real_inside), str(venv_inside / "bin" / "python")),
        ),
        pyvenv_cfg="\n".join(lines) + "\n",
        venv=str(venv_inside),
        library_path=library_path,
    )


def _read_pyvenv_cfg(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = path.read_text()
    except OSError:
        return values
    for line in text.splitlines():
        key, equals, value = line.partition("=")
        if equals:
            values[key.strip().lower()] = value.strip()
    return values


# -- the bubblewrap command --------------------------------------------------------------------


@dataclass
class BwrapArgs:
    """bubblewrap arguments, in order, creating every parent directory readable (0755).

    bwrap would create missing parents 0700 and root-owned, which the sandbox uid cannot
    traverse. Mounts apply in order, so a tmpfs goes before any bind beneath it.
    """

    private_user_namespace: bool = False
    args: list[str] = field(default_factory=list)
    _dirs: set[str] = field(default_factory=lambda: {"/"})

    def __post_init__(self) -> None:
        if self.private_user_namespace:
            namespaces = ["--unshare-all", "--unshare-user", "--disable-userns"]
        else:
            # Not --unshare-all: it adds a user namespace that maps only root, and setpriv
            # could not switch to the grading uid inside it.
            namespaces = [
                "--unshare-ipc",
                "--unshare-pid",
                "--unshare-net",
                "--unshare-uts",
                "--unshare-cgroup-try",
            ]
        self.args += [*namespaces, "--die-with-parent", "--new-session", "--hostname", "grader"]

    def _parents(self, dest: str) -> None:
        for parent in reversed(PurePosixPath(dest).parents):
            name = str(parent)
            if name not in self._dirs:
                self.args += ["--perms", "0755", "--dir", name]
                self._dirs.add(name)

    def directory(self, dest: str) -> None:
        self._parents(dest)
        if dest not in self._dirs:
            self.args += ["--perms", "0755", "--dir", dest]
            self._dirs.add(dest)

    def ro_bind(self, source: str, dest: str, *, try_: bool = False) -> None:
        self._parents(dest)
        self.args += ["--ro-bind-try" if try_ else "--ro-bind", source, dest]
        self._dirs.add(dest)

    def bind(self, source: str, dest: str) -> None:
        self._parents(dest)
        self.args += ["--bind", source, dest]
        self._dirs.add(dest)

    def symlink(self, target: str, dest: str) -> None:
        self._parents(dest)
        self.args += ["--symlink", target, dest]

    def tmpfs(self, dest: str, size: int) -> None:
        self._parents(dest)
        self.args += ["--perms", "1777", "--size", str(size), "--tmpfs", dest]
        self._dirs.add(dest)

    def system(self) -> None:
        """The read-only system: /usr, and /bin, /lib... as the host has them."""
        self.ro_bind("/usr", "/usr")
        for name in _SYSTEM_LINKS:
            if os.path.islink(name):
                self.symlink(os.readlink(name), name)
            elif os.path.isdir(name):
                self.ro_bind(name, name)
        self.args += ["--proc", "/proc", "--dev", "/dev"]

    def kernel_code(self, interpreter: Interpreter, pyvenv_cfg: Path | None) -> None:
        """The kernel's interpreter and venv, read-only where the kernel sees them, and of the
        project the launcher's file alone (docs/grading-sandbox.md, "The launcher")."""
        for source, dest in interpreter.binds:
            self.ro_bind(source, dest)
        for target, dest in interpreter.symlinks:
            self.symlink(target, dest)
        if interpreter.pyvenv_cfg and pyvenv_cfg is not None:
            self.ro_bind(str(pyvenv_cfg), f"{interpreter.venv}/pyvenv.cfg")
        self.ro_bind(str(LAUNCHER_SOURCE), LAUNCHER_INSIDE)

    def etc(self, generated: Mapping[str, Path]) -> None:
        """/etc: the host's files a kernel needs, read-only, and the generated ones (passwd...)."""
        self.directory("/etc")
        for name in host_etc():
            self.ro_bind(name, name, try_=True)
        for inside, path in generated.items():
            self.ro_bind(str(path), inside)
        self._dirs.update({"/proc", "/dev"})


def host_etc() -> list[str]:
    """The host's /etc files a kernel sees (read-only): libraries, time zone, fonts."""
    return [name for name in _HOST_ETC if os.path.exists(name)]


def font_cache_dir() -> Path | None:
    """The kernel's matplotlib configuration and font cache (host side), or None.

    It lives in the kernel venv (``mplconfig/``); the kernel template builds it once with the
    paths the sandbox sees; every kernel sees it read-only and copies the list into its own
    MPLCONFIGDIR (``/tmp/matplotlib``) before any notebook code runs, so no
    kernel rebuilds the font list (about half a second, and a write into its home).
    """
    layout = python_layout(kernel_python())
    if layout.venv is None:
        return None
    path = layout.venv / "mplconfig"
    try:
        path.mkdir(mode=0o755, exist_ok=True)
    except OSError:
        return None
    return path


def font_cache_ready() -> Path | None:
    path = font_cache_dir()
    if path is not None and any(path.glob("fontlist-*.json")):
        return path
    return None


def write_etc(directory: Path, uid: int, gid: int) -> dict[str, Path]:
    """The few /etc files a kernel needs, generated: no host user or host name is visible."""
    directory.mkdir(mode=0o755, exist_ok=True)
    files = {
        "passwd": (
            "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
            f"{SANDBOX_USER}:x:{uid}:{gid}:{SANDBOX_USER}:{SANDBOX_HOME}:/usr/sbin/nologin\n"
        ),
        "group": f"root:x:0:\n{SANDBOX_USER}:x:{gid}:\n",
        "hosts": "127.0.0.1\tlocalhost grader\n::1\tlocalhost ip6-localhost ip6-loopback\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files\n",
    }
    written: dict[str, Path] = {}
    for name, text in files.items():
        path = directory / name
        path.write_text(text)
        path.chmod(0o644)
        written[f"/etc/{name}"] = path
    return written


@dataclass(frozen=True)
class SandboxPaths:
    """Host paths the sandbox is built from, all private to this grading run."""

    workdir: Path  # the notebook's working directory, owned by the sandbox uid
    socket_dir: Path  # ipc sockets and connection file; the same path inside
    etc: Mapping[str, Path]  # sandbox path -> generated host file
    pyvenv_cfg: Path | None
    seccomp_fd: int | None


def disk_inodes(disk_bytes: int) -> int:
    """The number of files and directories a quota of ``disk_bytes`` holds: one per 8 KiB.

    An empty file takes no data page but an inode (kernel memory the size limit does not
    count), so the tmpfs gets a bound on those too.
    """
    return max(1024, disk_bytes // (8 * 1024))


def bwrap_arguments(
    isolation: Isolation,
    paths: SandboxPaths,
    interpreter: Interpreter,
    environment: Mapping[str, str],
    tmpfs_bytes: int,
    home_bytes: int,
) -> list[str]:
    """A kernel of its own: the working directory is a tmpfs of ``home_bytes`` (the disk quota)
    that the worker stages the files into through /proc (see ``staging.py``); /tmp and /dev/shm
    are tmpfs of ``tmpfs_bytes`` each (bwrap cannot bind one tmpfs at three places)."""
    args = BwrapArgs(private_user_namespace=isolation.private_user_namespace)
    args.args.append("--clearenv")  # and with it JPY_PARENT_PID: its poller would see pid 0
    for name, value in environment.items():
        args.args += ["--setenv", name, value]
    args.system()
    args.tmpfs(SANDBOX_SHM, tmpfs_bytes)
    args.kernel_code(interpreter, paths.pyvenv_cfg)
    if environment.get("MPLCONFIGDIR") == MPLCONFIG_KERNEL and (fonts := font_cache_ready()):
        args.ro_bind(str(fonts), MPLCONFIG_INSIDE)
    args.etc(paths.etc)
    args.tmpfs(SANDBOX_TMP, tmpfs_bytes)
    args.bind(str(paths.socket_dir), str(paths.socket_dir))
    args.tmpfs(SANDBOX_HOME, home_bytes)
    args.args += ["--chdir", SANDBOX_HOME]
    if paths.seccomp_fd is not None:
        args.args += ["--seccomp", str(paths.seccomp_fd)]
    return args.args


def short_run_base() -> str:
    """A parent for run directories short enough for ipc socket paths (~108 bytes)."""
    base = Path(os.environ.get("TMPDIR") or "/tmp")  # noqa: S108 - a private mkdtemp below it
    return str(base) if len(str(base)) <= 40 and base.is_dir() else "/tmp"  # noqa: S108 - likewise
