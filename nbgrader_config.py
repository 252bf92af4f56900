# Lets `nbgrader ...` and the Formgrader work from the repository root.
import os

c = get_config()
load_subconfig(os.path.join(os.path.dirname(os.path.abspath(__file__)), "grader",
                            "nbgrader_config.py"))
