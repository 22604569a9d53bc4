"""nbgrader-format notebooks for the grading benchmark (``bench/grading.py``), built in code.

Three sizes of assignment, each an nbgrader (schema v3) **source** notebook:

* ``tiny``: pure Python, three functions and three test cells (one with partial credit);
  nbgrader needs about 1.3 s per submission, most of it a kernel start.
* ``typical``: a pandas + scikit-learn course notebook on scikit-learn's bundled wine data
  (group means, a stratified split, a scaled logistic regression, a cross-validated random
  forest; a hidden test, a partial-credit test); about 5 s per submission in nbgrader, most of
  it importing the scientific stack in the kernel.
* ``heavy``: the typical workflow plus many matplotlib figures shown inline (histograms,
  scatter matrices, a digit gallery, PCA, confusion matrices, validation curves), about 15 s.

For each size four **submissions** (release shape: the platform's release notebook from
``courses.nbgrader.publish``, every code stub replaced by the participant's code, as
``courses.demo.notebooks.submission_variant`` does), with the points a grader with nbgrader's
rules must give each test cell:

* ``correct``: the reference solutions; full points.
* ``partial``: some answers plausibly wrong (a hidden test, an off-by-one, a partial-credit test).
* ``erroring``: a solution cell raises (NameError, KeyError); the tests depending on it get 0.
* ``slow``: the correct answers plus an inefficient loop that burns a fixed amount of *CPU*
  time (``slow_cpu_s``, measured with ``time.process_time`` so that both systems get the same
  work whatever the machine's load); full points.

Only datasets bundled with scikit-learn are used: the grading sandbox has no network. Nothing
writes to stderr in the reference solutions (nbgrader zeroes a test cell for any stderr).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, Literal, get_args

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from courses import nbgrader
from courses.demo.notebooks import answer_stub, nbgrader_metadata, with_nbgrader_metadata

__all__ = [
    "SIZES",
    "VARIANTS",
    "BenchAssignment",
    "Size",
    "Variant",
    "assignment",
    "reference_solution",
]

Size = Literal["tiny", "typical", "heavy"]
Variant = Literal["correct", "partial", "erroring", "slow"]
SIZES: Final[tuple[Size, ...]] = get_args(Size)
VARIANTS: Final[tuple[Variant, ...]] = get_args(Variant)

DEFAULT_SLOW_CPU_S: Final[dict[Size, float]] = {"tiny": 1.0, "typical": 2.0, "heavy": 3.0}

_KERNELSPEC: Final = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}
_BEGIN, _END = "### BEGIN SOLUTION", "### END SOLUTION"


@dataclass(frozen=True)
class BenchAssignment:
    """One size: its source notebook, the published form, and the four submissions."""

    size: Size
    name: str  # nbgrader's assignment name and notebook id
    source: bytes
    published: nbgrader.PublishedAssignment
    submissions: dict[Variant, bytes]
    # variant -> autograded grade id -> points (nbgrader's rules)
    expected: dict[Variant, dict[str, Decimal]]
    slow_cpu_s: float
    # grade id of the cell(s) that import the scientific stack (for the profile)
    import_cells: tuple[str, ...] = field(default=())
    # grade id -> short label, for the per-cell profile
    labels: dict[str, str] = field(default_factory=dict)


# --- cell builders ---------------------------------------------------------------------------


def _text(block: str) -> str:
    return textwrap.dedent(block).strip("\n")


def _md(grade_id: str, text: str) -> NotebookNode:
    meta = nbgrader_metadata(grade_id, grade=False, solution=False, locked=True)
    return with_nbgrader_metadata(new_markdown_cell(_text(text)), grade_id, meta)


def _given(grade_id: str, code: str) -> NotebookNode:
    """A read-only code cell of the instructor's."""
    meta = nbgrader_metadata(grade_id, grade=False, solution=False, locked=True)
    return with_nbgrader_metadata(new_code_cell(_text(code)), grade_id, meta)


def _solution(grade_id: str, code: str) -> NotebookNode:
    """An answer cell; ``code`` holds one ``### BEGIN/END SOLUTION`` region."""
    meta = nbgrader_metadata(grade_id, grade=False, solution=True, locked=False)
    return with_nbgrader_metadata(new_code_cell(_text(code)), grade_id, meta)


def _test(grade_id: str, points: int, code: str) -> NotebookNode:
    meta = nbgrader_metadata(grade_id, grade=True, solution=False, locked=True, points=points)
    return with_nbgrader_metadata(new_code_cell(_text(code)), grade_id, meta)


def _notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb: NotebookNode = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(_KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.validate(nb)
    return nb


def _region(source: str) -> str:
    """The reference code between the solution markers, dedented."""
    lines = source.split("\n")
    begin = next(i for i, line in enumerate(lines) if line.strip() == _BEGIN)
    end = next(i for i, line in enumerate(lines) if line.strip() == _END)
    return textwrap.dedent("\n".join(lines[begin + 1 : end]))


def _busy(seconds: float) -> str:
    """An 'inefficient loop': a fixed amount of CPU time, the same on both systems."""
    return _text(
        f"""
        import time as _time
        _until = _time.process_time() + {seconds!r}
        _spins = 0
        while _time.process_time() < _until:  # an inefficient loop
            _spins += 1
        """
    )


# --- tiny: pure Python -----------------------------------------------------------------------


def _tiny() -> tuple[list[NotebookNode], dict[Variant, dict[str, str]], dict, str]:
    cells = [
        _md("intro", "# Übung 0: Python-Grundlagen\nDrei kleine Funktionen, drei Tests."),
        _solution(
            "squares",
            """
            def squares(n):
                ### BEGIN SOLUTION
                return [i * i for i in range(n)]
                ### END SOLUTION
            """,
        ),
        _test(
            "test_squares",
            1,
            """
            assert squares(4) == [0, 1, 4, 9]
            assert squares(0) == []
            """,
        ),
        _solution(
            "word_count",
            """
            def word_count(text):
                ### BEGIN SOLUTION
                counts = {}
                for word in text.lower().split():
                    word = word.strip(".,;:!?")
                    if word:
                        counts[word] = counts.get(word, 0) + 1
                return counts
                ### END SOLUTION
            """,
        ),
        _test(
            "test_word_count",
            2,
            """
            assert word_count("a b a") == {"a": 2, "b": 1}
            ### BEGIN HIDDEN TESTS
            assert word_count("Der Hund, der Hund!") == {"der": 2, "hund": 2}
            ### END HIDDEN TESTS
            """,
        ),
        _solution(
            "primes",
            """
            ### BEGIN SOLUTION
            def primes(n):
                found = []
                for k in range(2, n):
                    if all(k % p for p in found if p * p <= k):
                        found.append(k)
                return found
            ### END SOLUTION
            """,
        ),
        _test(
            "test_primes",
            2,
            """
            checks = [
                primes(10) == [2, 3, 5, 7],
                primes(2) == [],
                primes(30)[-1] == 29,
                len(primes(100)) == 25,
            ]
            sum(checks) * 0.5  # partial credit: half a point per check
            """,
        ),
    ]
    answers: dict[Variant, dict[str, str]] = {
        "partial": {
            # ignores case and punctuation: the hidden test fails
            "word_count": "counts = {}\nfor word in text.split():\n"
            "    counts[word] = counts.get(word, 0) + 1\nreturn counts",
            # off by one (includes n): 3 of 4 checks
            "primes": "def primes(n):\n    return [k for k in range(2, n + 1)\n"
            "            if all(k % d for d in range(2, int(k ** 0.5) + 1))]",
        },
        "erroring": {
            "word_count": "return dict(Counter(text.lower().split()))  # forgot the import",
            "primes": "primes = sieve(100)",
        },
    }
    expected = {
        "correct": {"test_squares": 1, "test_word_count": 2, "test_primes": 2},
        "partial": {"test_squares": 1, "test_word_count": 0, "test_primes": "1.5"},
        "erroring": {"test_squares": 1, "test_word_count": 0, "test_primes": 0},
    }
    return cells, answers, expected, "primes"


# --- typical: pandas + scikit-learn ----------------------------------------------------------

_TYPICAL_IMPORTS = """
import numpy as np
import pandas as pd
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
"""


def _typical_cells(imports: str = _TYPICAL_IMPORTS) -> list[NotebookNode]:
    return [
        _md(
            "intro",
            """
            # Übung 2: Weinklassifikation mit pandas und scikit-learn
            Wir untersuchen den Wein-Datensatz (178 Weine, 13 Merkmale, 3 Sorten) und trainieren
            zwei Klassifikatoren.
            """,
        ),
        _given("imports", imports),
        _given(
            "load",
            """
            wine = load_wine(as_frame=True)
            df = wine.frame
            features = wine.feature_names
            df.describe().T.head()
            """,
        ),
        _md("task_means", "**Aufgabe 1:** Mittelwert jedes Merkmals je Sorte (`target`)."),
        _solution(
            "class_means",
            """
            def class_means(frame):
                ### BEGIN SOLUTION
                return frame.groupby("target").mean()
                ### END SOLUTION

            means = class_means(df)
            means.round(2)
            """,
        ),
        _test(
            "test_class_means",
            2,
            """
            assert means.shape == (3, 13)
            assert list(means.index) == [0, 1, 2]
            ### BEGIN HIDDEN TESTS
            assert np.isclose(means.loc[0, "alcohol"], df[df.target == 0].alcohol.mean())
            assert np.isclose(means.loc[2, "proline"], df[df.target == 2].proline.mean())
            ### END HIDDEN TESTS
            """,
        ),
        _md(
            "task_corr",
            "**Aufgabe 2:** Die drei Merkmale mit der stärksten |Korrelation| zu `target`.",
        ),
        _solution(
            "top_corr",
            """
            ### BEGIN SOLUTION
            corr = df.corr()["target"].drop("target")
            top3 = corr.abs().sort_values(ascending=False).head(3).index.tolist()
            ### END SOLUTION
            top3
            """,
        ),
        _test(
            "test_top_corr",
            1,
            """
            assert len(top3) == 3
            assert top3[0] == "flavanoids"
            assert set(top3) <= set(features)
            """,
        ),
        _md("task_split", "**Aufgabe 3:** Stratifizierte Aufteilung, 25 % Test, `random_state=0`."),
        _solution(
            "split",
            """
            ### BEGIN SOLUTION
            X = df[features]
            y = df["target"]
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, random_state=0, stratify=y
            )
            ### END SOLUTION
            X_train.shape, X_test.shape
            """,
        ),
        _test(
            "test_split",
            1,
            """
            assert X_test.shape == (45, 13) and X_train.shape == (133, 13)
            assert abs(y_test.mean() - y.mean()) < 0.05
            """,
        ),
        _md(
            "task_model",
            "**Aufgabe 4:** Skalierte logistische Regression; Genauigkeit auf dem Testset.",
        ),
        _solution(
            "model",
            """
            ### BEGIN SOLUTION
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            model.fit(X_train, y_train)
            accuracy = accuracy_score(y_test, model.predict(X_test))
            ### END SOLUTION
            print(f"Genauigkeit: {accuracy:.3f}")
            """,
        ),
        _test(
            "test_model",
            2,
            """
            assert hasattr(model, "predict")
            assert accuracy > 0.9
            """,
        ),
        _md("task_cv", "**Aufgabe 5:** 5-fache Kreuzvalidierung eines Random Forest (100 Bäume)."),
        _solution(
            "cv",
            """
            ### BEGIN SOLUTION
            forest = RandomForestClassifier(n_estimators=100, random_state=0)
            cv_scores = cross_val_score(forest, X, y, cv=5)
            ### END SOLUTION
            cv_scores.round(3)
            """,
        ),
        _test(
            "test_cv",
            2,
            """
            checks = [len(cv_scores) == 5, bool(cv_scores.mean() > 0.9)]
            # partial credit, a point per check: a Python float, since nbgrader reads the
            # text/plain of the last value ("np.float64(1.0)" would count as full points)
            float(sum(checks))
            """,
        ),
    ]


_TYPICAL_ANSWERS: dict[Variant, dict[str, str]] = {
    "partial": {
        # medians instead of means: the visible tests pass, the hidden ones fail
        "class_means": 'return frame.groupby("target").median()',
        # 3 folds instead of 5: one of two checks
        "cv": "forest = RandomForestClassifier(n_estimators=100, random_state=0)\n"
        "cv_scores = cross_val_score(forest, X, y, cv=3)",
    },
    "erroring": {
        # a wrong column name: KeyError, and nothing of the split exists afterwards
        "split": 'X = df[features]\ny = df["label"]\n'
        "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)",
    },
}
_TYPICAL_EXPECTED = {
    "correct": {
        "test_class_means": 2,
        "test_top_corr": 1,
        "test_split": 1,
        "test_model": 2,
        "test_cv": 2,
    },
    "partial": {
        "test_class_means": 0,
        "test_top_corr": 1,
        "test_split": 1,
        "test_model": 2,
        "test_cv": 1,
    },
    # the split fails, so do the model and the cross-validation that need X and y
    "erroring": {
        "test_class_means": 2,
        "test_top_corr": 1,
        "test_split": 0,
        "test_model": 0,
        "test_cv": 0,
    },
}


def _typical() -> tuple[list[NotebookNode], dict[Variant, dict[str, str]], dict, str]:
    return _typical_cells(), _TYPICAL_ANSWERS, _TYPICAL_EXPECTED, "model"


# --- heavy: the typical workflow plus many inline figures ------------------------------------

_HEAVY_IMPORTS = (
    "%matplotlib inline\n"
    + _text(_TYPICAL_IMPORTS)
    + "\n"
    + _text(
        """
        import matplotlib.pyplot as plt
        from sklearn.datasets import load_digits
        from sklearn.decomposition import PCA
        from sklearn.metrics import ConfusionMatrixDisplay
        from sklearn.model_selection import validation_curve
        """
    )
)


def _heavy() -> tuple[list[NotebookNode], dict[Variant, dict[str, str]], dict, str]:
    cells = _typical_cells(_HEAVY_IMPORTS)
    cells[0] = _md(
        "intro",
        """
        # Übung 3: Explorative Analyse und Modellvergleich mit Grafiken
        Wein- und Ziffern-Datensatz: Verteilungen, Streudiagramme, PCA, Konfusionsmatrizen.
        """,
    )
    cells += [
        _md("task_hist", "**Aufgabe 6:** Ein Histogramm je Merkmal und Sorte, in einem Raster."),
        _solution(
            "histograms",
            """
            def plot_histograms(frame, columns):
                ### BEGIN SOLUTION
                ncols = 4
                nrows = -(-len(columns) // ncols)
                fig, axes = plt.subplots(nrows, ncols, figsize=(14, 3 * nrows))
                for ax, column in zip(axes.flat, columns):
                    for label, group in frame.groupby("target"):
                        ax.hist(group[column], bins=15, alpha=0.5, label=str(label))
                    ax.set_title(column)
                for ax in list(axes.flat)[len(columns):]:
                    ax.set_visible(False)
                return fig
                ### END SOLUTION

            fig_hist = plot_histograms(df, features)
            plt.show()
            """,
        ),
        _test(
            "test_histograms",
            1,
            """
            fig_check = plot_histograms(df, features[:4])
            assert [ax.get_title() for ax in fig_check.axes[:4]] == list(features[:4])
            plt.close(fig_check)
            """,
        ),
        _given(
            "scatter_pairs",
            """
            # Alle Paare der sechs wichtigsten Merkmale, eine Grafik je Paar
            top6 = df.corr()["target"].drop("target").abs().sort_values().index[-6:]
            for i, a in enumerate(top6):
                for b in top6[i + 1:]:
                    fig, ax = plt.subplots(figsize=(4, 3))
                    ax.scatter(df[a], df[b], c=df["target"], cmap="viridis", s=12)
                    ax.set_xlabel(a)
                    ax.set_ylabel(b)
                    plt.show()
            """,
        ),
        _md("task_digits", "**Aufgabe 7:** Eine Galerie der ersten 64 Ziffern mit ihren Labels."),
        _given("load_digits", "digits = load_digits()\ndigits.images.shape"),
        _solution(
            "gallery",
            """
            ### BEGIN SOLUTION
            fig_gallery, axes = plt.subplots(8, 8, figsize=(8, 8))
            for ax, image, label in zip(axes.flat, digits.images, digits.target):
                ax.imshow(image, cmap="gray_r")
                ax.set_title(str(label), fontsize=7)
                ax.axis("off")
            ### END SOLUTION
            plt.show()
            """,
        ),
        _test(
            "test_gallery",
            1,
            """
            assert len(fig_gallery.axes) == 64
            assert fig_gallery.axes[0].get_title() == str(digits.target[0])
            """,
        ),
        _md(
            "task_pca",
            "**Aufgabe 8:** PCA auf zwei Komponenten (skaliert), Streudiagramm je Sorte.",
        ),
        _solution(
            "pca",
            """
            ### BEGIN SOLUTION
            pca = PCA(n_components=2)
            projected = pca.fit_transform(StandardScaler().fit_transform(X))
            ### END SOLUTION
            fig, ax = plt.subplots(figsize=(5, 4))
            ax.scatter(projected[:, 0], projected[:, 1], c=y, cmap="viridis", s=12)
            plt.show()
            pca.explained_variance_ratio_.round(3)
            """,
        ),
        _test(
            "test_pca",
            2,
            """
            checks = [projected.shape == (178, 2), bool(pca.explained_variance_ratio_.sum() > 0.5)]
            float(sum(checks))
            """,
        ),
        _given(
            "digits_pca",
            """
            digit_pca = PCA(n_components=2).fit_transform(digits.data)
            for digit in range(10):
                fig, ax = plt.subplots(figsize=(4, 3))
                ax.scatter(digit_pca[:, 0], digit_pca[:, 1], c="lightgray", s=4)
                mask = digits.target == digit
                ax.scatter(digit_pca[mask, 0], digit_pca[mask, 1], s=6)
                ax.set_title(f"Ziffer {digit}")
                plt.show()
            """,
        ),
        _md("task_curve", "**Aufgabe 9:** Validierungskurve der logistischen Regression über `C`."),
        _solution(
            "curve",
            """
            Cs = np.logspace(-3, 2, 6)
            ### BEGIN SOLUTION
            train_scores, valid_scores = validation_curve(
                make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
                X, y, param_name="logisticregression__C", param_range=Cs, cv=5,
            )
            ### END SOLUTION
            fig, ax = plt.subplots(figsize=(5, 3))
            ax.semilogx(Cs, train_scores.mean(axis=1), label="Training")
            ax.semilogx(Cs, valid_scores.mean(axis=1), label="Validierung")
            ax.legend()
            plt.show()
            """,
        ),
        _test(
            "test_curve",
            2,
            """
            assert train_scores.shape == (6, 5) and valid_scores.shape == (6, 5)
            assert valid_scores.mean(axis=1).max() > 0.95
            """,
        ),
        _given(
            "confusion",
            """
            for name, estimator in [
                ("Logistische Regression", model),
                ("Random Forest", RandomForestClassifier(n_estimators=100, random_state=0)
                 .fit(X_train, y_train)),
            ]:
                fig, ax = plt.subplots(figsize=(4, 4))
                ConfusionMatrixDisplay.from_estimator(estimator, X_test, y_test, ax=ax)
                ax.set_title(name)
                plt.show()
            for column in features[:8]:
                fig, ax = plt.subplots(figsize=(4, 3))
                df.boxplot(column=column, by="target", ax=ax)
                plt.show()
            """,
        ),
    ]
    answers: dict[Variant, dict[str, str]] = {
        "partial": {
            **_TYPICAL_ANSWERS["partial"],
            # wrong titles: the histogram test fails
            "histograms": "fig, axes = plt.subplots(4, 4, figsize=(14, 12))\n"
            "for ax, column in zip(axes.flat, columns):\n"
            "    ax.hist(frame[column], bins=15)\n"
            "return fig",
            # one component only (the cell's own plot then fails): one of two checks
            "pca": "pca = PCA(n_components=1)\nprojected = pca.fit_transform(X)",
        },
        "erroring": {
            **_TYPICAL_ANSWERS["erroring"],
            "gallery": "fig_gallery, axes = plt.subplots(8, 8)\n"
            "for ax, image in zip(axes.flat, digits.imgs):\n"
            "    ax.imshow(image)",
        },
    }
    heavy_extra = {
        "correct": {"test_histograms": 1, "test_gallery": 1, "test_pca": 2, "test_curve": 2},
        "partial": {"test_histograms": 0, "test_gallery": 1, "test_pca": 1, "test_curve": 2},
        # the gallery raises; the split failed after X was set, so the PCA (X only) still
        # passes while the validation curve (X and y) fails
        "erroring": {"test_histograms": 1, "test_gallery": 0, "test_pca": 2, "test_curve": 0},
    }
    expected = {v: {**_TYPICAL_EXPECTED[v], **heavy_extra[v]} for v in heavy_extra}
    return cells, answers, expected, "curve"


_BUILDERS: Final = {"tiny": _tiny, "typical": _typical, "heavy": _heavy}
_IMPORT_CELLS: Final[dict[Size, tuple[str, ...]]] = {
    "tiny": (),
    "typical": ("imports",),
    "heavy": ("imports",),
}


def _submission(release: bytes, source_cells: list[NotebookNode], answers: dict[str, str]) -> bytes:
    """The release notebook with every code stub filled in (answers, else the reference)."""
    nb = nbformat.reads(release.decode("utf-8"), as_version=4)
    sources = {nbgrader.cell_grade_id(c): c for c in source_cells}
    for cell in nb.cells:
        grade_id = nbgrader.cell_grade_id(cell)
        if cell.cell_type == "code" and nbgrader.is_solution(cell) and grade_id is not None:
            code = answers.get(grade_id, _region(sources[grade_id].source))
            cell.source = answer_stub(cell.source, code)
    nbformat.validate(nb)
    return nbgrader.write_notebook(nb)


def reference_solution(source: bytes) -> bytes:
    """The source with the marker lines dropped (solutions and hidden tests kept)."""
    nb = nbformat.reads(source.decode("utf-8"), as_version=4)
    for cell in nb.cells:
        cell.source = "\n".join(
            line
            for line in cell.source.split("\n")
            if line.strip() not in (_BEGIN, _END) and "HIDDEN TESTS" not in line
        )
    return nbgrader.write_notebook(nb)


def assignment(size: Size, *, slow_cpu_s: float | None = None) -> BenchAssignment:
    """Build, publish and fill in the notebooks of one size (deterministic bytes)."""
    if size not in _BUILDERS:
        raise ValueError(f"unknown size {size!r}; known: {SIZES}")
    cells, answers, expected, slow_cell = _BUILDERS[size]()
    slow = DEFAULT_SLOW_CPU_S[size] if slow_cpu_s is None else slow_cpu_s
    source = nbgrader.write_notebook(_notebook(cells))
    published = nbgrader.publish(source)
    by_id = {nbgrader.cell_grade_id(c): c for c in cells}
    answers = {
        **answers,
        "correct": {},
        "slow": {slow_cell: _busy(slow) + "\n" + _region(by_id[slow_cell].source)},
    }
    expected = {**expected, "slow": dict(expected["correct"])}
    autograded = {c.grade_id for c in published.grade_cells if c.kind == "autograded"}
    for variant, points in expected.items():
        if set(points) != autograded:
            raise AssertionError(f"{size}/{variant}: expected points for {sorted(autograded)}")
    labels = {}
    for cell in cells:
        grade_id = nbgrader.cell_grade_id(cell) or ""
        if cell.cell_type == "code":
            kind = (
                "test"
                if nbgrader.is_grade(cell)
                else "answer"
                if nbgrader.is_solution(cell)
                else "given"
            )
            labels[grade_id] = f"{kind}:{grade_id}"
    return BenchAssignment(
        size=size,
        name=f"bench_{size}",
        source=source,
        published=published,
        submissions={
            variant: _submission(published.release_notebook, cells, answers[variant])
            for variant in VARIANTS
        },
        expected={
            variant: {gid: Decimal(str(p)) for gid, p in points.items()}
            for variant, points in expected.items()
        },
        slow_cpu_s=slow,
        import_cells=_IMPORT_CELLS[size],
        labels=labels,
    )
