"""Run nbgrader commands one after the other in one process (how the build and the grader run nbgrader).

    python -m rnnlab.nbgrader_steps autograde "*" --student ada --force --- generate_feedback "*" --student ada --force

Each command is what ``nbgrader COMMAND ...`` would run; ``---`` separates them, and a line
``[rnnlab] nbgrader COMMAND`` on stderr marks where each one's log starts. One process start-up
instead of one per command, and without jsonschema's IRI format checker (``rfc3987_syntax``, a
second to import, which nbformat never uses): about three seconds less per student graded.
The exit status is the first non-zero status of the commands; every command runs.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # before anything imports jsonschema: its import then fails

SEPARATOR = "---"
MARK = "[rnnlab] nbgrader "


def steps(argv):
    """The commands of ``argv``, split at ``SEPARATOR``."""
    commands, current = [], []
    for arg in argv:
        if arg == SEPARATOR:
            commands.append(current)
            current = []
        else:
            current.append(arg)
    return [command for command in [*commands, current] if command]


def main(argv=None):
    from nbgrader.apps.nbgraderapp import NbGraderApp

    status = 0
    for command in steps(sys.argv[1:] if argv is None else argv):
        print(MARK + command[0], file=sys.stderr, flush=True)
        try:
            NbGraderApp.launch_instance(argv=command)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (1 if stop.code else 0)
            status = status or code
        finally:  # the next command gets fresh applications
            app = NbGraderApp.instance() if NbGraderApp.initialized() else None
            if app is not None and getattr(app, "subapp", None) is not None:
                type(app.subapp).clear_instance()
            NbGraderApp.clear_instance()
    return status


if __name__ == "__main__":
    sys.exit(main())
