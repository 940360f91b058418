"""nbgrader configuration of the course, hardened for grading untrusted submissions.

`rnnlab-grade` uses this file for every submission; plain `nbgrader` commands run in this
folder use it too.
"""

import os
import secrets

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, GetGrades, IgnorePattern,
                                    LimitOutput, SaveAutoGrades)

from rnnlab.grade import GuardedExecute, HideHiddenTests

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "rnn_course"

# What a student finds in place of each solution: a line that says what to do when it runs.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("not written yet: replace this line with your code")'}

# TensorFlow writes absl/oneDNN lines to stderr at import unless these are set before it loads;
# kernels started by nbgrader inherit this environment.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

# nbgrader scores a test cell zero when it has any stderr output. In this course a failed test
# always raises (an error output), so stderr only ever holds warnings, log lines and progress
# bars: drop all of it before scoring. IgnorePattern does nothing unless it is enabled.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"[\s\S]*"

# nbclient skips cells tagged "skip-execution", and a test cell that did not run has no error,
# so it would score full marks. Students can add tags; use a tag nobody can guess instead.
c.Execute.skip_cells_with_tag = "skip-" + secrets.token_hex(16)

# A cell that runs longer than this is interrupted (scored as an error) and grading goes on.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True
c.Execute.startup_timeout = 120

# nbgrader's steps of autograding, with its Execute replaced by one that survives a kernel that
# dies or hangs (it restarts it and grades the rest), bounds the time of a whole notebook and the
# output kept. rnnlab-grade also runs each kernel in a sandbox (rnnlab.sandbox).
c.Autograde.autograde_preprocessors = [GuardedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
                                       SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]

# Feedback is made from the autograded notebook, which holds the hidden tests: remove them,
# and cut the tracebacks that would quote them, before rendering the HTML.
c.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests, CSSHTMLHeaderPreprocessor]
