"""Notebook intake: what is accepted, and what is refused with which participant-facing message."""

import copy
import json
from typing import Any

import nbformat
import pytest
from nbformat import v3, v4

import submissions.intake.notebooks as intake
from submissions.intake.notebooks import IntakeLimits, NotebookRejected, validate_notebook
from tests.submissions.notebook_html import PNG, notebook, python_notebook, to_bytes


def rejection(raw: bytes, limits: IntakeLimits | None = None) -> NotebookRejected:
    with pytest.raises(NotebookRejected) as caught:
        validate_notebook(raw, limits or IntakeLimits())
    return caught.value


def two_cells() -> dict[str, Any]:
    nb = python_notebook(
        v4.new_markdown_cell("# Task"),
        v4.new_code_cell("x = 1", execution_count=1, outputs=[]),
    )
    data: dict[str, Any] = json.loads(to_bytes(nb))
    return data


def dumped(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode()


# --- acceptance -------------------------------------------------------------------------------


def test_it_accepts_a_current_notebook_and_records_kernel_and_language() -> None:
    validated = validate_notebook(dumped(two_cells()))

    assert validated.original_version == (4, 5)
    assert validated.kernel_name == "python3"
    assert validated.language == "python"
    assert validated.cell_count == 2
    assert validated.nb.nbformat == 4
    assert validated.nb.cells[0].source == "# Task"


@pytest.mark.parametrize("minor", [0, 1, 2, 3, 4, 5])
def test_it_accepts_every_nbformat_4_minor_version(minor: int) -> None:
    data = two_cells()
    data["nbformat_minor"] = minor
    if minor < 5:  # cell ids arrived in 4.5; older schemas forbid them
        for cell in data["cells"]:
            del cell["id"]

    validated = validate_notebook(dumped(data))

    assert validated.original_version == (4, minor)
    assert validated.cell_count == 2


def test_it_upgrades_a_version_3_notebook_to_version_4() -> None:
    old = v3.new_notebook(
        worksheets=[
            v3.new_worksheet(
                cells=[
                    v3.new_heading_cell("Results", level=2),
                    v3.new_code_cell(
                        input="print(6 * 7)",
                        prompt_number=1,
                        outputs=[v3.new_output("stream", output_text="42\n")],
                    ),
                ]
            )
        ]
    )

    validated = validate_notebook(v3.writes_json(old).encode())

    assert validated.original_version == (3, 0)
    assert validated.nb.nbformat == 4
    assert validated.language == "python"
    heading, code = validated.nb.cells
    assert (heading.cell_type, heading.source) == ("markdown", "## Results")
    assert (code.source, code.execution_count) == ("print(6 * 7)", 1)
    assert code.outputs[0].text == "42\n"


def test_it_accepts_a_byte_order_mark_and_windows_line_endings() -> None:
    raw = b"\xef\xbb\xbf" + dumped(two_cells()).replace(b", ", b",\r\n ")
    assert b"\r\n" in raw

    assert validate_notebook(raw).cell_count == 2


def test_it_accepts_markdown_attachments() -> None:
    cell = v4.new_markdown_cell(
        "![plot](attachment:plot.png)", attachments={"plot.png": {"image/png": PNG}}
    )

    validated = validate_notebook(to_bytes(notebook(cell)))

    assert validated.nb.cells[0].attachments["plot.png"]["image/png"] == PNG


def test_it_accepts_an_r_notebook_and_records_its_language() -> None:
    nb = notebook(
        v4.new_code_cell("summary(cars)"),
        kernelspec={"name": "ir", "display_name": "R", "language": "R"},
        language_info={"name": "R", "pygments_lexer": "r"},
    )

    validated = validate_notebook(to_bytes(nb))

    assert (validated.kernel_name, validated.language) == ("ir", "r")


def test_it_gives_cells_of_a_4_5_notebook_without_ids_fresh_unique_ones() -> None:
    data = two_cells()
    del data["cells"][0]["id"]
    data["cells"][1]["id"] = "same"
    data["cells"].append({**copy.deepcopy(data["cells"][1])})

    validated = validate_notebook(dumped(data))

    ids = [cell.id for cell in validated.nb.cells]
    assert len(set(ids)) == 3


def test_it_accepts_a_newer_4_x_minor_version_as_nbformat_does() -> None:
    # Jupyter promises that minor versions stay readable; refusing them would lock out
    # participants whose Jupyter is newer than the server's.
    data = two_cells()
    data["nbformat_minor"] = 7
    data["cells"][1]["metadata"]["new_feature"] = True

    assert validate_notebook(dumped(data)).original_version == (4, 7)


def test_it_accepts_nesting_up_to_the_limit() -> None:
    data = two_cells()
    value: Any = 1
    for _ in range(62):  # notebook object + metadata object + 62 levels = 64
        value = [value]
    data["metadata"]["deep"] = value

    validate_notebook(dumped(data))


# --- rejection: not a notebook ------------------------------------------------------------


def test_it_rejects_a_file_that_is_not_json_and_says_where() -> None:
    error = rejection(b'{\n  "cells": [],\n    oops\n}')

    assert error.message == (
        "This file is not a Jupyter notebook: it is not valid JSON (line 3, column 5)."
    )
    assert (error.cell, error.field) == (None, None)


def test_it_rejects_bytes_that_are_not_utf8_and_gives_the_byte_offset() -> None:
    error = rejection(b'{"nbformat": 4, "x": "\xff"}')

    assert error.message == (
        "This file is not a Jupyter notebook: it is not UTF-8 text "
        "(unreadable byte at position 22)."
    )


@pytest.mark.parametrize("raw", [b"[]", b"42", b'"notebook"', b"null"])
def test_it_rejects_json_that_is_not_an_object(raw: bytes) -> None:
    assert rejection(raw).message.startswith(
        "This file is not a Jupyter notebook: it is JSON, but not a notebook"
    )


@pytest.mark.parametrize("data", [{"cells": []}, {"nbformat": "4"}, {"nbformat": True}])
def test_it_rejects_an_object_without_a_numeric_nbformat(data: dict[str, Any]) -> None:
    error = rejection(dumped(data))

    assert error.message == (
        "This file is not a Jupyter notebook: it has no “nbformat” version number."
    )
    assert error.field == "nbformat"


def test_it_rejects_nesting_100k_deep_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse_must_not_run(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("json.loads ran on a 100k-deep document")

    monkeypatch.setattr(json, "loads", parse_must_not_run)

    error = rejection(b"[" * 100_000 + b"]" * 100_000)

    assert error.message == ("This notebook is nested too deeply to be read (more than 64 levels).")


def test_it_rejects_nesting_one_level_over_the_limit() -> None:
    data = two_cells()
    value: Any = 1
    for _ in range(63):
        value = [value]
    data["metadata"]["deep"] = value

    assert "nested too deeply" in rejection(dumped(data)).message


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    data = two_cells()
    data["cells"][1]["source"] = "[" * 5000 + '\\"{' * 100

    assert validate_notebook(dumped(data)).cell_count == 2


def test_json_loads_running_out_of_recursion_is_a_rejection_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(intake, "_check_structure", lambda text, limits: None)

    error = rejection(b"[" * 100_000 + b"]" * 100_000)

    assert "nested too deeply" in error.message


def test_a_number_python_refuses_to_convert_is_a_rejection_not_a_crash() -> None:
    error = rejection(b'{"nbformat": 4, "nbformat_minor": 5, "x": ' + b"7" * 5000 + b"}")

    assert error.message == (
        "This file is not a Jupyter notebook: it contains a value that cannot be read."
    )


def test_text_outside_of_json_strings_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed invalid JSON"))

    error = rejection(b"[" + b"[]," * 5000 + "[]]é".encode())

    assert error.message == (
        "This file is not a Jupyter notebook: it is not valid JSON "
        "(it has characters outside of any text value)."
    )


def test_text_inside_json_strings_may_use_any_language() -> None:
    data = two_cells()
    data["cells"][0]["source"] = "# Übung: Größen messen — 測定 🎓"

    assert validate_notebook(dumped(data)).nb.cells[0].source.startswith("# Übung")


def test_it_rejects_a_file_with_too_many_lists_and_objects() -> None:
    raw = b"[" + b"[]," * 5000 + b"[]]"

    error = rejection(raw, IntakeLimits(max_containers=1000))

    assert error.message == (
        "This notebook holds too many values to be read (over 1,000 lists and objects). "
        "Clear large outputs and upload again."
    )


@pytest.mark.parametrize("major", [5, 9])
def test_it_rejects_unknown_future_nbformat_versions(major: int) -> None:
    error = rejection(dumped({"nbformat": major, "nbformat_minor": 0, "cells": []}))

    assert error.message == (
        f"This notebook uses nbformat {major}, which this site does not know "
        "(it reads nbformat 3 and 4). Save it from Jupyter as a regular notebook and "
        "upload it again."
    )
    assert error.field == "nbformat"


def test_it_rejects_ancient_nbformat_versions_with_advice() -> None:
    error = rejection(dumped({"nbformat": 2, "nbformat_minor": 0, "worksheets": []}))

    assert "nbformat 2, which is too old" in error.message
    assert "save it" in error.message


# --- rejection: schema errors, with cell and field ------------------------------------------


@pytest.mark.parametrize(
    ("break_it", "message", "cell", "field"),
    [
        pytest.param(
            lambda d: d["cells"][0].update(cell_type="picture"),
            "Cell 1: field cell_type: “picture” is not a known cell type "
            "(expected “raw”, “markdown” or “code”).",
            1,
            "cell_type",
            id="unknown cell type",
        ),
        pytest.param(
            lambda d: d["cells"][1].pop("source"),
            "Cell 2: field source: this required field is missing.",
            2,
            "source",
            id="missing source",
        ),
        pytest.param(
            lambda d: d["cells"][1].update(
                outputs=[{"output_type": "stream", "name": "stdout", "text": 42}]
            ),
            "Cell 2: field outputs[0].text: should be text or a list, not a number.",
            2,
            "outputs[0].text",
            id="stream text is a number",
        ),
        pytest.param(
            lambda d: d["cells"][1].update(outputs=[{"output_type": "hologram"}]),
            "Cell 2: field outputs[0].output_type: “hologram” is not a known output type "
            "(expected “execute_result”, “display_data”, “stream” or “error”).",
            2,
            "outputs[0].output_type",
            id="unknown output type",
        ),
        pytest.param(
            lambda d: d["cells"][1].update(execution_count="three"),
            "Cell 2: field execution_count: should be a whole number or empty (null), not text.",
            2,
            "execution_count",
            id="execution count is text",
        ),
        pytest.param(
            lambda d: d["cells"][0].update(colour="red"),
            "Cell 1: field colour: this field is not part of the notebook format.",
            1,
            "colour",
            id="unexpected field",
        ),
        pytest.param(
            lambda d: d["metadata"].update(kernelspec={"name": "python3"}),
            "This notebook is damaged: field metadata.kernelspec.display_name: "
            "this required field is missing.",
            None,
            "metadata.kernelspec.display_name",
            id="notebook metadata",
        ),
        pytest.param(
            lambda d: d.update(cells="none"),
            "This notebook is damaged: field cells: should be a list, not text.",
            None,
            "cells",
            id="cells not a list",
        ),
    ],
)
def test_it_rejects_schema_errors_naming_the_cell_and_the_field(
    break_it: Any, message: str, cell: int | None, field: str
) -> None:
    data = two_cells()
    break_it(data)

    error = rejection(dumped(data))

    assert (error.message, error.cell, error.field) == (message, cell, field)


def test_a_broken_version_3_notebook_names_the_cell_as_jupyter_counts_it() -> None:
    old = json.loads(
        v3.writes_json(
            v3.new_notebook(
                worksheets=[
                    v3.new_worksheet(cells=[v3.new_code_cell(input="a")]),
                    v3.new_worksheet(
                        cells=[v3.new_code_cell(input="b"), v3.new_code_cell(input="c")]
                    ),
                ]
            )
        )
    )
    old["worksheets"][1]["cells"][1]["cell_type"] = "picture"

    error = rejection(dumped(old))

    assert error.cell == 3
    assert error.message.startswith("Cell 3: ")


# --- rejection: limits ----------------------------------------------------------------------


def test_it_rejects_an_oversized_file_before_reading_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake, "_decode", lambda raw: pytest.fail("decoded an oversized file"))

    error = rejection(b" " * (3 * 1024 * 1024 + 1), IntakeLimits(max_bytes=3 * 1024 * 1024))

    assert error.message == (
        "The file is 3,145,729 bytes, 1 byte more than the 3 MB a notebook may have. "
        "Clear large outputs and upload again."
    )


def test_it_rejects_too_many_cells() -> None:
    nb = notebook(*[v4.new_markdown_cell(f"cell {n}") for n in range(2001)])

    error = rejection(json.dumps(nb).encode())  # nbformat.writes would validate 2,001 cells

    assert error.message == "This notebook has 2,001 cells, over the limit of 2,000."
    assert error.field == "cells"


def test_it_rejects_a_cell_whose_source_is_too_long() -> None:
    nb = notebook(v4.new_markdown_cell("ok"), v4.new_code_cell("x" * 200_001))

    error = rejection(to_bytes(nb))

    assert error.message == (
        "Cell 2: its source is 200,001 characters long, over the limit of 200,000."
    )
    assert (error.cell, error.field) == (2, "source")


def test_it_rejects_a_cell_whose_outputs_are_too_large_and_says_how_large() -> None:
    big = "x" * (7 * 1024 * 1024)
    outputs = [v4.new_output("stream", name="stdout", text=big) for _ in range(2)]
    nb = notebook(
        *[v4.new_code_cell("pass") for _ in range(6)], v4.new_code_cell("spam()", outputs=outputs)
    )

    error = rejection(to_bytes(nb), IntakeLimits(max_bytes=40 * 1024 * 1024))

    assert error.message == (
        "Cell 7: its outputs are 14 MB, 4 MB more than the 10 MB a cell may have. "
        "Clear the outputs of this cell and upload again."
    )
    assert (error.cell, error.field) == (7, "outputs")


def test_a_rejection_is_a_value_error_carrying_its_message() -> None:
    error = rejection(b"nope")

    assert isinstance(error, ValueError)
    assert str(error) == error.message


def test_the_intake_result_is_an_nbformat_notebook_node() -> None:
    assert isinstance(validate_notebook(dumped(two_cells())).nb, nbformat.NotebookNode)
