"""Isolation: running one submission's notebook in a fresh, limited, sandboxed kernel.

The engine (``submissions.grading.engine``) calls ``execution.execute`` with directories from
``rundirs.run_dirs``; the rest is how. It is a subpackage of grading, not a sibling, because it
runs with grading's own types (``GradingLimits``, the clipping of ``report.py``) while the
engine runs through it: inside one package the dependency points one way, engine -> isolation
-> report. The map, module by module, is in docs/grading-sandbox.md ("The code").
"""
