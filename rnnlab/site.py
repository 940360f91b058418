"""Build the course's static reading site from ``solutions/`` (``make site``).

    rnnlab-site                # writes _site/: open _site/index.html, or copy the folder to any web host
    rnnlab-site --out DIR

The site is made by Sphinx with MyST-NB and the Sphinx Book Theme (the engine of Jupyter Book 1):
a start page, then every worked notebook of the syllabus in course order, with navigation,
previous/next links and search. Nothing on a page is fetched from outside the site:

* equations are typeset by a copy of MathJax 3 (SVG output: no web fonts) taken from the
  ``sphinx-mathjax-offline`` package;
* a widget's output shows its stored picture and caption (the live-widget view and its scripts,
  which come from a CDN, are left out);
* figures are copied into the site; audio players and pictures are embedded in the pages.

Every notebook page starts with a note saying how to run it for real.
"""

import argparse
import importlib.metadata
import io
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

from .build import load_syllabus, start_page, written_assignments
from .settings import REPO

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MATHJAX = ("sphinx-mathjax-offline", "sphinx-mathjax-offline/static/mathjax/tex-svg-full.js")
RUN_COMMANDS = ("make lab    # start JupyterLab on the course's start page\n"
                "make test   # run the course's test suite")


def sphinx_config(title):
    """The Sphinx settings of the site (a conf.py as a dict)."""
    return {
        "project": title,
        "html_title": title,
        "extensions": ["myst_nb"],
        "root_doc": "index",
        "exclude_patterns": ["assets", "_static", "**/.ipynb_checkpoints"],
        "html_theme": "sphinx_book_theme",
        "html_theme_options": {"home_page_in_toc": True, "show_toc_level": 2,
                               "use_download_button": False, "use_fullscreen_button": False},
        "html_static_path": ["_static"],
        "html_copy_source": False,
        "html_show_sourcelink": False,
        "myst_enable_extensions": ["dollarmath", "amsmath"],
        "myst_dmath_double_inline": True,  # $$...$$ inside a paragraph or a list item, as Jupyter reads it
        "mathjax_path": "mathjax/tex-svg-full.js",  # inside _static/
        "nb_execution_mode": "off",  # solutions/ is executed by rnnlab-build
        "nb_ipywidgets_js": {},  # no widget scripts from a CDN ...
        "nb_mime_priority_overrides": [("html", WIDGET_VIEW, None)],  # ... so show the stored picture
        "nb_merge_streams": True,
        "suppress_warnings": ["myst.header"],  # the quiz goes from its title to "### Question 1"
    }


def run_note(notebook_id):
    """The note at the top of a notebook's page: how to run it for real."""
    return (f"```{{admonition}} Run this notebook\n:class: tip\n"
            f"This page is the worked notebook `solutions/{notebook_id}.ipynb`, as it ran. To run it, move "
            f"its widgets and solve its exercises yourself (in `course/{notebook_id}.ipynb`), get the "
            f"course's repository and, in its folder, run\n\n"
            f"    {RUN_COMMANDS.replace(chr(10), chr(10) + '    ')}\n\n"
            f"(Python 3.11 or newer and `make` are all you need: the first run installs the rest.)\n```")


def index_page(syllabus, available):
    """The site's start page: the course's start page, how to run it, and a table of contents per part."""
    text = start_page("site", available)
    title, _, rest = text.partition("\n")
    toctrees = []
    for part in syllabus["part"]:
        entries = [entry["id"] for entry in part["notebook"] if entry["id"] in available]
        toctrees.append("```{toctree}\n:hidden:\n:caption: " + part["name"] + "\n\n" + "\n".join(entries) + "\n```")
    how = f"## How to run it\n\n```bash\n{RUN_COMMANDS}\n```\n"
    return "\n".join([title, rest.rstrip(), "", how, *toctrees]) + "\n"


def site_notebook(notebook, notebook_id):
    """A copy of a worked notebook as the site shows it: no widget state (no live widgets to feed),
    figure paths relative to the site, and the run note after the title cell."""
    notebook = nbformat.from_dict(notebook)
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace("](../assets/", "](assets/").replace('src="../assets/', 'src="assets/')
    notebook.cells.insert(1, nbformat.v4.new_markdown_cell(run_note(notebook_id)))
    for number, cell in enumerate(notebook.cells):  # fresh, unique ids after the insertion
        cell.id = f"cell-{number}"
    return notebook


def mathjax_file():
    """The path of MathJax 3's single-file TeX-to-SVG bundle in the installed package."""
    distribution, path = MATHJAX
    try:
        found = Path(importlib.metadata.distribution(distribution).locate_file(path))
    except importlib.metadata.PackageNotFoundError:
        found = None
    if found is None or not found.is_file():
        raise SystemExit(f"{distribution} is not installed: pip install -e '.[site]' (make site does it)")
    return found


def build_site(out=REPO / "_site", solutions=REPO / "solutions", log=print):
    """Write the site into ``out`` (replaced) from the notebooks in ``solutions``; return ``out``."""
    from sphinx.application import Sphinx

    syllabus = load_syllabus()
    available = [i for i in written_assignments() if (solutions / f"{i}.ipynb").exists()]
    out = Path(out).resolve()
    if out.exists() and any(out.iterdir()) and not (out / "_static").is_dir():
        raise SystemExit(f"{out} holds files but no site made by rnnlab-site: choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rnnlab-site-") as staging:
        source = Path(staging) / "source"
        (source / "_static" / "mathjax").mkdir(parents=True)
        shutil.copy(mathjax_file(), source / "_static" / "mathjax")
        (source / "assets").symlink_to(REPO / "assets", target_is_directory=True)
        (source / "index.md").write_text(index_page(syllabus, available))
        for notebook_id in available:
            notebook = nbformat.read(solutions / f"{notebook_id}.ipynb", as_version=4)
            nbformat.write(site_notebook(notebook, notebook_id), source / f"{notebook_id}.ipynb")
        # Built in the staging folder (MyST-NB writes its output files beside the build), then moved.
        html = Path(staging) / "html"
        warnings = io.StringIO()
        app = Sphinx(str(source), None, str(html), str(Path(staging) / "doctrees"), "html",
                     confoverrides=sphinx_config(syllabus["title"]), status=None, warning=warnings,
                     freshenv=True)
        app.build()
        (html / ".buildinfo").unlink(missing_ok=True)
        if out.exists():
            shutil.rmtree(out)
        shutil.move(html, out)
    if warnings.getvalue().strip():
        raise SystemExit("the site was built with warnings:\n" + warnings.getvalue())
    log(f"wrote {out} ({len(available)} notebooks)")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "_site", help="folder to write the site into")
    args = parser.parse_args(argv)
    build_site(args.out)


if __name__ == "__main__":
    sys.exit(main())
