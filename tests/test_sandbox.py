"""The sandbox that student kernels run in, tried directly with small Python programs."""

import os
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import REPO
from rnnlab import sandbox

NO_SANDBOX = sandbox.unavailable()
pytestmark = pytest.mark.skipif(NO_SANDBOX is not None, reason=f"no sandbox: {NO_SANDBOX}")


@pytest.fixture
def run(tmp_path):
    """``run(code, **limits)``: the CompletedProcess of ``python -c code`` in a sandbox whose writable
    folder is ``tmp_path/k``."""
    writable = tmp_path / "k"
    writable.mkdir(mode=0o1777)
    writable.chmod(0o1777)

    def run(code, **limits):
        uid = sandbox.UID_BASE if os.geteuid() == 0 else None
        environ = {**os.environ, "GRADER_SECRET": "s3cret", "NBGRADER_EXECUTION": "autograde"}
        command = sandbox.bwrap_command([sys.executable, "-c", code], writable, sandbox.Limits(**limits), uid,
                                        environ=environ)
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    run.writable = writable
    return run


def test_reads_only_what_a_notebook_needs(run):
    result = run(f"""
import os, rnnlab, numpy, matplotlib
for path in {[str(REPO / "autograder"), str(REPO / "solutions"), str(REPO / "course"), "/etc/shadow", "/home"]!r}:
    print(path, os.path.exists(path))
print("assets", os.path.isdir({str(REPO / "assets")!r}))
""")
    assert result.returncode == 0, result.stderr
    assert "True" not in result.stdout.replace("assets True", "")
    assert "assets True" in result.stdout


def test_writes_only_its_scratch_and_its_folder(run):
    result = run(f"""
import os
for path in ["/tmp/scratch.txt", {str(run.writable / "socket.txt")!r}, {str(REPO / "pwned.txt")!r},
             "/usr/pwned.txt", "/pwned.txt"]:
    try:
        open(path, "w").write("x")
        print("wrote", path)
    except OSError as error:
        print("refused", path, error.errno)
""")
    assert result.returncode == 0, result.stderr
    wrote = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("wrote")]
    assert wrote == ["/tmp/scratch.txt", str(run.writable / "socket.txt")]
    assert not (REPO / "pwned.txt").exists()


def test_no_network_and_no_grader_secrets(run):
    result = run("""
import os, socket
try:
    socket.create_connection(("1.1.1.1", 443), timeout=3)
    print("connected")
except OSError as error:
    print("refused", error.errno)
print(sorted(os.environ))
print(os.environ["NBGRADER_EXECUTION"], os.getcwd())
""")
    assert result.returncode == 0, result.stderr
    assert "connected" not in result.stdout and "GRADER_SECRET" not in result.stdout
    assert "autograde /tmp" in result.stdout


def test_memory_processes_and_file_size_are_capped(run):
    result = run("""
import os, resource, numpy
try:
    numpy.ones(1 << 28)  # 2 GiB
    print("allocated")
except MemoryError:
    print("MemoryError")
print(resource.getrlimit(resource.RLIMIT_NPROC)[0])
try:
    with open("/tmp/big", "wb") as handle:
        handle.write(b"x" * (2 << 20))
    print("wrote a big file")
except OSError as error:
    print("file refused", error.errno)
""", memory=1 << 30, processes=50, file_size=1 << 20)
    assert result.stdout.split() == ["MemoryError", "50", "file", "refused", "27"], result.stderr


def test_every_process_ends_with_the_sandbox(run):
    """A detached process that would write a file after the sandbox's main process has ended never does."""
    late = run.writable / "late.txt"
    result = run(f"""
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2); open({str(late)!r}, 'w').write('x')"],
                 start_new_session=True)
print("started")
""")
    assert result.stdout.strip() == "started"
    time.sleep(3)
    assert not late.exists()


BUSY_FOR_3_S = "import time\nend = time.time() + 3\nwhile time.time() < end:\n    pass\n"


@pytest.mark.skipif(os.geteuid() != 0 or not sandbox.control_groups_work(), reason="control groups need root")
def test_a_busy_sandbox_does_not_starve_another(tmp_path):
    """Eight busy processes in one sandbox, one in another: each sandbox gets an equal share of the
    processors (its own control group), not each process (measured 1.9 s of 3 s, against 0.6 s)."""
    def start(code):
        folder = tempfile.mkdtemp(dir=tmp_path)
        command = sandbox.bwrap_command([sys.executable, "-c", code], folder, sandbox.Limits(),
                                        sandbox.UID_BASE + 7)
        return subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                                preexec_fn=lambda: sandbox.join_control_group(1 << 30))

    hog = start("import os, time\nfor _ in range(7):\n    if os.fork() == 0:\n        break\n" + BUSY_FOR_3_S * 3)
    try:
        time.sleep(1)
        probe = start(BUSY_FOR_3_S + "print(time.process_time())")
        assert float(probe.communicate(timeout=60)[0]) > 1.0
    finally:
        hog.kill()
        hog.wait()
    time.sleep(0.5)
    sandbox.remove_finished_groups()
    assert not [group for folder, _ in sandbox.control_groups() for group in folder.glob("rnnlab-*")]
