"""Demo assignments as nbgrader-format notebooks, built in code.

Everything here is pure data plus small transformations on ``nbformat`` nodes, so the
``load_demo`` command, the grader's tests and the benchmarks can all use the same notebooks
without touching the database. The nbgrader rules themselves (cell predicates, checksums,
``generate_assignment``) are the platform's, in :mod:`courses.nbgrader`; nothing here
re-implements them.

Four kinds of notebook come out of this module:

* the **source** notebook (instructor only): solutions between
  ``### BEGIN SOLUTION`` / ``### END SOLUTION``, hidden tests between
  ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``, an optional mark scheme
  between ``=== BEGIN MARK SCHEME ===`` / ``=== END MARK SCHEME ===`` in a task cell;
* the **release** notebook (:func:`release_notebook`), exactly what the platform's
  :func:`courses.nbgrader.publish` gives participants;
* the **reference solution** (:func:`solution_notebook`): the source with the
  delimiters stripped, which must run without a single error;
* participant **submissions** (:func:`submission_variant`) in six flavours, with
  the points an honest nbgrader-compatible grader must give each of them
  (:func:`expected_scores`).

The notebooks only use datasets bundled with scikit-learn, so nothing is
downloaded at run time (the grading sandbox has no network). Prose is German
because the programme they belong to is taught in German; identifiers are
English, as is usual in German data-science teaching.
"""

from __future__ import annotations

import copy
import math
import random
import re
import struct
import textwrap
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal, get_args

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from courses import nbgrader

__all__ = [
    "ASSIGNMENT_SLUGS",
    "CAPSTONE_DATA_FILENAME",
    "CAPSTONE_SLUG",
    "VARIANTS",
    "Variant",
    "assignment_title",
    "capstone_data_csv",
    "expected_scores",
    "max_points",
    "release_notebook",
    "solution_notebook",
    "source_notebook",
    "submission_variant",
]

Variant = Literal["correct", "partial", "wrong", "error", "blank", "tampered"]
VARIANTS: Final[tuple[Variant, ...]] = get_args(Variant)

CAPSTONE_SLUG: Final = "ml-capstone-byod"
CAPSTONE_DATA_FILENAME: Final = "data.csv"

_KERNELSPEC: Final = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


# --- cell builders ---------------------------------------------------------------------------


def _text(block: str) -> str:
    """Dedent a triple-quoted block and drop the surrounding blank lines."""
    return textwrap.dedent(block).strip("\n")


def nbgrader_metadata(
    grade_id: str,
    *,
    grade: bool,
    solution: bool,
    locked: bool,
    points: int | None = None,
    task: bool = False,
) -> dict[str, object]:
    """A cell's ``metadata["nbgrader"]`` as nbgrader's own tools write it (current schema)."""
    meta: dict[str, object] = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": nbgrader.SCHEMA_VERSION,
        "solution": solution,
    }
    if task:
        meta["task"] = True
    if points is not None:
        meta["points"] = points
    return meta


def with_nbgrader_metadata(
    cell: NotebookNode, grade_id: str, meta: dict[str, object]
) -> NotebookNode:
    """``cell`` with ``meta`` as its nbgrader metadata and its grade id as its cell id."""
    # Deterministic cell ids (the grade id) keep the serialised notebook, and so its sha256,
    # identical across calls: the platform stores notebooks content-addressed.
    cell["id"] = grade_id
    cell.metadata["nbgrader"] = meta
    return cell


def _readonly_md(grade_id: str, text: str) -> NotebookNode:
    return with_nbgrader_metadata(
        new_markdown_cell(_text(text)),
        grade_id,
        nbgrader_metadata(grade_id, grade=False, solution=False, locked=True),
    )


def _readonly_code(grade_id: str, code: str) -> NotebookNode:
    return with_nbgrader_metadata(
        new_code_cell(_text(code)),
        grade_id,
        nbgrader_metadata(grade_id, grade=False, solution=False, locked=True),
    )


def _solution(grade_id: str, code: str) -> NotebookNode:
    return with_nbgrader_metadata(
        new_code_cell(_text(code)),
        grade_id,
        nbgrader_metadata(grade_id, grade=False, solution=True, locked=False),
    )


def _tests(grade_id: str, points: int, code: str) -> NotebookNode:
    return with_nbgrader_metadata(
        new_code_cell(_text(code)),
        grade_id,
        nbgrader_metadata(grade_id, grade=True, solution=False, locked=True, points=points),
    )


def _manual(grade_id: str, points: int, text: str) -> NotebookNode:
    return with_nbgrader_metadata(
        new_markdown_cell(_text(text)),
        grade_id,
        nbgrader_metadata(grade_id, grade=True, solution=True, locked=False, points=points),
    )


def _task(grade_id: str, points: int, text: str) -> NotebookNode:
    return with_nbgrader_metadata(
        new_markdown_cell(_text(text)),
        grade_id,
        nbgrader_metadata(
            grade_id, grade=False, solution=False, locked=True, points=points, task=True
        ),
    )


def _notebook(cells: list[NotebookNode]) -> NotebookNode:
    nb: NotebookNode = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = dict(_KERNELSPEC)
    nb.metadata["language_info"] = {"name": "python"}
    return nb


# --- source -> release / solution ------------------------------------------------------------


def _publish(source: NotebookNode) -> nbgrader.PublishedAssignment:
    return nbgrader.publish(nbgrader.write_notebook(source))


def release_notebook(source: NotebookNode) -> NotebookNode:
    """The participant-facing notebook, as the platform's publishing step makes it.

    A thin wrapper around :func:`courses.nbgrader.publish` (nbgrader's ``generate_assignment``)
    for code that works with ``NotebookNode`` objects. The input is not modified. Raises
    :class:`courses.nbgrader.NbgraderFormatError` (a ``ValueError``) for anything nbgrader
    would refuse.
    """
    text = _publish(source).release_notebook.decode("utf-8")
    release: NotebookNode = nbformat.reads(text, as_version=4)
    return release


def max_points(nb: NotebookNode) -> Decimal:
    """Total points of a source notebook as the platform publishes it (grade and task cells)."""
    return _publish(nb).max_points


# The delimiter lines the reference solution drops (solutions and hidden tests stay in):
# nbgrader matches the solution delimiters as whole lines, the hidden-test ones within a line.
_SOLUTION_DELIMITERS: Final = ("### BEGIN SOLUTION", "### END SOLUTION")
_HIDDEN_TESTS_DELIMITERS: Final = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def _without_delimiters(source: str) -> str:
    return "\n".join(
        line
        for line in source.split("\n")
        if line.strip() not in _SOLUTION_DELIMITERS
        and not any(delimiter in line for delimiter in _HIDDEN_TESTS_DELIMITERS)
    )


def solution_notebook(source: NotebookNode) -> NotebookNode:
    """The reference solution: the source with the delimiter lines stripped.

    Solutions and hidden tests stay in; mark schemes (instructor notes, not code) are
    removed as on release. Executing it must produce no error at all.
    """
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        # Only grade cells keep hidden tests; elsewhere the release text drops the mark scheme.
        text = cell.source if nbgrader.is_grade(cell) else nbgrader.release_source(cell)
        cell.source = _without_delimiters(text)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


# --- the assignments -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Assignment:
    slug: str
    title: str
    cells: tuple[NotebookNode, ...]
    # Per variant: grade_id of a solution/manual cell -> what the participant wrote there
    # (None: left the stub untouched). Cells not named get the reference solution.
    answers: Mapping[Variant, Mapping[str, str | None]]
    # The test cell a dishonest participant rewrote in the "tampered" variant.
    tampered_test: str
    # Points an honest grader gives per graded cell; None: waits for an instructor.
    expected: Mapping[Variant, Mapping[str, int | None]]
    # Course files published with the notebook: (path beside it, bytes) (docs/course-files.md).
    files: tuple[tuple[str, bytes], ...] = ()


_SHORT_WRONG_ANSWER = "Alle Merkmale sind gleich wichtig, man sieht keinen Unterschied."


def _ml01() -> _Assignment:
    cells = (
        _readonly_md(
            "ml01-intro",
            """
            # Modul 1 · Tabellarische Daten mit pandas erkunden

            Bevor ein Modell trainiert wird, muss man die Daten kennen. In dieser Aufgabe
            untersuchen Sie den *Wine*-Datensatz, der mit scikit-learn ausgeliefert wird:
            178 Weine aus drei Rebsorten (Klassen 0, 1, 2), je 13 chemische Messwerte.

            **So gehen Sie vor:** Ersetzen Sie in jeder Lösungszelle die Zeile
            `raise NotImplementedError()` durch Ihren Code und führen Sie danach die Testzelle
            darunter aus. Sichtbare Tests geben Ihnen sofort Rückmeldung; bei der Bewertung
            laufen zusätzlich verdeckte Tests. Testzellen dürfen Sie nicht verändern – sie
            werden vor der Bewertung ohnehin wiederhergestellt.
            """,
        ),
        _readonly_code(
            "ml01-setup",
            """
            import numpy as np
            import pandas as pd
            from sklearn.datasets import load_wine

            df = load_wine(as_frame=True).frame  # 13 Messwerte und die Spalte "target" (Rebsorte)
            df.head()
            """,
        ),
        _readonly_md(
            "ml01-task-shape",
            """
            ## Aufgabe 1 – Umfang und Klassen (2 Punkte)

            Bestimmen Sie `n_rows` und `n_cols` (Zeilen und Spalten von `df`) sowie
            `class_counts`: eine `pd.Series` mit der Anzahl der Weine je Klasse, nach Klasse
            aufsteigend sortiert (Index 0, 1, 2).
            """,
        ),
        _solution(
            "ml01-shape",
            """
            ### BEGIN SOLUTION
            n_rows, n_cols = df.shape
            class_counts = df["target"].value_counts().sort_index()
            ### END SOLUTION
            class_counts
            """,
        ),
        _tests(
            "ml01-test-shape",
            2,
            """
            assert n_rows == 178, "n_rows soll die Zahl der Zeilen von df sein"
            assert n_cols == 14, "n_cols soll die Zahl der Spalten von df sein (inklusive target)"
            assert list(class_counts.index) == [0, 1, 2], "class_counts bitte nach Klasse sortieren"
            ### BEGIN HIDDEN TESTS
            assert class_counts.tolist() == [59, 71, 48]
            assert int(class_counts.sum()) == n_rows
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "ml01-task-mean",
            """
            ## Aufgabe 2 – Mittelwerte je Klasse (2 Punkte)

            Schreiben Sie eine Funktion `mean_by_class(frame, column)`, die für eine Spalte den
            Mittelwert je Klasse (`target`) als `pd.Series` zurückgibt. Die Funktion soll mit
            *jedem* übergebenen DataFrame arbeiten, nicht nur mit `df`.
            """,
        ),
        _solution(
            "ml01-mean",
            """
            def mean_by_class(frame: pd.DataFrame, column: str) -> pd.Series:
                \"\"\"Mittelwert der Spalte `column` je Klasse; Index = Klasse.\"\"\"
                ### BEGIN SOLUTION
                return frame.groupby("target")[column].mean()
                ### END SOLUTION
            """,
        ),
        _tests(
            "ml01-test-mean",
            2,
            """
            alcohol = mean_by_class(df, "alcohol")
            assert isinstance(alcohol, pd.Series), "Bitte eine pd.Series zurückgeben"
            assert len(alcohol) == 3
            assert np.isclose(alcohol.loc[0], df.loc[df["target"] == 0, "alcohol"].mean())
            ### BEGIN HIDDEN TESTS
            expected = df.groupby("target")["proline"].mean()
            assert np.allclose(mean_by_class(df, "proline").to_numpy(), expected.to_numpy())
            # The function must use its argument, not the global df.
            small = df.head(10).assign(target=[0] * 5 + [1] * 5)
            assert np.isclose(mean_by_class(small, "ash").loc[1], small["ash"].iloc[5:].mean())
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "ml01-task-standardize",
            """
            ## Aufgabe 3 – Standardisieren (3 Punkte, Teilpunkte möglich)

            Viele Verfahren reagieren empfindlich auf unterschiedliche Skalen (`proline` liegt
            um 1000, `hue` um 1). Erzeugen Sie `df_std`: alle Merkmale aus `features`
            z-standardisiert, also je Spalte Mittelwert 0 und Standardabweichung 1
            (Populations-Standardabweichung, `ddof=0`). Es gibt je einen Punkt für gleiche
            Form und Spalten, für Mittelwerte 0 und für Standardabweichungen 1.
            """,
        ),
        _solution(
            "ml01-standardize",
            """
            features = df.drop(columns="target")
            ### BEGIN SOLUTION
            df_std = (features - features.mean()) / features.std(ddof=0)
            ### END SOLUTION
            df_std.describe().round(2)
            """,
        ),
        # Partial credit the nbgrader way: the cell's last value is the points earned.
        # It never ends on 0 (nbgrader would read that as full marks): zero points raise.
        _tests(
            "ml01-test-standardize",
            3,
            """
            score = 0.0
            if df_std.shape == features.shape and list(df_std.columns) == list(features.columns):
                score += 1
            if np.allclose(df_std.mean().to_numpy(), 0.0, atol=1e-8):
                score += 1
            if np.allclose(df_std.std(ddof=0).to_numpy(), 1.0, atol=1e-6):
                score += 1
            assert score > 0, "df_std erfüllt noch keine der drei Anforderungen"
            score
            """,
        ),
        _readonly_md(
            "ml01-task-interpret",
            """
            ## Aufgabe 4 – Interpretation (3 Punkte, manuell bewertet)

            Welche zwei Messwerte unterscheiden die drei Rebsorten nach Ihren Ergebnissen am
            deutlichsten? Begründen Sie mit Zahlen (z. B. aus `mean_by_class`) und nennen Sie
            eine Einschränkung eines reinen Mittelwertvergleichs. Antworten Sie in der Zelle
            darunter (3–6 Sätze).
            """,
        ),
        _manual(
            "ml01-answer",
            3,
            """
            Am deutlichsten trennen **`proline`** und **`flavanoids`**: Klasse 0 hat im Mittel
            rund 1116 Prolin, die Klassen 1 und 2 nur etwa 520 bzw. 630; bei den Flavanoiden
            liegen die Mittel bei etwa 2,98 / 2,08 / 0,78, also trennt dieses Merkmal vor allem
            Klasse 2 ab. Auf standardisierter Skala sind beide Unterschiede mehrere
            Standardabweichungen groß. Einschränkung: Mittelwerte sagen nichts über die Streuung
            innerhalb der Klassen – überlappen die Verteilungen stark, trennt ein Merkmal trotz
            verschiedener Mittelwerte schlecht; dafür sollte man Boxplots oder Histogramme je
            Klasse ansehen.
            """,
        ),
    )
    return _Assignment(
        slug="ml-01-pandas-wine",
        title="Tabellarische Daten mit pandas erkunden",
        cells=cells,
        answers={
            "correct": {},
            "partial": {
                # Uses the global df instead of its argument: visible tests pass, hidden fail.
                "ml01-mean": 'return df.groupby("target")[column].mean()',
                # Sample standard deviation (ddof=1): 2 of 3 partial points.
                "ml01-standardize": "df_std = (features - features.mean()) / features.std()",
                "ml01-answer": "Proline unterscheidet die Klassen stark (Klasse 0 etwa 1116, "
                "sonst 520–630). Ein zweites Merkmal habe ich nicht geprüft.",
            },
            "wrong": {
                "ml01-shape": "n_cols, n_rows = df.shape\n"
                'class_counts = df["target"].value_counts()',
                "ml01-mean": "return frame[column].mean()",
                "ml01-standardize": "df_std = features / features.max()",
                "ml01-answer": _SHORT_WRONG_ANSWER,
            },
            "error": {
                # A wrong column name: KeyError in the solution cell, NameError in its test.
                "ml01-shape": "n_rows, n_cols = df.shape\n"
                'class_counts = df["class"].value_counts()',
                "ml01-answer": None,
            },
            "tampered": {"ml01-mean": "return frame[column].mean()"},
        },
        tampered_test="ml01-test-mean",
        expected={
            "correct": {
                "ml01-test-shape": 2,
                "ml01-test-mean": 2,
                "ml01-test-standardize": 3,
                "ml01-answer": None,
            },
            "partial": {
                "ml01-test-shape": 2,
                "ml01-test-mean": 0,
                "ml01-test-standardize": 2,
                "ml01-answer": None,
            },
            "wrong": {
                "ml01-test-shape": 0,
                "ml01-test-mean": 0,
                "ml01-test-standardize": 1,
                "ml01-answer": None,
            },
            "error": {
                "ml01-test-shape": 0,
                "ml01-test-mean": 2,
                "ml01-test-standardize": 3,
                "ml01-answer": 0,
            },
            "blank": {
                "ml01-test-shape": 0,
                "ml01-test-mean": 0,
                "ml01-test-standardize": 0,
                "ml01-answer": 0,
            },
            "tampered": {
                "ml01-test-shape": 2,
                "ml01-test-mean": 0,
                "ml01-test-standardize": 3,
                "ml01-answer": None,
            },
        },
    )


def _ml02() -> _Assignment:
    cells = (
        _readonly_md(
            "ml02-intro",
            """
            # Modul 2 · Ihr erster Klassifikator

            Sie trainieren zwei Klassifikatoren auf dem *Breast Cancer Wisconsin*-Datensatz
            (mit scikit-learn ausgeliefert): 569 Gewebeproben, 30 Merkmale aus Zellkern-Bildern,
            Zielgröße `0` = bösartig, `1` = gutartig. Sie teilen die Daten in Trainings- und
            Testmenge, vergleichen *k*-nächste Nachbarn mit logistischer Regression und
            bewerten die Genauigkeit (*accuracy*) auf der Testmenge.

            Ersetzen Sie `raise NotImplementedError()` durch Ihren Code; die Testzellen bleiben
            unverändert.
            """,
        ),
        _readonly_code(
            "ml02-setup",
            """
            from sklearn.datasets import load_breast_cancer
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import accuracy_score
            from sklearn.model_selection import train_test_split
            from sklearn.neighbors import KNeighborsClassifier
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            X, y = load_breast_cancer(return_X_y=True, as_frame=True)
            X.shape, y.value_counts().to_dict()
            """,
        ),
        _readonly_md(
            "ml02-task-split",
            """
            ## Aufgabe 1 – Aufteilen (2 Punkte)

            Teilen Sie `X` und `y` in `X_train, X_test, y_train, y_test` auf: 25 % Testdaten,
            `random_state=42`, und **stratifiziert** nach `y`, damit beide Mengen dasselbe
            Verhältnis bösartig/gutartig haben.
            """,
        ),
        _solution(
            "ml02-split",
            """
            ### BEGIN SOLUTION
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, random_state=42, stratify=y
            )
            ### END SOLUTION
            len(X_train), len(X_test)
            """,
        ),
        _tests(
            "ml02-test-split",
            2,
            """
            assert len(X_train) + len(X_test) == len(X)
            assert len(X_test) == 143, "test_size=0.25 ergibt 143 Testfälle"
            assert len(y_train) == len(X_train) and len(y_test) == len(X_test)
            ### BEGIN HIDDEN TESTS
            assert set(X_train.index).isdisjoint(X_test.index)
            assert abs(y_test.mean() - y.mean()) < 0.01, "bitte stratifiziert aufteilen"
            reference = train_test_split(X, y, test_size=0.25, random_state=42, stratify=y)
            assert X_test.index.equals(reference[1].index)
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "ml02-task-knn",
            """
            ## Aufgabe 2 – k-nächste Nachbarn (2 Punkte)

            Trainieren Sie `knn = KNeighborsClassifier(n_neighbors=5)` auf den Trainingsdaten
            und berechnen Sie `knn_accuracy`, die Genauigkeit auf den **Testdaten**.
            """,
        ),
        _solution(
            "ml02-knn",
            """
            ### BEGIN SOLUTION
            knn = KNeighborsClassifier(n_neighbors=5).fit(X_train, y_train)
            knn_accuracy = accuracy_score(y_test, knn.predict(X_test))
            ### END SOLUTION
            knn_accuracy
            """,
        ),
        _tests(
            "ml02-test-knn",
            2,
            """
            assert isinstance(knn, KNeighborsClassifier)
            assert knn.n_neighbors == 5, "bitte n_neighbors=5 verwenden"
            assert 0.0 <= knn_accuracy <= 1.0
            ### BEGIN HIDDEN TESTS
            assert knn.n_samples_fit_ == len(X_train), "knn nur auf den Trainingsdaten trainieren"
            assert abs(knn_accuracy - accuracy_score(y_test, knn.predict(X_test))) < 1e-12
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "ml02-task-logreg",
            """
            ## Aufgabe 3 – Logistische Regression mit Skalierung (2 Punkte)

            Bauen Sie mit `make_pipeline` eine Pipeline aus `StandardScaler()` und
            `LogisticRegression(max_iter=1000)`, trainieren Sie sie als `logreg` und berechnen
            Sie `logreg_accuracy` auf den Testdaten. Erwartet wird mindestens 0,95.
            """,
        ),
        _solution(
            "ml02-logreg",
            """
            ### BEGIN SOLUTION
            logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            logreg.fit(X_train, y_train)
            logreg_accuracy = accuracy_score(y_test, logreg.predict(X_test))
            ### END SOLUTION
            logreg_accuracy
            """,
        ),
        _tests(
            "ml02-test-logreg",
            2,
            """
            assert logreg_accuracy >= 0.95, f"Genauigkeit {logreg_accuracy:.3f} ist zu niedrig"
            ### BEGIN HIDDEN TESTS
            from sklearn.pipeline import Pipeline

            assert isinstance(logreg, Pipeline), "bitte make_pipeline verwenden"
            assert any(isinstance(step, StandardScaler) for _, step in logreg.steps)
            assert abs(logreg_accuracy - accuracy_score(y_test, logreg.predict(X_test))) < 1e-12
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "ml02-task-discuss",
            """
            ## Aufgabe 4 – Einordnung (3 Punkte, manuell bewertet)

            Vergleichen Sie beide Modelle. Warum hängt *k*-nächste Nachbarn so stark von der
            Skalierung der Merkmale ab? Welcher Fehler ist bei dieser Diagnose folgenreicher –
            ein falsch als gutartig oder ein falsch als bösartig eingestufter Tumor – und was
            folgt daraus für die Wahl der Kennzahl statt der reinen Genauigkeit?
            """,
        ),
        _manual(
            "ml02-answer",
            3,
            """
            Die logistische Regression mit Skalierung erreicht etwa 0,99, kNN ohne Skalierung
            etwa 0,93. kNN misst euklidische Abstände: Merkmale mit großen Zahlenwerten (z. B.
            `worst area` in der Größenordnung 1000) dominieren den Abstand, kleine Merkmale
            (z. B. `smoothness` um 0,1) spielen praktisch keine Rolle – ohne Standardisierung
            entscheidet also die Maßeinheit, nicht die Aussagekraft. Folgenreicher ist ein
            bösartiger Tumor, der als gutartig eingestuft wird (falsch negativ für Klasse 0),
            weil dann eine Behandlung ausbleibt. Deshalb sollte man den Recall der Klasse
            „bösartig“ berichten (bzw. die Konfusionsmatrix) und die Entscheidungsschwelle so
            wählen, dass dieser Recall hoch ist, auch auf Kosten einiger Fehlalarme.
            """,
        ),
    )
    return _Assignment(
        slug="ml-02-first-classifier",
        title="Ihr erster Klassifikator",
        cells=cells,
        answers={
            "correct": {},
            "partial": {
                # No scaler: accuracy is still high enough for the visible test, the hidden
                # test wants the pipeline.
                "ml02-logreg": "logreg = LogisticRegression(max_iter=5000).fit(X_train, y_train)\n"
                "logreg_accuracy = accuracy_score(y_test, logreg.predict(X_test))",
                "ml02-answer": "Die logistische Regression ist besser. kNN braucht Skalierung, "
                "weil Abstände berechnet werden.",
            },
            "wrong": {
                "ml02-split": "X_train, X_test, y_train, y_test = train_test_split(X, y, "
                "test_size=0.2, random_state=1)",
                "ml02-knn": "knn = KNeighborsClassifier(n_neighbors=1).fit(X_train, y_train)\n"
                "knn_accuracy = accuracy_score(y_test, knn.predict(X_test))",
                # Scored on the training data: looks great, is not what was asked.
                "ml02-logreg": "logreg = make_pipeline(StandardScaler(), "
                "LogisticRegression(max_iter=1000))\n"
                "logreg.fit(X_train, y_train)\n"
                "logreg_accuracy = accuracy_score(y_train, logreg.predict(X_train))",
                "ml02-answer": "Beide Modelle sind gleich gut, Skalierung ist egal.",
            },
            "error": {
                # A typo: NameError in the solution cell, so knn_accuracy never exists.
                "ml02-knn": "knn = KNeighborsClassifier(n_neighbors=5).fit(X_train, y_train)\n"
                "knn_accuracy = accuracy_score(y_test, knn.predict(X_tset))",
                "ml02-answer": None,
            },
            "tampered": {
                "ml02-knn": "knn = KNeighborsClassifier(n_neighbors=1).fit(X_train, y_train)\n"
                "knn_accuracy = accuracy_score(y_test, knn.predict(X_test))",
            },
        },
        tampered_test="ml02-test-knn",
        expected={
            "correct": {
                "ml02-test-split": 2,
                "ml02-test-knn": 2,
                "ml02-test-logreg": 2,
                "ml02-answer": None,
            },
            "partial": {
                "ml02-test-split": 2,
                "ml02-test-knn": 2,
                "ml02-test-logreg": 0,
                "ml02-answer": None,
            },
            "wrong": {
                "ml02-test-split": 0,
                "ml02-test-knn": 0,
                "ml02-test-logreg": 0,
                "ml02-answer": None,
            },
            "error": {
                "ml02-test-split": 2,
                "ml02-test-knn": 0,
                "ml02-test-logreg": 2,
                "ml02-answer": 0,
            },
            "blank": {
                "ml02-test-split": 0,
                "ml02-test-knn": 0,
                "ml02-test-logreg": 0,
                "ml02-answer": 0,
            },
            "tampered": {
                "ml02-test-split": 2,
                "ml02-test-knn": 0,
                "ml02-test-logreg": 2,
                "ml02-answer": None,
            },
        },
    )


def _ml03() -> _Assignment:
    cells = (
        _readonly_md(
            "ml03-intro",
            """
            # Modul 3 · Modellbewertung und Kreuzvalidierung

            Eine einzelne Aufteilung in Trainings- und Testdaten kann Glück oder Pech sein.
            Sie bewerten deshalb eine Pipeline aus Standardisierung und logistischer Regression
            auf den Wein-Daten aus Modul 1 mit fünffacher Kreuzvalidierung und sehen sich an,
            welche Rebsorten verwechselt werden.
            """,
        ),
        _readonly_code(
            "ml03-setup",
            """
            import numpy as np
            from sklearn.datasets import load_wine
            from sklearn.linear_model import LogisticRegression
            from sklearn.metrics import confusion_matrix, recall_score
            from sklearn.model_selection import StratifiedKFold, cross_val_score, train_test_split
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler

            X, y = load_wine(return_X_y=True, as_frame=True)
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.3, random_state=0, stratify=y
            )
            """,
        ),
        _readonly_md(
            "ml03-task-pipeline",
            """
            ## Aufgabe 1 – Pipeline (1 Punkt)

            Legen Sie `pipe` an: `StandardScaler()` gefolgt von
            `LogisticRegression(max_iter=1000)`. Noch nicht trainieren.
            """,
        ),
        _solution(
            "ml03-pipeline",
            """
            ### BEGIN SOLUTION
            pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            ### END SOLUTION
            pipe
            """,
        ),
        _tests(
            "ml03-test-pipeline",
            1,
            """
            from sklearn.pipeline import Pipeline

            assert isinstance(pipe, Pipeline)
            assert isinstance(pipe.steps[0][1], StandardScaler), "zuerst standardisieren"
            assert isinstance(pipe.steps[-1][1], LogisticRegression)
            """,
        ),
        _readonly_md(
            "ml03-task-cv",
            """
            ## Aufgabe 2 – Kreuzvalidierung (2 Punkte)

            Berechnen Sie mit `cross_val_score` die Genauigkeit von `pipe` auf **allen** Daten
            (`X`, `y`) in fünf Folds. Verwenden Sie
            `StratifiedKFold(n_splits=5, shuffle=True, random_state=0)`. Speichern Sie die
            fünf Werte in `cv_scores`, ihren Mittelwert in `cv_mean` und ihre
            Standardabweichung (`np.std`) in `cv_std`.
            """,
        ),
        _solution(
            "ml03-cv",
            """
            ### BEGIN SOLUTION
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
            cv_scores = cross_val_score(pipe, X, y, cv=folds)
            cv_mean = cv_scores.mean()
            cv_std = cv_scores.std()
            ### END SOLUTION
            print(f"Genauigkeit {cv_mean:.3f} ± {cv_std:.3f}")
            """,
        ),
        _tests(
            "ml03-test-cv",
            2,
            """
            assert len(cv_scores) == 5, "fünf Folds erwartet"
            assert np.isclose(cv_mean, np.mean(cv_scores)), "cv_mean ist der Mittelwert"
            assert np.isclose(cv_std, np.std(cv_scores)), "cv_std ist die Standardabweichung"
            ### BEGIN HIDDEN TESTS
            reference = cross_val_score(
                make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)), X, y,
                cv=StratifiedKFold(n_splits=5, shuffle=True, random_state=0),
            )
            assert np.allclose(cv_scores, reference), "bitte die vorgegebenen Folds verwenden"
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "ml03-task-confusion",
            """
            ## Aufgabe 3 – Konfusionsmatrix (3 Punkte)

            Trainieren Sie `pipe` auf `X_train, y_train`, sagen Sie `X_test` vorher und
            berechnen Sie die Konfusionsmatrix `cm` (Zeilen: wahre Klasse, Spalten:
            vorhergesagte Klasse) sowie `recall_per_class`: je Klasse den Anteil der richtig
            erkannten Weine, aus `cm` berechnet.
            """,
        ),
        _solution(
            "ml03-confusion",
            """
            ### BEGIN SOLUTION
            pipe.fit(X_train, y_train)
            y_pred = pipe.predict(X_test)
            cm = confusion_matrix(y_test, y_pred)
            recall_per_class = cm.diagonal() / cm.sum(axis=1)
            ### END SOLUTION
            cm
            """,
        ),
        _tests(
            "ml03-test-confusion",
            3,
            """
            assert cm.shape == (3, 3)
            assert cm.sum() == len(y_test), "cm soll genau die Testdaten zählen"
            assert len(recall_per_class) == 3
            ### BEGIN HIDDEN TESTS
            y_check = pipe.predict(X_test)
            assert np.array_equal(cm, confusion_matrix(y_test, y_check))
            assert np.allclose(recall_per_class, recall_score(y_test, y_check, average=None))
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "ml03-task-discuss",
            """
            ## Aufgabe 4 – Datenleck und Streuung (3 Punkte, manuell bewertet)

            Warum gehört der `StandardScaler` *in* die Pipeline, statt ihn vorab einmal auf
            allen Daten anzupassen? Und was sagt Ihnen `cv_std` über die Aussagekraft einer
            einzelnen Aufteilung in Trainings- und Testdaten?
            """,
        ),
        _manual(
            "ml03-answer",
            3,
            """
            Passt man den Scaler vorab auf allen Daten an, fließen Mittelwert und Streuung der
            späteren Testfälle in das Training ein – ein Datenleck, das die Bewertung zu
            optimistisch macht. In der Pipeline wird der Scaler in jedem Fold nur auf den
            Trainingsdaten dieses Folds angepasst, genau wie später im Einsatz, wo neue Daten
            unbekannt sind. `cv_std` (hier etwa 0,014 bei einem Mittel von etwa 0,98) zeigt, wie
            stark die Genauigkeit allein durch die Wahl der Testmenge schwankt: Unterschiede
            zwischen Modellen, die kleiner sind als diese Streuung, sollte man aus einer
            einzelnen Aufteilung nicht ablesen.
            """,
        ),
    )
    return _Assignment(
        slug="ml-03-model-evaluation",
        title="Modellbewertung und Kreuzvalidierung",
        cells=cells,
        answers={
            "correct": {},
            "partial": {
                # Default, unshuffled folds: same mean by coincidence, other fold scores.
                "ml03-cv": "cv_scores = cross_val_score(pipe, X, y, cv=5)\n"
                "cv_mean = cv_scores.mean()\ncv_std = cv_scores.std()",
                "ml03-answer": "Der Scaler gehört in die Pipeline, damit nichts aus den "
                "Testdaten ins Training gelangt.",
            },
            "wrong": {
                "ml03-pipeline": "pipe = make_pipeline(LogisticRegression(max_iter=1000))",
                "ml03-cv": "folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)\n"
                "cv_scores = cross_val_score(pipe, X, y, cv=folds)\n"
                "cv_mean = cv_scores.max()\ncv_std = cv_scores.std()",
                "ml03-confusion": "pipe.fit(X_train, y_train)\n"
                "cm = confusion_matrix(y_train, pipe.predict(X_train))\n"
                "recall_per_class = cm.diagonal() / cm.sum(axis=1)",
                "ml03-answer": "Das ist egal, Hauptsache die Genauigkeit ist hoch.",
            },
            "error": {
                # More folds than members of the smallest class: ValueError from sklearn.
                "ml03-cv": "folds = StratifiedKFold(n_splits=500, shuffle=True, random_state=0)\n"
                "cv_scores = cross_val_score(pipe, X, y, cv=folds)\n"
                "cv_mean = cv_scores.mean()\ncv_std = cv_scores.std()",
                "ml03-answer": None,
            },
            "tampered": {
                # Divides by the grand total: the hidden recall check fails.
                "ml03-confusion": "pipe.fit(X_train, y_train)\n"
                "y_pred = pipe.predict(X_test)\n"
                "cm = confusion_matrix(y_test, y_pred)\n"
                "recall_per_class = cm.diagonal() / cm.sum()",
            },
        },
        tampered_test="ml03-test-confusion",
        expected={
            "correct": {
                "ml03-test-pipeline": 1,
                "ml03-test-cv": 2,
                "ml03-test-confusion": 3,
                "ml03-answer": None,
            },
            "partial": {
                "ml03-test-pipeline": 1,
                "ml03-test-cv": 0,
                "ml03-test-confusion": 3,
                "ml03-answer": None,
            },
            "wrong": {
                "ml03-test-pipeline": 0,
                "ml03-test-cv": 0,
                "ml03-test-confusion": 0,
                "ml03-answer": None,
            },
            "error": {
                "ml03-test-pipeline": 1,
                "ml03-test-cv": 0,
                "ml03-test-confusion": 3,
                "ml03-answer": 0,
            },
            "blank": {
                "ml03-test-pipeline": 0,
                "ml03-test-cv": 0,
                "ml03-test-confusion": 0,
                "ml03-answer": 0,
            },
            "tampered": {
                "ml03-test-pipeline": 1,
                "ml03-test-cv": 2,
                "ml03-test-confusion": 0,
                "ml03-answer": None,
            },
        },
    )


def _capstone() -> _Assignment:
    cells = (
        _readonly_md(
            "capstone-intro",
            """
            # Abschlussprojekt · Bring your own data

            Sie bearbeiten eine Fragestellung aus Ihrem Arbeitsumfeld mit **Ihren eigenen
            Daten**. Laden Sie dazu mit Ihrer Abgabe eine Datei `data.csv` hoch (UTF-8,
            Komma als Trennzeichen, eine Kopfzeile). Ohne eigene Datei verwendet das Notebook
            ersatzweise den Wein-Datensatz aus scikit-learn, damit Sie alles vorab ausprobieren
            können.

            **Datenschutz:** Verwenden Sie keine personenbezogenen Daten und keine
            Betriebsgeheimnisse ohne Freigabe Ihres Arbeitgebers; anonymisieren oder
            aggregieren Sie im Zweifel vorher.

            Bewertet werden zwei automatische Plausibilitätsprüfungen (4 Punkte), Ihr Bericht
            (12 Punkte) und die Reproduzierbarkeit Ihres Notebooks (4 Punkte).
            """,
        ),
        _readonly_code(
            "capstone-load",
            """
            from pathlib import Path

            import numpy as np
            import pandas as pd
            from sklearn.datasets import load_wine

            DATA_FILE = Path("data.csv")
            if DATA_FILE.exists():
                raw = pd.read_csv(DATA_FILE)
                data_source = "eigene Daten (data.csv)"
            else:
                raw = load_wine(as_frame=True).frame
                data_source = "Ersatzdatensatz: Wein-Daten aus scikit-learn"
            print(f"{data_source}: {raw.shape[0]} Zeilen, {raw.shape[1]} Spalten")
            raw.head()
            """,
        ),
        _readonly_md(
            "capstone-task-prepare",
            """
            ## Schritt 1 – Fragestellung und Datenaufbereitung

            Legen Sie fest:

            * `TARGET`: der Name der Zielspalte in `raw`,
            * `TASK`: `"classification"` oder `"regression"`,
            * `X`: die Merkmale (nur numerische Spalten, **ohne** die Zielspalte),
            * `y`: die Zielspalte,

            jeweils ohne fehlende Werte und mit gleichem Index. Mindestens 30 vollständige
            Zeilen und zwei Merkmale werden erwartet.
            """,
        ),
        _solution(
            "capstone-prepare",
            """
            ### BEGIN SOLUTION
            # The demo file names its label "defekt"; the fallback data call it "target".
            TARGET = "defekt" if "defekt" in raw.columns else "target"
            TASK = "classification"
            clean = raw.dropna()
            X = clean.drop(columns=TARGET).select_dtypes("number")
            y = clean[TARGET]
            ### END SOLUTION
            print(f"{len(X)} Zeilen, {X.shape[1]} Merkmale, Ziel: {TARGET} ({TASK})")
            """,
        ),
        _tests(
            "capstone-test-data",
            2,
            """
            assert TASK in {"classification", "regression"}, "TASK: classification oder regression"
            assert TARGET in raw.columns, "TARGET muss eine Spalte Ihrer Daten sein"
            assert TARGET not in X.columns, "die Zielspalte darf kein Merkmal sein (Datenleck)"
            assert len(X) == len(y) >= 30, "mindestens 30 vollständige Zeilen"
            assert X.shape[1] >= 2, "mindestens zwei Merkmale"
            assert not X.isna().any().any() and not y.isna().any(), "noch fehlende Werte"
            ### BEGIN HIDDEN TESTS
            assert all(pd.api.types.is_numeric_dtype(dtype) for dtype in X.dtypes)
            assert X.index.equals(y.index)
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "capstone-task-model",
            """
            ## Schritt 2 – Modell und Vergleichsmaßstab

            Teilen Sie die Daten (25 % Test, `random_state` fest). Trainieren Sie ein einfaches
            Vergleichsmodell `baseline` (z. B. `DummyClassifier` / `DummyRegressor`) und Ihr
            Modell `model`. Speichern Sie deren `.score` auf den **Testdaten** in
            `baseline_score` und `model_score`.
            """,
        ),
        _solution(
            "capstone-model",
            """
            from sklearn.dummy import DummyClassifier, DummyRegressor
            from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
            from sklearn.model_selection import train_test_split

            ### BEGIN SOLUTION
            stratify = y if TASK == "classification" else None
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=0.25, random_state=0, stratify=stratify
            )
            if TASK == "classification":
                baseline = DummyClassifier(strategy="most_frequent")
                model = RandomForestClassifier(n_estimators=50, random_state=0)
            else:
                baseline = DummyRegressor(strategy="mean")
                model = RandomForestRegressor(n_estimators=50, random_state=0)
            baseline.fit(X_train, y_train)
            model.fit(X_train, y_train)
            baseline_score = baseline.score(X_test, y_test)
            model_score = model.score(X_test, y_test)
            ### END SOLUTION
            print(f"Vergleichsmodell {baseline_score:.3f} · Modell {model_score:.3f}")
            """,
        ),
        _tests(
            "capstone-test-model",
            2,
            """
            import math

            assert 0 < len(X_test) < len(X_train), "bitte etwa 25 % als Testdaten zurückhalten"
            assert set(X_train.index).isdisjoint(X_test.index), "Training und Test überlappen"
            assert math.isfinite(baseline_score) and math.isfinite(model_score)
            ### BEGIN HIDDEN TESTS
            assert math.isclose(model_score, model.score(X_test, y_test))
            assert math.isclose(baseline_score, baseline.score(X_test, y_test))
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "capstone-task-report",
            """
            ## Schritt 3 – Bericht (12 Punkte, manuell bewertet)

            Schreiben Sie in die Zelle darunter einen kurzen Bericht (etwa eine Seite):
            Fragestellung und Nutzen im Betrieb · Herkunft und Qualität der Daten ·
            Vorgehen und Modellwahl · Ergebnis im Vergleich zum Vergleichsmodell ·
            Grenzen, Risiken und nächste Schritte.
            """,
        ),
        _manual(
            "capstone-report",
            12,
            """
            **Fragestellung.** Lassen sich die drei Rebsorten allein aus Laborwerten sicher
            bestimmen, sodass die Sortenprüfung im Wareneingang automatisiert werden kann?

            **Daten.** 178 Weine mit 13 Laborwerten ohne fehlende Werte (Ersatzdatensatz aus
            scikit-learn). Die Klassen sind mäßig unausgewogen (59 / 71 / 48).

            **Vorgehen.** Stratifizierte Aufteilung 75/25 mit festem Zufallsstartwert;
            Vergleichsmodell: immer die häufigste Sorte; Modell: Random Forest mit 50 Bäumen,
            weil er ohne Skalierung auskommt und Wechselwirkungen abbildet.

            **Ergebnis.** Das Vergleichsmodell erreicht rund 0,40 Genauigkeit, der Random
            Forest nahezu 1,0 auf den 45 Testweinen.

            **Grenzen.** Sehr kleiner Testumfang, alle Weine aus einer Region und einem
            Jahrgangszeitraum; vor dem Einsatz braucht es Kreuzvalidierung, Daten aus dem
            eigenen Wareneingang und eine Regel, wann ein Mensch nachprüft.
            """,
        ),
        _task(
            "capstone-reproducibility",
            4,
            """
            ## Reproduzierbarkeit (4 Punkte, von den Lehrenden bewertet)

            Ihr Notebook läuft von oben nach unten ohne Fehler durch, verwendet nur relative
            Pfade und feste Zufallsstartwerte, und Ihre Aufbereitungsschritte sind
            nachvollziehbar kommentiert.

            === BEGIN MARK SCHEME ===
            * 1 Punkt: läuft nach „Restart & Run All“ fehlerfrei durch.
            * 1 Punkt: nur relative Pfade, keine Zugangsdaten oder Server-Pfade im Code.
            * 1 Punkt: `random_state` überall gesetzt, Ergebnisse im Bericht stimmen mit der
              Ausgabe überein.
            * 1 Punkt: Entscheidungen der Aufbereitung (entfernte Zeilen/Spalten, Umkodierung)
              sind begründet.
            === END MARK SCHEME ===
            """,
        ),
    )
    return _Assignment(
        slug=CAPSTONE_SLUG,
        title="Abschlussprojekt: Bring your own data",
        cells=cells,
        answers={
            "correct": {},
            "partial": {
                # The label stays among the features: a data leak the data check catches.
                "capstone-prepare": 'TARGET = "defekt" if "defekt" in raw.columns else "target"\n'
                'TASK = "classification"\n'
                'clean = raw.dropna().select_dtypes("number")\n'
                "X = clean\ny = clean[TARGET]",
                "capstone-report": "Wir sagen die Sorte mit einem Random Forest vorher; das "
                "Ergebnis ist sehr gut. Grenzen: wenige Daten.",
            },
            "wrong": {
                "capstone-prepare": 'TARGET = "defekt" if "defekt" in raw.columns else "target"\n'
                'TASK = "Klassifikation"\n'
                "clean = raw.dropna()\n"
                'X = clean.drop(columns=TARGET).select_dtypes("number")\n'
                "y = clean[TARGET]",
                # Tested on the training data.
                "capstone-model": "model = RandomForestRegressor(n_estimators=50, random_state=0)\n"
                "baseline = DummyRegressor()\n"
                "X_train, y_train = X, y\nX_test, y_test = X, y\n"
                "baseline.fit(X_train, y_train)\nmodel.fit(X_train, y_train)\n"
                "baseline_score = baseline.score(X_test, y_test)\n"
                "model_score = model.score(X_test, y_test)",
                "capstone-report": "Das Modell ist perfekt (Score 1.0).",
            },
            "error": {
                # The participant read a file under another name than the one uploaded.
                "capstone-prepare": 'raw = pd.read_csv("meine_daten.csv")\n'
                'TARGET = "defekt"\nTASK = "classification"\n'
                "clean = raw.dropna()\n"
                'X = clean.drop(columns=TARGET).select_dtypes("number")\n'
                "y = clean[TARGET]",
                "capstone-report": None,
            },
            "tampered": {
                "capstone-prepare": 'TARGET = "defekt" if "defekt" in raw.columns else "target"\n'
                'TASK = "Klassifikation"\n'
                "clean = raw.dropna()\n"
                'X = clean.drop(columns=TARGET).select_dtypes("number")\n'
                "y = clean[TARGET]",
            },
        },
        tampered_test="capstone-test-data",
        expected={
            "correct": {
                "capstone-test-data": 2,
                "capstone-test-model": 2,
                "capstone-report": None,
                "capstone-reproducibility": None,
            },
            "partial": {
                "capstone-test-data": 0,
                "capstone-test-model": 2,
                "capstone-report": None,
                "capstone-reproducibility": None,
            },
            "wrong": {
                "capstone-test-data": 0,
                "capstone-test-model": 0,
                "capstone-report": None,
                "capstone-reproducibility": None,
            },
            "error": {
                "capstone-test-data": 0,
                "capstone-test-model": 0,
                "capstone-report": 0,
                "capstone-reproducibility": None,
            },
            "blank": {
                "capstone-test-data": 0,
                "capstone-test-model": 0,
                "capstone-report": 0,
                "capstone-reproducibility": None,
            },
            "tampered": {
                "capstone-test-data": 0,
                "capstone-test-model": 2,
                "capstone-report": None,
                "capstone-reproducibility": None,
            },
        },
    )


def _dl01() -> _Assignment:
    cells = (
        _readonly_md(
            "dl01-intro",
            """
            # Data Literacy · Mittelwert, Median und Ausreißer

            Kennzahlen fassen Daten zusammen – und können dabei täuschen. Sie arbeiten mit
            einem Datensatz aus der Medizin, der mit scikit-learn ausgeliefert wird: 442
            Patientinnen und Patienten mit Diabetes, unter anderem Alter, Body-Mass-Index
            (`bmi`) und `target`, ein Maß für das Fortschreiten der Krankheit nach einem Jahr.

            Sie brauchen nur einzelne Zeilen Code; ersetzen Sie jeweils
            `raise NotImplementedError()`.

            ![Skizze: In einer rechtsschiefen Verteilung liegt der Mittelwert (rechter Balken)
            über dem Median (linker Balken).](images/lagemasse.png)
            """,
        ),
        _readonly_code(
            "dl01-setup",
            """
            from sklearn.datasets import load_diabetes

            daten = load_diabetes(as_frame=True, scaled=False).frame
            daten[["age", "bmi", "target"]].describe().round(1)
            """,
        ),
        _readonly_md(
            "dl01-task-bmi",
            """
            ## Aufgabe 1 – Lagemaße (2 Punkte)

            Berechnen Sie Mittelwert und Median der Spalte `bmi` als `bmi_mittel` und
            `bmi_median`. Tipp: `daten["bmi"].mean()`.
            """,
        ),
        _solution(
            "dl01-bmi",
            """
            ### BEGIN SOLUTION
            bmi_mittel = daten["bmi"].mean()
            bmi_median = daten["bmi"].median()
            ### END SOLUTION
            print(f"Mittelwert {bmi_mittel:.2f}, Median {bmi_median:.2f}")
            """,
        ),
        _tests(
            "dl01-test-bmi",
            2,
            """
            assert 15 < bmi_mittel < 45, "bmi_mittel liegt nicht im plausiblen Bereich"
            assert bmi_median <= bmi_mittel, "hier liegt der Median unter dem Mittelwert"
            ### BEGIN HIDDEN TESTS
            assert abs(bmi_mittel - daten["bmi"].mean()) < 1e-9
            assert abs(bmi_median - daten["bmi"].median()) < 1e-9
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "dl01-task-share",
            """
            ## Aufgabe 2 – Anteile (2 Punkte)

            Welcher **Anteil** der Personen hat einen `target`-Wert über 200? Speichern Sie
            ihn als Zahl zwischen 0 und 1 in `anteil_hoch`.
            """,
        ),
        _solution(
            "dl01-share",
            """
            ### BEGIN SOLUTION
            anteil_hoch = (daten["target"] > 200).mean()
            ### END SOLUTION
            f"{anteil_hoch:.1%}"
            """,
        ),
        _tests(
            "dl01-test-share",
            2,
            """
            assert 0 <= anteil_hoch <= 1, "ein Anteil liegt zwischen 0 und 1"
            ### BEGIN HIDDEN TESTS
            assert abs(anteil_hoch - (daten["target"] > 200).sum() / len(daten)) < 1e-9
            ### END HIDDEN TESTS
            """,
        ),
        _readonly_md(
            "dl01-task-discuss",
            """
            ## Aufgabe 3 – Deuten (2 Punkte, manuell bewertet)

            Der Mittelwert des BMI liegt über dem Median. Was sagt das über die Verteilung aus,
            und wann würden Sie in einem Bericht eher den Median angeben?
            """,
        ),
        _manual(
            "dl01-answer",
            2,
            """
            Liegt der Mittelwert über dem Median, ist die Verteilung rechtsschief: einige
            Personen mit sehr hohem BMI ziehen den Mittelwert nach oben, während die Hälfte
            der Personen unter dem Median von 25,7 liegt. Den Median gibt man an, wenn die
            Verteilung schief ist oder Ausreißer enthält und man eine „typische“ Person
            beschreiben will – er verschiebt sich durch einzelne Extremwerte kaum.
            """,
        ),
    )
    return _Assignment(
        slug="dl-01-mean-median",
        title="Mittelwert, Median und Ausreißer",
        cells=cells,
        answers={
            "correct": {},
            "partial": {
                "dl01-bmi": 'bmi_mittel = daten["bmi"].mean()\nbmi_median = daten["bmi"].mean()',
                "dl01-answer": "Der Median ist robuster gegen Ausreißer.",
            },
            "wrong": {
                "dl01-bmi": 'bmi_mittel = daten["bmi"].median()\nbmi_median = daten["bmi"].mean()',
                "dl01-share": 'anteil_hoch = (daten["target"] > 200).sum()',
                "dl01-answer": "Mittelwert und Median sind immer gleich.",
            },
            "error": {
                "dl01-bmi": 'bmi_mittel = daten["BMI"].mean()\nbmi_median = daten["BMI"].median()',
                "dl01-answer": None,
            },
            "tampered": {"dl01-share": 'anteil_hoch = (daten["target"] > 200).sum() / 1000'},
        },
        tampered_test="dl01-test-share",
        files=(("images/lagemasse.png", _bar_chart_png((60, 85))),),
        expected={
            "correct": {"dl01-test-bmi": 2, "dl01-test-share": 2, "dl01-answer": None},
            "partial": {"dl01-test-bmi": 0, "dl01-test-share": 2, "dl01-answer": None},
            "wrong": {"dl01-test-bmi": 0, "dl01-test-share": 0, "dl01-answer": None},
            "error": {"dl01-test-bmi": 0, "dl01-test-share": 2, "dl01-answer": 0},
            "blank": {"dl01-test-bmi": 0, "dl01-test-share": 0, "dl01-answer": 0},
            "tampered": {"dl01-test-bmi": 2, "dl01-test-share": 0, "dl01-answer": None},
        },
    )


# --- an nbgrader assignment folder with two notebooks -------------------------------------------

_DIABETES = """
    from sklearn.datasets import load_diabetes

    daten = load_diabetes(as_frame=True, scaled=False).frame
    """


def _streuung() -> NotebookNode:
    return _notebook(
        [
            _readonly_md(
                "intro",
                """
                # Übungsblatt 2, Teil 1 · Streuung

                Wie stark streut der Body-Mass-Index (`bmi`) im Diabetes-Datensatz? Ersetzen Sie
                `raise NotImplementedError()`. Teil 2 ist das Notebook `zusammenhang.ipynb`;
                geben Sie beide zusammen ab. Was die Spalten bedeuten, steht in der Kursdatei
                `daten/variablen.csv` neben den Notebooks.
                """,
            ),
            _readonly_code("setup", _DIABETES),
            _solution(
                "spannweite",
                """
                ### BEGIN SOLUTION
                spannweite = daten["bmi"].max() - daten["bmi"].min()
                ### END SOLUTION
                spannweite
                """,
            ),
            _tests(
                "test",
                2,
                """
                assert abs(spannweite - (daten["bmi"].max() - daten["bmi"].min())) < 1e-9, (
                    "die Spannweite ist der größte minus der kleinste Wert"
                )
                """,
            ),
        ]
    )


def _zusammenhang() -> NotebookNode:
    return _notebook(
        [
            _readonly_md(
                "intro",
                """
                # Übungsblatt 2, Teil 2 · Zusammenhang

                Hängen BMI und Fortschreiten der Krankheit (`target`) zusammen? Berechnen Sie
                die Korrelation nach Pearson als `r`.
                """,
            ),
            _readonly_code("setup", _DIABETES),
            _solution(
                "korrelation",
                """
                ### BEGIN SOLUTION
                r = daten["bmi"].corr(daten["target"])
                ### END SOLUTION
                round(r, 2)
                """,
            ),
            _tests(
                "test",
                2,
                """
                assert 0 < r < 1, "BMI und target hängen positiv zusammen"
                ### BEGIN HIDDEN TESTS
                assert abs(r - daten["bmi"].corr(daten["target"])) < 1e-9
                ### END HIDDEN TESTS
                """,
            ),
            _manual(
                "deuten",
                2,
                """
                Ein Zusammenhang ist keine Ursache: Ein höherer BMI geht mit einem stärkeren
                Fortschreiten einher, aber andere Merkmale (Alter, Blutwerte) können beides
                erklären.
                """,
            ),
        ]
    )


#: The notebooks of the demo's assignment folders (``catalog.DemoFolder.notebooks``). They
#: use the same grade id ("test") in both notebooks, as nbgrader allows.
FOLDER_NOTEBOOKS: Final = {"streuung": _streuung, "zusammenhang": _zusammenhang}


#: The course files of the demo's assignment folders, by the folder's slug
#: (``catalog.DemoFolder.slug``; docs/course-files.md).
FOLDER_FILES: Final[dict[str, tuple[tuple[str, bytes], ...]]] = {
    "dl-02-streuung-zusammenhang": (
        (
            "daten/variablen.csv",
            "spalte,bedeutung\n"
            "bmi,Body-Mass-Index (kg/m²)\n"
            "target,Fortschreiten der Krankheit ein Jahr nach Beginn\n".encode(),
        ),
    ),
}


def folder_notebook(name: str) -> NotebookNode:
    """A source notebook of a demo assignment folder (a fresh copy on every call)."""
    nb = FOLDER_NOTEBOOKS[name]()
    nbformat.validate(nb)
    return nb


def _bar_chart_png(heights: tuple[int, ...], *, width: int = 160, height: int = 100) -> bytes:
    """A small PNG of grey bars (heights in pixels, left to right) on white: the demo's course
    image, made here so the repository holds no binary file."""
    bar = width // (2 * len(heights) + 1)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type "none"
        for x in range(width):
            index, inside = divmod(x - bar, 2 * bar)
            filled = 0 <= index < len(heights) and inside < bar and height - y <= heights[index]
            row += b"\x55\x6b\x8c" if filled else b"\xff\xff\xff"
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def course_files(slug: str) -> list[tuple[str, bytes]]:
    """The course files the demo publishes with an assignment (path, bytes)."""
    return list(_assignment(slug).files)


def _build_registry() -> dict[str, _Assignment]:
    assignments = (_ml01(), _ml02(), _ml03(), _capstone(), _dl01())
    return {a.slug: a for a in assignments}


_REGISTRY: Final = _build_registry()

#: Every notebook assignment this module can build, in programme order.
ASSIGNMENT_SLUGS: Final[tuple[str, ...]] = tuple(_REGISTRY)


def _assignment(slug: str) -> _Assignment:
    try:
        return _REGISTRY[slug]
    except KeyError:
        raise KeyError(f"unknown demo assignment {slug!r}; known: {ASSIGNMENT_SLUGS}") from None


def assignment_title(slug: str) -> str:
    return _assignment(slug).title


def source_notebook(slug: str) -> NotebookNode:
    """The instructor's nbgrader source notebook (a fresh copy on every call)."""
    nb = _notebook([copy.deepcopy(cell) for cell in _assignment(slug).cells])
    nbformat.validate(nb)
    return nb


# nbgrader's code stub as the release notebook holds it, at the indentation of its region.
_CODE_STUB: Final = re.compile(
    r"^([ \t]*)" + r"\n\1".join(map(re.escape, nbgrader.CODE_STUB.split("\n"))) + "$",
    flags=re.MULTILINE,
)


def answer_stub(released: str, code: str) -> str:
    """What a participant does: replace the code stub by ``code``, at the stub's indentation.

    Raises ``ValueError`` unless ``released`` holds exactly one stub: an answer written for a cell
    without one (or with two) is a mistake in the content that built it, not something to skip.
    """

    def indented(stub: re.Match[str]) -> str:
        return "\n".join(stub[1] + line if line else "" for line in code.split("\n"))

    answered, count = _CODE_STUB.subn(indented, released)
    if count != 1:
        raise ValueError("the released cell has no single code stub to answer")
    return answered


def submission_variant(slug: str, variant: Variant) -> NotebookNode:
    """A participant's upload, built from the release notebook.

    * ``correct``: every solution filled in with the reference solution, the manual answer
      written; test cells exactly as released (hidden tests absent).
    * ``partial``: some answers right, some plausibly wrong (a hidden test or a partial-credit
      test catches them).
    * ``wrong``: plausible wrong answers; the tests fail.
    * ``error``: a solution cell raises (KeyError, NameError, ValueError, FileNotFoundError);
      the manual answer is left as released.
    * ``blank``: the release notebook untouched (stubs raise ``NotImplementedError``; the
      manual answer still reads ``YOUR ANSWER HERE``, which nbgrader scores 0 by checksum).
    * ``tampered``: like ``correct`` except one solution is wrong and its test cell was
      rewritten to ``assert True`` with its ``points`` raised to 100. A grader that restores
      test cells (source *and* metadata) from the source notebook gives it exactly the points
      in :func:`expected_scores`; one that trusts the upload gives more.

    Notebooks are returned unexecuted (no outputs): executing them is the grader's job.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; known: {VARIANTS}")
    spec = _assignment(slug)
    nb = release_notebook(source_notebook(slug))
    if variant == "blank":
        return nb
    answers = spec.answers.get(variant, {})
    sources = {nbgrader.cell_grade_id(c) or "": c for c in spec.cells}
    for cell in nb.cells:
        grade_id = nbgrader.cell_grade_id(cell) or ""
        if nbgrader.is_solution(cell):
            if grade_id not in answers:
                cell.source = _without_delimiters(sources[grade_id].source)
            elif (answer := answers[grade_id]) is not None:  # None: left as released
                cell.source = (
                    answer_stub(cell.source, answer) if cell.cell_type == "code" else answer
                )
        elif variant == "tampered" and grade_id == spec.tampered_test:
            cell.source = "assert True"
            cell.metadata["nbgrader"]["points"] = 100
    nbformat.validate(nb)
    return nb


def expected_scores(slug: str, variant: Variant) -> dict[str, Decimal | None]:
    """Points per graded cell (grade id -> points) under nbgrader's semantics.

    Autograded test cells get a number (0 on any error, partial credit from the cell's last
    value, full points otherwise). Manually graded answers get ``None`` (waits for an
    instructor) unless they are unchanged from the release, which scores 0 automatically.
    Task cells are always ``None``.
    """
    spec = _assignment(slug)
    if variant not in spec.expected:
        raise ValueError(f"unknown variant {variant!r}; known: {VARIANTS}")
    expected = spec.expected[variant]
    return {gid: None if pts is None else Decimal(pts) for gid, pts in expected.items()}


# --- the participant's own data for the capstone ---------------------------------------------


def capstone_data_csv() -> bytes:
    """A deterministic, synthetic ``data.csv`` for the bring-your-own-data demo.

    Invented readings from a production line (no real company, no people): four sensor
    values, the shift as text, and the label ``defekt``. A handful of missing values and a
    text column make the participant's preparation step do real work. Built with the
    standard library so the bytes are the same on every machine (the platform stores files
    by their sha256).
    """
    rng = random.Random(2026)
    lines = ["temperatur,druck,drehzahl,vibration,schicht,defekt"]
    shifts = ("Früh", "Spät", "Nacht")
    for row in range(240):
        temperatur = rng.gauss(72.0, 4.0)
        druck = rng.gauss(5.0, 0.4)
        drehzahl = rng.gauss(1450.0, 60.0)
        vibration = rng.gammavariate(2.0, 0.6)
        schicht = shifts[row % 3]
        risk = -2.2 + 0.35 * (temperatur - 72.0) + 1.4 * (vibration - 1.2)
        risk += 0.8 if schicht == "Nacht" else 0.0
        defekt = 1 if rng.random() < 1.0 / (1.0 + math.exp(-risk)) else 0
        cells = [
            f"{temperatur:.1f}",
            f"{druck:.2f}",
            f"{drehzahl:.0f}",
            f"{vibration:.3f}",
            schicht,
            str(defekt),
        ]
        if row % 37 == 5:
            cells[0] = ""  # a sensor that dropped out now and then
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode("utf-8")
