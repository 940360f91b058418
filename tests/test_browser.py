"""A real browser drives JupyterLab on the course.

The student's JupyterLab (as ``make lab`` starts it, ``rnnlab.lab``) runs from this environment on a
copy of ``course/``, ``solutions/`` and ``assets/`` in a temporary folder (nothing is written into the
repository). What a student meets first: the start page opens as a page without a kernel, no
instructor tool of nbgrader shows, an untouched notebook opened and closed stays unchanged, and a
failed visible test shows its message alone. Debian's Chromium, driven by Playwright, opens a
notebook, runs all cells, and plays with its widgets. In depth: the hidden-state explorer of
03_rnn_model (moving the slider ``t``, picking another example and typing a text must each redraw
the figure, and an invalid text must show a message instead of crashing) and the name generator of
A2_dinosaur_island (a prefix, new names, an invalid prefix) and the jazz studio of
A3_jazz_improvisation (new takes, new audio). Every other notebook with a widget: each widget must
draw and redraw when one of its controls moves. The kernels run with ``NBGRADER_EXECUTION`` set, as
when graded, so long training runs are shortened or skipped (tests/test_notebooks.py runs them in
full).

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``); Playwright's own
browser downloads are not used.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from rnnlab.build import load_syllabus
from rnnlab.lab import lab_command, lab_environment
from rnnlab.settings import START_PAGE

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK = "solutions/03_rnn_model.ipynb"

SERVER_START_TIMEOUT = 90  # s, JupyterLab answering /api/status
KERNEL_START_TIMEOUT = 60  # s, the notebook's kernel idle
RUN_ALL_TIMEOUT = 120  # s, all cells run and the explorer drawn
UPDATE_TIMEOUT = 20  # s, one interaction redrawn

# Errors and tracebacks in JupyterLab's output areas.
STDERR_OUTPUTS = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_json(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


class LabServer:
    """A JupyterLab server started for one test."""

    def __init__(self, root, work):
        self.root = root
        self.port = _free_port()
        self.token = secrets.token_hex(24)
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = work / "jupyterlab.log"
        settings = work / "lab-settings"
        # Every cell kept in the DOM (no windowing), so the tests can find them.
        _write_json(settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings",
                    {"windowingMode": "none"})
        # The student's JupyterLab, as `make lab` starts it (rnnlab.lab), in a scratch configuration.
        env = lab_environment(base=dict(
            os.environ,
            RNNLAB_ASSETS=str(root / "assets"),
            JUPYTER_CONFIG_DIR=str(work / "jupyter-config"),
            JUPYTER_RUNTIME_DIR=str(work / "jupyter-runtime"),
            IPYTHONDIR=str(work / "ipython"),
            NBGRADER_EXECUTION="autograde"))  # notebooks shorten or skip their training, as when graded
        command = lab_command(root, f"/lab/tree/course/{START_PAGE}") + [
            "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
            "--ServerApp.terminals_enabled=False",
            f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={work / 'lab-workspaces'}",
        ]
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def log_tail(self, lines=40):
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_until_up(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"JupyterLab exited with code {self.process.returncode} while starting; "
                                     f"its log ends with:\n{self.log_tail()}")
            try:
                self.api("/api/status")
                return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"JupyterLab did not answer /api/status within {timeout} s; "
                                     f"its log ends with:\n{self.log_tail()}")
            time.sleep(0.25)

    def wait_for_idle_kernel(self, timeout):
        """Wait until a kernel session exists and its kernel reports ``idle``."""
        deadline = time.monotonic() + timeout
        sessions = []
        while time.monotonic() < deadline:
            try:
                sessions = self.api("/api/sessions")
            except (urllib.error.URLError, OSError, ValueError):
                sessions = []
            if sessions and all(s["kernel"]["execution_state"] == "idle" for s in sessions):
                return
            time.sleep(0.25)
        raise AssertionError(f"the notebook's kernel was not idle within {timeout} s (sessions: {sessions}); "
                             f"JupyterLab's log ends with:\n{self.log_tail()}")

    def shut_down_kernels(self):
        """End every session and kernel, so the next notebook starts on a quiet server."""
        try:
            for session in self.api("/api/sessions"):
                self.api(f"/api/sessions/{session['id']}", method="DELETE")
            for kernel in self.api("/api/kernels"):
                self.api(f"/api/kernels/{kernel['id']}", method="DELETE")
        except (urllib.error.URLError, OSError, ValueError):
            pass

    def stop(self):
        """Shut the kernels down, then end the server's process group (forcibly if it lingers)."""
        if self.process.poll() is None:
            self.shut_down_kernels()
            for sig, grace in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
                try:
                    os.killpg(self.process.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.process.wait(grace)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._log.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The student's JupyterLab serving a copy of course/, solutions/ and assets/; stopped in teardown
    whatever happens."""
    assert (REPO / NOTEBOOK).exists(), f"{NOTEBOOK} is missing: build it with `rnnlab-build` first"
    work = tmp_path_factory.mktemp("lab")
    root = work / "course"
    root.mkdir()
    shutil.copytree(REPO / "course", root / "course")
    shutil.copytree(REPO / "solutions", root / "solutions")
    shutil.copytree(REPO / "assets", root / "assets")
    server = LabServer(root, work)
    try:
        server.wait_until_up(SERVER_START_TIMEOUT)
        yield server
    finally:
        server.stop()


def _drive(browser, lab, tmp_path, drive):
    """Run ``drive(page)`` on a fresh page; on failure print a screenshot path, the console errors and
    the server's log. Afterwards close the page and shut the kernels down."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    try:
        drive(page)
    except BaseException:
        try:
            page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
        except PlaywrightError:
            pass
        print(f"screenshot: {tmp_path / 'failure.png'}\n"
              f"browser console errors: {console_errors[-10:]}\n"
              f"JupyterLab's log ends with:\n{lab.log_tail()}")
        raise
    finally:
        page.close()
        lab.shut_down_kernels()


def _open_and_run_all(page, lab, notebook_path, saved_picture_cell=None):
    """Open ``notebook_path``, clear all outputs, run all cells; return the notebook's locator once
    every code cell has run without writing to stderr.

    ``saved_picture_cell(notebook)``, if given, locates a cell whose saved static picture must show
    before the kernel runs anything.
    """
    notebook = _open(page, lab, notebook_path)
    if saved_picture_cell:  # a reader without a kernel sees the figure saved with the notebook, and its caption
        saved = saved_picture_cell(notebook).locator('.jp-OutputArea-output[data-mime-type="text/html"]')
        expect(saved.locator("img").first, "the saved static picture of the widget is not shown before running"
               ).to_be_visible()
        expect(saved.first, "the saved picture has no caption").to_contain_text("A still picture of the interactive")

    # Edit > Clear Outputs of All Cells, then Run > Run All Cells: every widget on the page is then live.
    _menu(page, "Edit", "editmenu:clear-all")
    expect(notebook.locator(".jp-OutputArea-output"), "clearing the outputs left some").to_have_count(0)
    _menu(page, "Run", "runmenu:run-all")

    code_cells = notebook.locator(".jp-CodeCell")
    deadline = time.monotonic() + RUN_ALL_TIMEOUT
    while True:
        errors = _stderr_text(page)
        if errors:
            raise AssertionError(f"running all cells wrote errors or warnings:\n{errors}")
        prompts = code_cells.locator(".jp-InputPrompt").all_inner_texts()
        not_run = [i for i, prompt in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", prompt.strip())]
        if not not_run:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"code cells {not_run} had not run {RUN_ALL_TIMEOUT} s after Run All Cells "
                                 f"(prompts {prompts})")
        page.wait_for_timeout(250)
    return notebook


def _image_state(image):
    """The ``src`` of the widget's image and a hash of the picture's bytes; None until it has loaded."""
    try:
        return image.evaluate(
        """async (img) => {
            if (!img.src || !img.complete || img.naturalWidth === 0) return null;
            const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
            let hash = 2166136261;
            for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
            return {src: img.src, hash: `${bytes.length}:${hash}`,
                    width: img.naturalWidth, height: img.naturalHeight};
        }""")
    except PlaywrightError:  # the blob was revoked by a newer picture between reading src and fetching it
        return None


def _wait_for_new_picture(page, image, before, what, timeout=UPDATE_TIMEOUT):
    """Wait until the image shows a picture other than ``before``; return its state."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = _image_state(image)
        if state and state["hash"] != before["hash"]:
            return state
        page.wait_for_timeout(100)
    raise AssertionError(f"the widget's figure did not change within {timeout} s after {what} "
                         f"(src before: {before['src']}, now: {state and state['src']})")


def _wait_for_picture(page, image, timeout=UPDATE_TIMEOUT):
    """Wait until the image has loaded a picture."""
    deadline = time.monotonic() + timeout
    while image.count() == 0 or _image_state(image) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"the widget's figure was not drawn within {timeout} s")
        page.wait_for_timeout(250)


def _wait_for_settled_picture(page, image, timeout=UPDATE_TIMEOUT):
    """Wait until the kernel is idle and the picture stops changing; return its state."""
    idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    expect(idle.first, "the kernel did not go back to idle").to_be_attached(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        state = _image_state(image)
        if state and last and state["hash"] == last["hash"]:
            return state
        last = state
        page.wait_for_timeout(300)
    raise AssertionError(f"the widget's figure kept changing for {timeout} s")


def _stderr_text(page):
    return "\n---\n".join(text.strip()[-1500:] for text in page.locator(STDERR_OUTPUTS).all_inner_texts())


STUDENT_NOTEBOOK = "course/07_sampling.ipynb"
EXERCISE = "def softmax_with_temperature("
# The exercise written with a usual mistake (the temperature is ignored), as a student might.
WRONG_SOLUTION = """def softmax_with_temperature(z, temperature):
    e = np.exp(z - np.max(z))
    return e / e.sum()"""


def test_students_jupyterlab(browser, lab, tmp_path):
    """The start page, the menus, an untouched notebook opened and closed, an untouched exercise and a
    failed visible test, as a student meets them."""
    _drive(browser, lab, tmp_path, lambda page: _drive_student(page, lab, tmp_path))


def _drive_student(page, lab, tmp_path):
    # `make lab` opens the start page, rendered, and starts no kernel: it has no code.
    page.goto(f"{lab.base}/?token={lab.token}", wait_until="domcontentloaded")
    start = page.locator(".jp-RenderedMarkdown")
    expect(start.locator("h1"), "the start page is not shown as a rendered page").to_contain_text(
        load_syllabus()["title"], timeout=60_000)
    page.wait_for_timeout(1000)
    assert lab.api("/api/sessions") == [], "opening the start page started a kernel"

    # No instructor tool of nbgrader: no "Nbgrader" menu, no Create Assignment panel.
    menus = page.locator(".lm-MenuBar-itemLabel").all_inner_texts()
    assert "Run" in menus and "Nbgrader" not in menus, f"the menus are {menus}"
    expect(page.locator('.jp-SideBar .lm-TabBar-tab[data-id^="nbgrader"]'),
           "nbgrader's Create Assignment panel is in the sidebar").to_have_count(0)
    for endpoint in ("/formgrader", "/assignments", "/courses"):  # nbgrader's instructor server extensions
        with pytest.raises(urllib.error.HTTPError, match="404"):
            lab.api(endpoint)

    # An untouched notebook opened from the start page, then closed: unchanged, no "save?" question.
    saved = (lab.root / STUDENT_NOTEBOOK).read_bytes()
    start.get_by_role("link", name="Sampling novel sequences").click()
    notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
    expect(notebook, "the link of the start page did not open the notebook").to_be_visible(timeout=60_000)
    lab.wait_for_idle_kernel(KERNEL_START_TIMEOUT)
    page.wait_for_timeout(1500)  # the kernel's info has reached the notebook's metadata
    tab = page.locator("#jp-main-dock-panel .lm-TabBar-tab.jp-mod-current")
    expect(tab, "the current tab is not the notebook").to_contain_text("07_sampling")
    expect(tab, "opening an untouched notebook marked it as changed").not_to_have_class(re.compile("jp-mod-dirty"))
    expect(page.locator(".jp-NotebookPanel-toolbar .validate-button"),
           "the notebook's toolbar has no Validate button").to_be_visible()
    tab.locator(".lm-TabBar-tabCloseIcon").click()
    expect(page.locator(".jp-NotebookPanel"), "closing the notebook did not close it").to_have_count(0)
    expect(page.locator(".jp-Dialog"), "closing an untouched notebook asked a question").to_have_count(0)
    assert (lab.root / STUDENT_NOTEBOOK).read_bytes() == saved, "opening and closing changed the file"

    # Run all cells of the untouched notebook: the first test stops at the exercise and says what to do.
    notebook = _open(page, lab, STUDENT_NOTEBOOK)
    _menu(page, "Run", "runmenu:run-all")
    cells = notebook.locator(".jp-CodeCell")
    index = next(i for i, text in enumerate(cells.locator(".jp-InputArea").all_inner_texts()) if EXERCISE in text)
    exercise, test = cells.nth(index), cells.nth(index + 1)
    expect(test.locator(".jp-OutputArea-output"), "the test of an untouched exercise does not say what to do"
           ).to_contain_text("NotImplementedError: not written yet: replace this line with your code",
                             timeout=UPDATE_TIMEOUT * 1000)

    # Write the exercise with a usual mistake and run it and its test: the message alone, no traceback.
    exercise.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(WRONG_SOLUTION)
    page.keyboard.press("Shift+Enter")
    page.keyboard.press("Shift+Enter")
    output = test.locator(".jp-OutputArea-output")
    expect(output, "the failed test does not name the mistake").to_contain_text(
        "Hint: this is what happens with: the temperature is ignored", timeout=UPDATE_TIMEOUT * 1000)
    message = output.inner_text()
    assert message.startswith("Test failed: "), f"the failed test's output does not start with its message:\n{message}"
    assert not re.search(r"Traceback|checks\.py|CheckFailed|File \"", message), \
        f"the failed test shows a traceback:\n{message}"
    test.screenshot(path=str(tmp_path / "failed_test.png"))
    expect(page.locator(".Toastify__toast", has_text="news"), "JupyterLab asks about Jupyter news").to_have_count(0)


def _menu(page, menu, command):
    """Click the item ``command`` of the menu bar's ``menu``."""
    page.locator(".lm-MenuBar").get_by_role("menuitem", name=menu, exact=True).click()
    page.locator(f'.lm-Menu li.lm-Menu-item[data-command="{command}"]').click()


def _open(page, lab, notebook_path):
    """Open ``notebook_path`` in a workspace of its own (so JupyterLab does not reopen the notebooks of
    earlier tests beside it) and wait for its kernel; return the notebook's locator."""
    workspace = re.sub(r"[/_.]", "-", notebook_path)  # course/ and solutions/ notebooks of one name differ
    page.goto(f"{lab.base}/lab/workspaces/{workspace}/tree/{notebook_path}?token={lab.token}",
              wait_until="domcontentloaded")
    notebook = page.locator(".jp-NotebookPanel .jp-Notebook")
    expect(notebook, "JupyterLab did not show the notebook").to_be_visible(timeout=60_000)
    lab.wait_for_idle_kernel(KERNEL_START_TIMEOUT)
    return notebook


def test_hidden_state_explorer_reacts_in_jupyterlab(browser, lab, tmp_path):
    _drive(browser, lab, tmp_path, lambda page: _drive_explorer(page, lab, tmp_path))


def _drive_explorer(page, lab, tmp_path):
    explorer_code = "HiddenStateExplorer(step_fn=rnn_step)"
    notebook = _open_and_run_all(page, lab, NOTEBOOK,
                                 lambda nb: nb.locator(".jp-CodeCell").filter(has_text=explorer_code))
    explorer_cell = notebook.locator(".jp-CodeCell").filter(has_text=explorer_code)
    expect(explorer_cell, f"no code cell builds `{explorer_code}`").to_have_count(1)
    explorer = explorer_cell.locator(".widget-vbox").filter(has=page.locator("img.widget-image")).first
    image = explorer.locator("img.widget-image")
    _wait_for_picture(page, image)

    # The widget: example Dropdown and text, Play and slider t, the figure, a status line.
    dropdown = explorer.locator(".widget-dropdown").filter(has=page.locator("label", has_text="example"))
    text = explorer.locator(".widget-text").filter(
        has=page.locator("label", has_text="text")).locator("input")
    slider = explorer.locator(".widget-slider").filter(has=page.locator("label", has_text=re.compile(r"^t$")))
    handle = slider.locator(".noUi-handle")
    readout = slider.locator(".widget-readout")
    status = explorer.locator(".widget-html-content")
    expect(dropdown, "the explorer has no Dropdown 'example'").to_have_count(1)
    expect(text, "the explorer has no Text 'text'").to_have_count(1)
    expect(explorer.locator(".widget-play"), "the explorer has no Play widget").to_have_count(1)
    expect(slider, "the explorer has no IntSlider 't'").to_have_count(1)
    expect(status, "the explorer has no status line").to_have_count(1)
    explorer.scroll_into_view_if_needed()

    picture = _wait_for_settled_picture(page, image)
    assert picture["width"] > 300 and picture["height"] > 100, f"the figure is only {picture} pixels"
    expect(readout, "the slider t should start at 1").to_have_text("1")
    expect(status, "the status line shows a message after running the solution").to_have_text("")
    first_example = dropdown.locator("select").input_value()
    expect(text, "the text box should hold the chosen example").to_have_value(first_example)
    expect(handle).to_have_attribute("aria-valuemax", re.compile(rf"^{len(first_example)}(\.0)?$"))
    page.screenshot(path=str(tmp_path / "explorer_t1.png"))

    # Move the slider t with the keyboard: 1 -> 4.
    handle.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(readout, "the slider's readout did not follow the arrow keys").to_have_text("4")
    moved = _wait_for_new_picture(page, image, picture, "moving the slider t from 1 to 4")
    assert moved["src"] != picture["src"], "the image's src did not change after moving the slider"
    moved = _wait_for_settled_picture(page, image)
    assert moved["hash"] != picture["hash"], "the figure at t=4 is the same as at t=1"
    page.screenshot(path=str(tmp_path / "explorer_t4.png"))

    # Pick another example: the text box, the slider's range and the figure follow.
    options = dropdown.locator("option").evaluate_all("options => options.map(o => o.value)")
    assert len(options) >= 2, f"the 'example' Dropdown offers only {options}"
    other = next(option for option in options if option != first_example)
    dropdown.locator("select").select_option(value=other)
    expect(text, "the text box did not take the chosen example").to_have_value(
        other, timeout=UPDATE_TIMEOUT * 1000)
    switched = _wait_for_new_picture(page, image, moved, f"choosing the example {other!r}")
    assert switched["src"] != moved["src"], "the image's src did not change after choosing another example"
    expect(handle, "the slider's range did not follow the new example").to_have_attribute(
        "aria-valuemax", re.compile(rf"^{len(other)}(\.0)?$"), timeout=UPDATE_TIMEOUT * 1000)
    expect(readout, "the slider t moved when the example changed").to_have_text("4")
    switched = _wait_for_settled_picture(page, image)
    expect(status, "the status line shows a message after choosing an example").to_have_text("")

    # Type a text of one's own: the student's rnn_step runs on it.
    typed = "hello, world."
    text.fill(typed)
    text.press("Enter")
    typed_picture = _wait_for_new_picture(page, image, switched, f"typing {typed!r}")
    expect(handle, "the slider's range did not follow the typed text").to_have_attribute(
        "aria-valuemax", re.compile(rf"^{len(typed)}(\.0)?$"), timeout=UPDATE_TIMEOUT * 1000)
    typed_picture = _wait_for_settled_picture(page, image)
    expect(status, "the status line shows a message for a valid text").to_have_text("")
    explorer.screenshot(path=str(tmp_path / "explorer_typed.png"))

    # A character outside the vocabulary: a message on the status line, the figure left as it was.
    text.fill("hello!")
    text.press("Enter")
    expect(status, "typing a character outside the vocabulary gave no message").to_contain_text(
        "not in the vocabulary", timeout=UPDATE_TIMEOUT * 1000)
    after_error = _wait_for_settled_picture(page, image)
    assert after_error["hash"] == typed_picture["hash"], "the figure changed although the text was invalid"
    assert not _stderr_text(page), f"the interactions wrote errors:\n{_stderr_text(page)}"

    page.screenshot(path=str(tmp_path / "explorer.png"), full_page=True)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


IN_DEPTH = {Path(NOTEBOOK).stem, "A2_dinosaur_island", "A3_jazz_improvisation"}  # notebooks with a test of their own


def _notebooks_with_widgets():
    """The worked notebooks, other than those tested in depth, whose saved outputs hold a widget."""
    names = []
    for path in sorted((REPO / "solutions").glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        if path.stem not in IN_DEPTH and any(
                WIDGET_VIEW in output.get("data", {})
                for cell in notebook["cells"] if cell["cell_type"] == "code" for output in cell["outputs"]):
            names.append(path.stem)
    return names


@pytest.mark.parametrize("name", _notebooks_with_widgets())
def test_every_widget_reacts_in_jupyterlab(browser, lab, tmp_path, name):
    _drive(browser, lab, tmp_path, lambda page: _drive_widgets(page, lab, f"solutions/{name}.ipynb"))


def _drive_widgets(page, lab, notebook_path):
    """Run all cells, then move one control of every widget with a figure; returns the notebook."""
    notebook = _open_and_run_all(page, lab, notebook_path)
    # A widget's output area (JupyterLab gives it no mime-type attribute) holding the figure's image.
    widgets_with_figures = notebook.locator(".jp-OutputArea-output").filter(has=page.locator("img.widget-image"))
    expect(widgets_with_figures.first, "no widget drew a figure after Run All Cells").to_be_attached(
        timeout=UPDATE_TIMEOUT * 1000)
    count = widgets_with_figures.count()
    for index in range(count):
        widget = widgets_with_figures.nth(index)
        widget.scroll_into_view_if_needed()
        image = widget.locator("img.widget-image").first
        _wait_for_picture(page, image)
        before = _wait_for_settled_picture(page, image)
        assert before["width"] > 300 and before["height"] > 100, f"widget {index}: the figure is only {before}"
        what = _move_a_control(page, widget)
        _wait_for_new_picture(page, image, before, f"{what} (widget {index} of {notebook_path})")
        _wait_for_settled_picture(page, image)
    assert not _stderr_text(page), f"the interactions wrote errors:\n{_stderr_text(page)}"
    return notebook


def test_name_generator_reacts_in_jupyterlab(browser, lab, tmp_path):
    """Assignment 2: every widget reacts; the name generator takes a prefix, draws new names, and
    explains an invalid prefix."""
    _drive(browser, lab, tmp_path, lambda page: _drive_name_generator(page, lab, tmp_path))


def _widget_after_run_all(page, lab, notebook_path, code):
    """Run all cells of the notebook and move every widget (``_drive_widgets``); then return the
    widget built by the code cell holding ``code``, its image, and its settled picture."""
    notebook = _drive_widgets(page, lab, notebook_path)
    cell = notebook.locator(".jp-CodeCell").filter(has_text=code)
    expect(cell, f"no code cell holds `{code}`").to_have_count(1)
    widget = cell.locator(".widget-vbox").filter(has=page.locator("img.widget-image")).first
    widget.scroll_into_view_if_needed()
    image = widget.locator("img.widget-image")
    return widget, image, _wait_for_settled_picture(page, image)


def _drive_name_generator(page, lab, tmp_path):
    generator, image, before = _widget_after_run_all(page, lab, "solutions/A2_dinosaur_island.ipynb",
                                                     "NameGenerator(sample, parameters")
    prefix = generator.locator(".widget-text").filter(has=page.locator("label", has_text="prefix")).locator("input")
    names = generator.locator(".widget-dropdown").filter(
        has=page.locator("label", has_text="inspect")).locator("option")
    status = generator.locator(".widget-html-content")

    def listed():
        """The names of the batch, from the options "k: name" of the dropdown "inspect" (ipywidgets
        writes their spaces as non-breaking spaces)."""
        return [text.replace("\xa0", " ").split(": ", 1)[-1] for text in names.all_inner_texts()]

    def wait_for_names(condition, what):
        deadline = time.monotonic() + UPDATE_TIMEOUT
        while not condition(listed()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: the names listed are {listed()}")
            page.wait_for_timeout(200)
        return listed()

    first = listed()
    prefix.fill("tyr")
    prefix.press("Enter")
    _wait_for_new_picture(page, image, before, "typing the prefix 'tyr'")
    batch = wait_for_names(lambda now: len(now) == 8 and all(name.startswith("tyr") for name in now),
                           "not every name starts with the prefix 'tyr'")
    assert batch != first
    forced = _wait_for_settled_picture(page, image)
    expect(status, "a valid prefix gave a message").to_have_text("")

    generator.get_by_role("button", name="New names").click()
    _wait_for_new_picture(page, image, forced, "clicking 'New names'")
    wait_for_names(lambda now: now != batch and all(name.startswith("tyr") for name in now),
                   "'New names' did not draw new names with the prefix")
    renewed = _wait_for_settled_picture(page, image)

    prefix.fill("t3x")
    prefix.press("Enter")
    expect(status, "an invalid prefix gave no message").to_contain_text("letters a–z only",
                                                                        timeout=UPDATE_TIMEOUT * 1000)
    _wait_for_new_picture(page, image, renewed, "typing the invalid prefix 't3x'")
    assert not _stderr_text(page), f"the interactions wrote errors:\n{_stderr_text(page)}"
    generator.screenshot(path=str(tmp_path / "name_generator.png"))


def test_jazz_studio_reacts_in_jupyterlab(browser, lab, tmp_path):
    """Assignment 3: every widget reacts; the jazz studio's "Improvise" gives a new piano roll and new
    audio in its player."""
    _drive(browser, lab, tmp_path, lambda page: _drive_jazz_studio(page, lab, tmp_path))


def _drive_jazz_studio(page, lab, tmp_path):
    studio, image, before = _widget_after_run_all(page, lab, "solutions/A3_jazz_improvisation.ipynb",
                                                  "JazzStudio(sample_with_temperature")
    audio = studio.locator("audio")
    expect(audio, "the studio has no audio player").to_have_count(1)
    sound = audio.get_attribute("src")
    assert sound, "the studio's audio player has no sound"
    studio.get_by_role("button", name="Improvise").click()
    _wait_for_new_picture(page, image, before, "clicking 'Improvise'")
    expect(audio, "'Improvise' did not put new sound in the player").not_to_have_attribute(
        "src", sound, timeout=UPDATE_TIMEOUT * 1000)
    seconds = audio.evaluate("""(a) => new Promise((done) => {
        if (a.readyState >= 1) done(a.duration);
        a.addEventListener("loadedmetadata", () => done(a.duration), {once: true});
        a.load(); })""")
    assert seconds > 5, f"the studio's new audio lasts {seconds} s"
    expect(studio.locator(".widget-html-content"), "the studio shows a message").to_have_text("")
    assert not _stderr_text(page), f"the interactions wrote errors:\n{_stderr_text(page)}"
    studio.screenshot(path=str(tmp_path / "jazz_studio.png"))


def _move_a_control(page, widget):
    """Move the widget's first slider by one step, else pick another option of its first dropdown,
    else press another of its toggle buttons; return what was done."""
    handles = widget.locator(".widget-slider .noUi-handle")
    if handles.count():
        handle = handles.first
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.focus()
        page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
        return "moving its first slider one step"
    selects = widget.locator(".widget-dropdown select")
    if selects.count():
        select = selects.first
        options = select.locator("option").evaluate_all("options => options.map(o => o.value)")
        other = next(option for option in options if option != select.input_value())
        select.select_option(value=other)
        return f"choosing {other!r} in its first dropdown"
    buttons = widget.locator(".widget-toggle-buttons button:not(.mod-active)")
    assert buttons.count(), "the widget has no slider, dropdown or toggle buttons to move"
    buttons.first.click()
    return "pressing another of its toggle buttons"
