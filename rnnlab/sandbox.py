"""Run a student's kernel where it reaches nothing but what a notebook needs (used by grading).

`rnnlab-grade` starts every kernel of a submission through the kernel spec written by
``write_kernel_spec``, whose command is ``python -m rnnlab.sandbox [limits] CONNECTION_FILE``. That
command puts the kernel in a bubblewrap sandbox (https://github.com/containers/bubblewrap):

- it reads only the Python environment, the ``rnnlab`` package, ``assets/``, system libraries and
  a few files of ``/etc``; no ``autograder/``, solutions, gradebook, grade sheet or other student;
- it writes only its own scratch ``/tmp`` (a memory file system of bounded size) and the folder of
  its connection file (the kernel's sockets: Unix sockets, since it has no network at all);
- it has its own process tree: when the kernel ends, every process it started ends with it;
- limits per process: address space (memory), file size, no core files; per sandbox: processes,
  and, as root where the kernel offers cgroups (v1 or v2), memory of all its processes together and
  an equal share of the processors (control groups of its own);
- as root, the kernel runs as an unprivileged user id of its own (unique while it runs).

Install bubblewrap with the system's packages (Debian/Ubuntu: ``apt-get install bubblewrap``;
Fedora: ``dnf install bubblewrap``); it needs user namespaces when run by a user other than root.
The kernel's own stdout and stderr are dropped; set ``RNNLAB_SANDBOX_LOG=FILE`` to keep them (to see
why a kernel does not start).
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

from .settings import REPO, course_environment

KERNEL_NAME = "rnnlab-sandbox"
UID_BASE = 1_500_000_000  # as root, a kernel runs as UID_BASE + the pid of its launcher
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group",
             "nsswitch.conf", "fonts", "mime.types")
# This environment's Python as the sandbox can reach it: a path like tests/../.venv/bin/python would
# go through a folder that is not in the sandbox.
PYTHON = os.path.normpath(os.path.abspath(sys.executable))
PASSED_VARIABLES = ("NBGRADER_", "LANG", "LC_", "TZ", "OMP_", "OPENBLAS_", "MKL_", "PYTHONHASHSEED")


@dataclass(frozen=True)
class Limits:
    """What one student's kernel may use (bytes unless named otherwise)."""
    memory: int = 4 << 30          # address space of each process
    processes: int = 256           # processes and threads in the sandbox
    scratch: int = 512 << 20       # size of its /tmp
    file_size: int = 64 << 20      # largest file it may write


def control_groups():
    """``[(folder, memory limit file or None)]``: where this process would make its control groups.

    cgroup v2 has one hierarchy (memory, and CPU shared fairly between groups); v1 has one per
    controller: memory (the cap) and cpu (each sandbox gets an equal share, however many
    processes it runs).
    """
    places = []
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controllers == "" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            places.append((Path("/sys/fs/cgroup") / path.lstrip("/"), "memory.max"))
        elif controllers == "memory":
            places.append((Path("/sys/fs/cgroup/memory") / path.lstrip("/"), "memory.limit_in_bytes"))
        elif "cpu" in controllers.split(","):
            places.append((Path("/sys/fs/cgroup") / controllers / path.lstrip("/"), None))
    return [(folder, limit) for folder, limit in places if folder.is_dir()]


def control_groups_work():
    """True when this process can make memory-capped control groups (then each sandbox gets one)."""
    for folder, limit_file in control_groups():
        probe = folder / f"rnnlab-probe-{os.getpid()}"
        try:
            probe.mkdir()
        except OSError:
            continue
        capped = (probe / limit_file).exists() if limit_file else False
        _remove(probe)
        if capped:
            return True
    return False


def join_control_group(memory):
    """Put this process, and all it will start, in control groups of its own whose processes may
    use ``memory`` bytes together (and a fair share of the processors); returns the groups made."""
    joined = []
    for folder, limit_file in control_groups():
        group = folder / f"rnnlab-{os.getpid()}"
        try:
            group.mkdir()
            if limit_file:
                (group / limit_file).write_text(str(memory))
            (group / "cgroup.procs").write_text(str(os.getpid()))
            joined.append(group)
        except OSError:
            _remove(group)
    return joined


def _remove(group):
    try:
        group.rmdir()
    except OSError:
        pass


def remove_finished_groups():
    """Remove the control groups of sandboxes that have ended (a group in use stays)."""
    for folder, _ in control_groups():
        for group in folder.glob("rnnlab-*"):
            _remove(group)


def readable_paths():
    """Folders the kernel reads: the Python installation and environment, rnnlab, the course data."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(__file__).resolve().parent, REPO / "assets",
             Path(os.path.realpath(sys.executable)).parent.parent}
    return sorted(p for p in paths if p.exists())


def system_mounts():
    """bwrap arguments for /usr, the top-level links into it (merged /usr) and parts of /etc."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        top = Path("/") / name
        if top.is_symlink():
            args += ["--symlink", os.readlink(top), str(top)]
        elif top.is_dir():
            args += ["--ro-bind", str(top), str(top)]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def kernel_environment(environ):
    """The kernel's variables: a few passed through from ``environ``, the rest fixed."""
    passed = {k: v for k, v in environ.items() if k.startswith(PASSED_VARIABLES)}
    return {**passed, **{k: v for k, v in course_environment().items() if k.startswith("TF_")},
            "PATH": f"{Path(PYTHON).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": "/tmp", "TMPDIR": "/tmp", "IPYTHONDIR": "/tmp/.ipython", "MPLCONFIGDIR": "/tmp/.matplotlib",
            "PYTHONNOUSERSITE": "1"}


def bwrap_command(command, writable, limits, uid=None, environ=None):
    """The bwrap command line that runs ``command`` (a list) in the sandbox.

    ``writable`` is a folder the sandbox may write besides its /tmp; ``uid`` (root only) is the user
    id the command runs as. Limits that count the sandbox's processes are set inside it.
    """
    args = ["bwrap", "--die-with-parent", "--clearenv"]
    args += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if uid is None:
        args += ["--unshare-user", "--disable-userns"]
    args += system_mounts()
    args += ["--proc", "/proc", "--dev", "/dev",
             "--size", str(limits.scratch), "--perms", "1777", "--tmpfs", "/tmp",
             "--size", str(64 << 20), "--perms", "1777", "--tmpfs", "/dev/shm"]
    paths = readable_paths()
    # folders on the way are made searchable (bwrap would make them 0700 when run as root)
    parents = {str(p) for path in [*paths, Path(writable)] for p in path.parents}
    for parent in sorted(parents - {"/", "/tmp"}):
        args += ["--perms", "0755", "--dir", parent]
    for path in paths:
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(writable), str(writable)]
    # matplotlib's font list, so that the first plot does not rebuild it (seconds per kernel)
    args += ["--dir", "/tmp/.matplotlib", "--chmod", "1777", "/tmp/.matplotlib"]
    for cached in glob.glob(os.path.join(course_environment()["MPLCONFIGDIR"], "fontlist-*.json")):
        args += ["--ro-bind", cached, f"/tmp/.matplotlib/{os.path.basename(cached)}"]
    args += ["--remount-ro", "/", "--chdir", "/tmp"]
    for name, value in sorted(kernel_environment(environ or os.environ).items()):
        args += ["--setenv", name, value]
    inside = ["prlimit", f"--nproc={limits.processes}", f"--as={limits.memory}", f"--fsize={limits.file_size}",
              "--core=0", "--"]
    if uid is not None:
        inside += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                   "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args + inside + list(command)


def kernel_argv(limits):
    """The kernel spec's command: this module, with the limits, then the connection file.

    The connection file must be in a folder of its own: the sandbox may write that folder.
    """
    options = [f"--{field.name.replace('_', '-')}={getattr(limits, field.name)}" for field in fields(Limits)]
    return [PYTHON, "-m", "rnnlab.sandbox", *options, "{connection_file}"]


def write_kernel_spec(folder, limits):
    """Write the sandboxed Python kernel spec into ``folder/kernels/``; returns ``folder`` (for JUPYTER_PATH).

    The kernel is interrupted by a message, not a signal: a signal would reach bwrap, not the kernel.
    """
    spec = Path(folder) / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": kernel_argv(limits), "display_name": "Python 3 (sandboxed for grading)",
        "language": "python", "interrupt_mode": "message", "metadata": {"debugger": False}}, indent=1))
    return Path(folder)


def unavailable():
    """None when a sandbox can be made on this machine, else why not."""
    if sys.platform != "linux":
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    with tempfile.TemporaryDirectory(prefix="rnnlab-") as folder:
        os.chmod(folder, 0o777)
        uid = UID_BASE if os.geteuid() == 0 else None
        probe = [PYTHON, "-c", "import rnnlab, numpy, ipykernel"]
        try:
            result = subprocess.run(bwrap_command(probe, folder, Limits(), uid), capture_output=True,
                                    text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return "a trial sandbox did not finish in 120 s"
    if result.returncode != 0:
        return f"a trial sandbox failed: {(result.stderr.strip() or 'no message').splitlines()[-1]}"
    return None


def main(argv=None):
    """Start a kernel in the sandbox (the command of the kernel spec; it replaces itself with bwrap)."""
    parser = argparse.ArgumentParser(description="Start an IPython kernel in a bubblewrap sandbox.")
    for field in fields(Limits):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=int, default=field.default)
    parser.add_argument("connection_file")
    args, kernel_options = parser.parse_known_args(argv)  # the rest is for the kernel (as jupyter adds them)
    limits = Limits(**{field.name: getattr(args, field.name) for field in fields(Limits)})
    folder = os.path.dirname(os.path.abspath(args.connection_file))
    uid = None
    if os.geteuid() == 0:
        # The kernel's user must read its connection file (jupyter writes it 0600) and make its
        # sockets beside it: rnnlab-grade puts it in a 1777 folder inside a folder only root enters.
        uid = UID_BASE + os.getpid()
        os.chmod(args.connection_file, 0o644)
        join_control_group(limits.memory)
    # The kernel's own stdout/stderr would flow into the grader's log unbounded: drop them (its
    # outputs reach the grader as messages, which the grader limits).
    log = os.open(os.environ.get("RNNLAB_SANDBOX_LOG", os.devnull), os.O_RDWR | os.O_CREAT | os.O_APPEND)
    for fd in (0, 1, 2):
        os.dup2(log, fd)
    connection_file = os.path.abspath(args.connection_file)
    command = [PYTHON, "-m", "ipykernel_launcher", "-f", connection_file, *kernel_options]
    os.execvp("bwrap", bwrap_command(command, folder, limits, uid))


if __name__ == "__main__":
    main()
