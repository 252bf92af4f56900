"""The course's grading pipeline on top of nbgrader 0.9.

    python -m grader release                 regenerate course/ from solutions/ and validate it
    python -m grader grade ASSIGNMENT SUBS   autograde a class, write grades.csv and feedback
    python -m grader bench                   seconds to run and to autograde each notebook
"""
