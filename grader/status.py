"""The one vocabulary of a row's ``status`` in grades.csv (and of the summary's counts)."""


class Status:
    GRADED = "graded"                   # every test cell ran (or the notebook stopped by itself)
    FLAGGED = "flagged"                 # graded, and the grader refused part of the code
    INVALID_NOTEBOOK = "invalid notebook"
    MISSING = "missing"
    INVALID_ID = "invalid student id"
    AMBIGUOUS_ID = "ambiguous student id"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    PROCESSES = "processes"
    KERNEL_DIED = "kernel died"
    BRIDGE_ERROR = "bridge error"       # the kernel answered the checker with unreadable data
    ERROR = "error"                     # the grader failed on this student (its log says why)

    STOPPED = (TIMEOUT, MEMORY, PROCESSES, KERNEL_DIED)  # the notebook stopped part way

    ALL = (GRADED, FLAGGED, INVALID_NOTEBOOK, MISSING, INVALID_ID, AMBIGUOUS_ID, TIMEOUT,
           MEMORY, PROCESSES, KERNEL_DIED, BRIDGE_ERROR, ERROR)
