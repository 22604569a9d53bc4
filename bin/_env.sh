# Shared by bin/run and bin/test: find Python >= 3.12 and install the locked dependencies.
# Sourced, not executed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.12 python3.13 python3.14 python3 python; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    echo "Python 3.12 or newer is needed (see .python-version); set PYTHON=/path/to/python3.12" >&2
    return 1
}

ensure_venv() {
    local stamp=".venv/.requirements.lock.sha256" want
    want="$(sha256sum requirements.lock | cut -d' ' -f1)"
    if [ ! -x .venv/bin/python ]; then
        "$(find_python)" -m venv .venv
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "Installing the locked dependencies into .venv …"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
        echo "$want" > "$stamp"
    fi
}

# The grading kernel's own environment: the course's packages (numpy, pandas, scikit-learn,
# matplotlib, ipykernel), not the web application's (see docs/grading-sandbox.md).
ensure_kernel_venv() {
    local stamp=".venv-kernel/.requirements-kernel.lock.sha256" want
    want="$(sha256sum requirements-kernel.lock | cut -d' ' -f1)"
    if [ ! -x .venv-kernel/bin/python ]; then
        "$(find_python)" -m venv .venv-kernel
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "Installing the grading kernel's locked packages into .venv-kernel …"
        .venv-kernel/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-kernel.lock
        rm -rf .venv-kernel/mplconfig  # the font cache belongs to the old matplotlib
        echo "$want" > "$stamp"
    fi
}

ensure_venv
ensure_kernel_venv
PY="$ROOT/.venv/bin/python"
export PYTHONDONTWRITEBYTECODE=1
