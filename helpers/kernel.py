"""The course's Jupyter kernel: IPython's, with a language_info that names no patch version.

JupyterLab copies the kernel's ``language_info`` into the notebook when it connects;
where that differs from the saved copy (``"version": "3.11.7"`` on one machine,
``"3.12.3"`` on the next) a notebook opens marked as changed. The notebooks store the
``language_info`` this kernel reports, so they open unchanged on any Python 3.
``python3 tasks.py env`` registers it (``--IPKernelApp.kernel_class``).
"""

from ipykernel.ipkernel import IPythonKernel

# what the course's notebooks store in their metadata (tests compare the two)
LANGUAGE_INFO = {**IPythonKernel.language_info, "version": "3"}


class CourseKernel(IPythonKernel):
    language_info = LANGUAGE_INFO
