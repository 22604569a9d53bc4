"""Code that runs inside the grading sandbox, with the kernel's interpreter (``-s -P``).

The worker never imports these files: it binds each one read-only into the sandbox on its own,
beside the other at ``/opt/kernel`` (never the project; docs/grading-sandbox.md, "The
launcher"). They use the standard library only at module level, import nothing of the project,
and ``kernel_template.py`` loads ``launcher.py`` by path, not through ``sys.path``.
"""
