"""A small seccomp filter for grading kernels, handed to bubblewrap's ``--seccomp FD``.

The kernel runs as an unprivileged uid without capabilities, so most dangerous system calls
fail anyway; this filter removes what an unprivileged process could still use to widen its
reach into the host kernel:

- creating a user namespace (``unshare``/``clone`` with ``CLONE_NEWUSER``; ``clone3``, whose
  flags a filter cannot read, answers ENOSYS and the C library falls back to ``clone``), which
  would hand it capabilities over new mount and network namespaces, and ``setns``;
- the key rings (not namespaced: shared by every process of the uid), ``bpf``,
  ``perf_event_open``, ``userfaultfd``, ``io_uring``, ``ptrace``, and the mount, module, kexec,
  swap, reboot, syslog, accounting and file-handle calls;
- system calls of another ABI (i386 or x32 on x86-64), which would bypass the numbers below.

Denied calls fail with EPERM; nothing is killed. Only x86-64 and aarch64 are known here;
elsewhere the sandbox runs without the filter (and says so in the log).
"""

from __future__ import annotations

import errno
import os
import struct

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
_NR, _ARCH, _ARG0_LOW = 0, 4, 16

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JSET_K = 0x45
_RET_K = 0x06

_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000

CLONE_NEWUSER = 0x10000000
_X32_SYSCALL_BIT = 0x40000000

_DENIED_NAMES = (
    "setns",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "ptrace",
    "mount",
    "umount2",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "syslog",
    "open_by_handle_at",
    "name_to_handle_at",
)

_X86_64 = {
    "arch": 0xC000003E,
    "clone": 56,
    "unshare": 272,
    "clone3": 435,
    "setns": 308,
    "keyctl": 250,
    "add_key": 248,
    "request_key": 249,
    "bpf": 321,
    "perf_event_open": 298,
    "userfaultfd": 323,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "ptrace": 101,
    "mount": 165,
    "umount2": 166,
    "pivot_root": 155,
    "move_mount": 429,
    "open_tree": 428,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "kexec_load": 246,
    "kexec_file_load": 320,
    "init_module": 175,
    "finit_module": 313,
    "delete_module": 176,
    "acct": 163,
    "swapon": 167,
    "swapoff": 168,
    "reboot": 169,
    "syslog": 103,
    "open_by_handle_at": 304,
    "name_to_handle_at": 303,
}

_AARCH64 = {
    "arch": 0xC00000B7,
    "clone": 220,
    "unshare": 97,
    "clone3": 435,
    "setns": 268,
    "keyctl": 219,
    "add_key": 217,
    "request_key": 218,
    "bpf": 280,
    "perf_event_open": 241,
    "userfaultfd": 282,
    "io_uring_setup": 425,
    "io_uring_enter": 426,
    "io_uring_register": 427,
    "ptrace": 117,
    "mount": 40,
    "umount2": 39,
    "pivot_root": 41,
    "move_mount": 429,
    "open_tree": 428,
    "fsopen": 430,
    "fsconfig": 431,
    "fsmount": 432,
    "fspick": 433,
    "mount_setattr": 442,
    "kexec_load": 104,
    "kexec_file_load": 294,
    "init_module": 105,
    "finit_module": 273,
    "delete_module": 106,
    "acct": 89,
    "swapon": 224,
    "swapoff": 225,
    "reboot": 142,
    "syslog": 116,
    "open_by_handle_at": 265,
    "name_to_handle_at": 264,
}

_TABLES = {"x86_64": _X86_64, "aarch64": _AARCH64}


def _table() -> dict[str, int] | None:
    return _TABLES.get(os.uname().machine)


def supported() -> bool:
    return _table() is not None


def program() -> bytes:
    """The filter as bytes of ``struct sock_filter`` (classic BPF), for ``bwrap --seccomp``."""
    table = _table()
    if table is None:
        raise RuntimeError(f"no seccomp table for {os.uname().machine}")
    # Instructions as (code, jump-if-true label, jump-if-false label, k); labels resolve below.
    code: list[tuple[int, str | None, str | None, int]] = [
        (_LD_W_ABS, None, None, _ARCH),
        (_JEQ_K, None, "kill", table["arch"]),
        (_LD_W_ABS, None, None, _NR),
    ]
    if table is _X86_64:
        code.append((_JGE_K, "eperm", None, _X32_SYSCALL_BIT))
    for name in _DENIED_NAMES:
        code.append((_JEQ_K, "eperm", None, table[name]))
    code += [
        (_JEQ_K, "enosys", None, table["clone3"]),
        (_JEQ_K, "flags", None, table["unshare"]),
        (_JEQ_K, "flags", None, table["clone"]),
        (_RET_K, None, None, _RET_ALLOW),
    ]
    labels = {"flags": len(code)}
    code += [
        (_LD_W_ABS, None, None, _ARG0_LOW),
        (_JSET_K, "eperm", None, CLONE_NEWUSER),
        (_RET_K, None, None, _RET_ALLOW),
    ]
    labels["enosys"] = len(code)
    code.append((_RET_K, None, None, _RET_ERRNO | errno.ENOSYS))
    labels["eperm"] = len(code)
    code.append((_RET_K, None, None, _RET_ERRNO | errno.EPERM))
    labels["kill"] = len(code)
    code.append((_RET_K, None, None, _RET_KILL_PROCESS))

    def offset(index: int, label: str | None) -> int:
        if label is None:
            return 0
        jump = labels[label] - index - 1
        if not 0 <= jump <= 255:
            raise AssertionError("seccomp jump out of range")
        return jump

    return b"".join(
        struct.pack("=HBBI", op, offset(i, true), offset(i, false), k)
        for i, (op, true, false, k) in enumerate(code)
    )


def program_fd() -> int:
    """A file descriptor holding the filter, positioned at its start; the caller closes it."""
    fd = os.memfd_create("grading-seccomp", os.MFD_CLOEXEC)
    try:
        os.write(fd, program())
        os.lseek(fd, 0, os.SEEK_SET)
    except BaseException:
        os.close(fd)
        raise
    return fd
