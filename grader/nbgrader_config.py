# nbgrader configuration of the course: the one place for course-directory names.
# Loaded by `python -m grader ...` and, through ../nbgrader_config.py, by the
# nbgrader command line and JupyterLab's Formgrader started from the repository root.
import os

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

c = get_config()
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

c.CourseDirectory.course_id = "nn-course"
c.CourseDirectory.root = _ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
# Everything nbgrader writes about students stays under grader/ (git-ignored).
c.CourseDirectory.submitted_directory = os.path.join("grader", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grader", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grader", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_ROOT, "grader", "gradebook.db")
# The exchange (release_assignment, fetch, submit, collect, release_feedback) on one
# machine: a folder of the course. On a shared server set NN_COURSE_EXCHANGE to the
# folder every account can reach (nbgrader's default is /srv/nbgrader/exchange).
c.Exchange.root = os.environ.get("NN_COURSE_EXCHANGE", os.path.join(_ROOT, "grader", "exchange"))

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# A cell may run for 2 minutes at most when grading (a notebook's budget is 45 s).
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Autograding goes through `python -m grader grade` (sandboxed kernels, tests in a
# checker). nbgrader's own autograde, which the Formgrader's "Autograde" button runs,
# would run student code unconfined in the instructor's account: here it refuses, and
# says what to run instead.
class UseTheCourseGrader(Preprocessor):
    enabled = Bool(True)

    def preprocess(self, nb, resources):
        raise RuntimeError(
            "nbgrader's own autograde is switched off in this course (it would run student "
            "code unconfined). Grade with: python -m grader grade ASSIGNMENT grader/submitted "
            "(from the course folder, in its environment).")


c.Autograde.sanitize_preprocessors = [UseTheCourseGrader]
c.Autograde.autograde_preprocessors = [UseTheCourseGrader]
