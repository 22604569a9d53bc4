"""The certificate's fonts (matplotlib's DejaVu, embedded), colours and page geometry."""

import importlib.util
import threading
from pathlib import Path

from reportlab.lib.colors import HexColor  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

SERIF, SERIF_BOLD, SERIF_ITALIC = "CertSerif", "CertSerif-Bold", "CertSerif-Italic"
SANS, SANS_BOLD, MONO = "CertSans", "CertSans-Bold", "CertMono"
_FONT_FILES = {
    SERIF: "DejaVuSerif.ttf",
    SERIF_BOLD: "DejaVuSerif-Bold.ttf",
    SERIF_ITALIC: "DejaVuSerif-Italic.ttf",
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    MONO: "DejaVuSansMono.ttf",
}
_fonts_lock = threading.Lock()
_fonts_ready = False


def font_directory() -> Path:
    """matplotlib's bundled DejaVu fonts, found without importing matplotlib (and numpy)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib (for its DejaVu fonts) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def register_fonts() -> None:
    global _fonts_ready
    with _fonts_lock:
        if _fonts_ready:
            return
        directory = font_directory()
        for name, filename in _FONT_FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(directory / filename)))
        _fonts_ready = True


NAVY = HexColor("#1B2A4A")
INK = HexColor("#222222")
GREY = HexColor("#5A5F6B")
GOLD = HexColor("#A8863A")
GUILLOCHE = HexColor("#9FB2CC")
PAPER = HexColor("#FFFDF8")
RED = HexColor("#B3261E")

PAGE_W, PAGE_H = A4
CENTER = PAGE_W / 2
TEXT_WIDTH = PAGE_W - 2 * 92
