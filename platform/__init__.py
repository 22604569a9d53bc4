"""The project package, which also keeps the standard library's ``platform`` module working.

The package name ``platform`` is fixed by the product's design (see docs/architecture.md) and
shadows the standard-library module of the same name whenever the project root is first on
``sys.path``. Libraries call ``platform.system()`` and friends (the standard ``uuid`` module does so
on import, and Django imports ``uuid``), so before anything else this file executes the standard
module's own code into the package's namespace. ``platform.settings``, ``platform.urls`` and the
other submodules are then found as usual, because this is still a package with a ``__path__``.
"""

import importlib.machinery
import sysconfig


def _load_stdlib_platform() -> None:
    spec = importlib.machinery.PathFinder.find_spec("platform", [sysconfig.get_path("stdlib")])
    if spec is None or spec.loader is None or not hasattr(spec.loader, "get_code"):
        raise ImportError("the standard library's platform module was not found")
    code = spec.loader.get_code("platform")
    if code is None:
        raise ImportError("the standard library's platform module has no code object")
    # The module's top-level code defines its functions in the namespace it runs in: ours.
    # ``__name__`` stays "platform", so functions that look themselves up by name still work.
    exec(code, globals())  # noqa: S102 - trusted code: the interpreter's own standard library


_load_stdlib_platform()
del _load_stdlib_platform
