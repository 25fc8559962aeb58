"""Display text for the terminal follows the same cleaning rules as stored text."""

from __future__ import annotations

from briefer.tui.text import clean


def test_clean_removes_whole_escape_sequences_including_8_bit_ones() -> None:
    assert clean("a\x1b[31mred\x1b[0m b") == "ared b"
    assert clean("a\x9b31mb") == "ab"  # 8-bit CSI: the parameters go with it
    assert clean("x\x1b]8;;http://evil/\x07link") == "xlink"


def test_clean_removes_bidi_overrides_and_keeps_markup_literal() -> None:
    assert clean("safe \u202eevil\u202c") == "safe evil"
    assert clean("[@click=app.quit]x[/]") == "[@click=app.quit]x[/]"


def test_clean_keeps_line_breaks_only_when_asked() -> None:
    assert clean("one\n\ntwo\tthree") == "one two three"
    assert clean("one\n\ntwo", one_line=False) == "one\ntwo"
