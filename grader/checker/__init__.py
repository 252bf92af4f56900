"""Trusted verdicts: the test cells run in a checker process, apart from the student's kernel.

- ``codec``: values as tagged JSON (data only), both ways;
- ``models``: Keras models as data, rebuilt from an allowlist;
- ``kernel``: the bridge's end inside the student's kernel (sent there as source text);
- ``checker``: the checker's side (the test cells' namespace, proxies, stubs);
- ``__main__``: the checker process (``python -m grader.checker``), long-lived per worker;
- ``link``: the worker's side, between the checker process and the student's kernel.

This package imports nothing else of the grader, so that the checker's sandbox can
mount it alone (see ``grader.sandbox.checker_argv``).
"""
