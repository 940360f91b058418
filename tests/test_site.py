"""The static reading site (``make site``) read offline in a real browser.

The site is built from ``solutions/`` into a temporary folder and served on loopback, as a static
web host would. Headless Chromium (Debian's, one for the module) opens every page with every
request outside the site blocked and recorded, and checks what a reader with no network must get:
no failed or outside request, every equation typeset (no raw ``$`` or ``\\(`` left in the text),
every widget output showing its stored picture with its caption (never the text fallback
``VBox(children=...)``), every image and audio player loaded, the note on how to run the notebook,
and next-page links that walk the course in the order of ``autograder/syllabus.toml``.
"""

import functools
import http.server
import threading

import nbformat
import pytest

from conftest import REPO
from rnnlab.build import written_assignments
from rnnlab.site import WIDGET_VIEW, build_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGE_TIMEOUT = 60_000  # ms, a page loaded and its equations typeset

# The text a reader sees outside code: what must not still look like TeX.
PROSE_TEXT = """() => {
    const article = document.querySelector("article").cloneNode(true);
    article.querySelectorAll("pre, code, .highlight, mjx-container").forEach(node => node.remove());
    return article.innerText;
}"""

# Waits for MathJax's first typesetting, then reports on the equations, pictures and players.
PAGE_REPORT = """async () => {
    if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
    const audios = [...document.querySelectorAll("audio")];
    await Promise.all(audios.map(audio => audio.readyState >= 1 ? null : new Promise(done => {
        audio.addEventListener("loadedmetadata", done, {once: true});
        audio.addEventListener("error", done, {once: true});
    })));
    const images = [...document.querySelectorAll("article img")];
    await Promise.all(images.map(image => image.complete ? null : new Promise(done => {
        image.addEventListener("load", done, {once: true});
        image.addEventListener("error", done, {once: true});
    })));
    const math = [...document.querySelectorAll("article .math")];
    return {
        math: math.length,
        untypeset: math.filter(node => !node.querySelector("mjx-container svg"))
                       .map(node => node.textContent.slice(0, 80)),
        tex_errors: document.querySelectorAll("mjx-merror").length,
        broken_images: images.filter(image => !(image.complete && image.naturalWidth > 0))
                             .map(image => image.src.slice(0, 80)),
        images: images.length,
        widget_pictures: [...document.querySelectorAll(".rnnlab-widget-picture")].filter(
            picture => { const image = picture.querySelector("img"); return image && image.naturalWidth > 0; }).length,
        progress_bars: document.querySelectorAll("article progress").length,
        audios: audios.map(audio => ({ready: audio.readyState, duration: audio.duration})),
        next: document.querySelector("a.right-next")?.getAttribute("href") ?? null,
        run_note: [...document.querySelectorAll(".admonition")].some(note => note.innerText.includes("make lab")),
        commands: ["make lab", "make test"].every(
            command => document.querySelector("article").innerText.includes(command)),
    };
}"""


def widget_outputs(notebook_id):
    """How many outputs of ``solutions/<id>.ipynb`` are widgets with a stored picture, and how many
    are finished progress bars."""
    notebook = nbformat.read(REPO / "solutions" / f"{notebook_id}.ipynb", as_version=4)
    outputs = [output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", [])]
    widgets = [data for data in outputs if WIDGET_VIEW in data]
    pictures = sum("image/png" in data for data in widgets)
    return pictures, len(widgets) - pictures


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built from solutions/, served on loopback: yields its address."""
    folder = build_site(tmp_path_factory.mktemp("site") / "_site", log=lambda *args: None)
    assert [path.name for path in folder.parent.iterdir()] == ["_site"], "the build left files beside the site"
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_build_never_replaces_a_folder_that_is_not_a_site(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit, match="no site made by rnnlab-site"):
        build_site(tmp_path, log=lambda *args: None)
    assert (tmp_path / "notes.txt").read_text() == "mine"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class Requests:
    """Every request of a page: outside ones are blocked and kept, as are failures."""

    def __init__(self, page, site):
        self.site, self.outside, self.failed, self.served = site, [], [], 0
        page.route("**/*", self.route)
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url[:100]} ({request.failure})"))
        page.on("response", lambda response: response.status >= 400 and self.failed.append(
            f"{response.url[:100]} (HTTP {response.status})"))

    def route(self, route):
        url = route.request.url
        if url.startswith(self.site) or url.startswith("data:"):
            self.served += 1
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("blockedbyclient")


def test_every_page_reads_offline_in_course_order(browser, site):
    order = written_assignments()
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(PAGE_TIMEOUT)
    requests = Requests(page, site)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        visited, problems, totals = [], [], {"math": 0, "widget_pictures": 0, "images": 0, "audios": 0}
        href = "index.html"
        while href:  # the start page, then each page's "next" link
            page.goto(site + href, wait_until="load")
            report = page.evaluate(PAGE_REPORT)
            prose = page.evaluate(PROSE_TEXT)
            name = href.removesuffix(".html")
            visited.append(name)
            problems += check_page(name, report, prose)
            for key in totals:
                totals[key] += report[key] if key != "audios" else len(report[key])
            href = report["next"]
        page.goto(site + "search.html?q=hidden+state", wait_until="load")
        page.locator("#search-results li").first.wait_for()  # search works from the local index
    finally:
        context.close()

    print(f"read {len(visited)} pages and the search page offline: {requests.served} requests served by the "
          f"site, {len(requests.outside)} outside (blocked), {len(requests.failed)} failed; "
          f"{totals['math']} equations typeset, {totals['images']} images "
          f"({totals['widget_pictures']} widget pictures), {totals['audios']} audio players loaded")
    assert visited == ["index", *order], "the next-page links do not walk the course in order"
    assert not problems, "\n".join(problems)
    assert not requests.outside, f"pages asked for things outside the site: {sorted(set(requests.outside))}"
    assert not requests.failed, f"requests failed: {requests.failed}"
    assert not errors, f"script errors: {errors}"


def check_page(name, report, prose):
    """What is wrong with the page ``name`` given its report and its prose text."""
    problems = []
    if report["untypeset"] or report["tex_errors"]:
        problems.append(f"{name}: equations not typeset {report['untypeset'][:3]}, {report['tex_errors']} TeX errors")
    for raw in ("$", "\\(", "\\[", "\\begin"):
        if raw in prose:
            where = prose.index(raw)
            problems.append(f"{name}: raw TeX {raw!r} in the text: ...{prose[max(0, where - 60):where + 60]}...")
    if report["broken_images"]:
        problems.append(f"{name}: images that do not load: {report['broken_images']}")
    for text in ("VBox(children=", "HBox(children=", "IntProgress("):
        if text in prose:
            problems.append(f"{name}: a widget shows its text fallback {text!r} instead of a picture")
    bad_audio = [audio for audio in report["audios"] if not (audio["ready"] >= 1 and audio["duration"] > 0)]
    if bad_audio:
        problems.append(f"{name}: audio players that do not load: {bad_audio}")
    if name == "index":
        if not report["commands"]:
            problems.append("index: the start page does not say how to run the course")
        return problems
    pictures, progress_bars = widget_outputs(name)
    if report["widget_pictures"] != pictures:
        problems.append(f"{name}: {report['widget_pictures']} widget pictures shown, {pictures} in the notebook")
    if report["progress_bars"] != progress_bars:
        problems.append(f"{name}: {report['progress_bars']} finished progress bars, {progress_bars} in the notebook")
    if not report["run_note"]:
        problems.append(f"{name}: no note on how to run the notebook")
    if name == "A3_jazz_improvisation" and not report["audios"]:
        problems.append("A3_jazz_improvisation: no audio player")
    if name in ("03_rnn_model", "10_lstm") and report["math"] < 10:
        problems.append(f"{name}: only {report['math']} equations found")
    return problems
