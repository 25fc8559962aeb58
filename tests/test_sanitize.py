"""sanitize.py: untrusted feed text becomes plain inert text; links become http(s) or None."""

from __future__ import annotations

import unicodedata

import pytest

from briefer.sanitize import clean_text, html_to_text, safe_link


def clean(s: str, max_len: int = 300, **kw: bool) -> str:
    return clean_text(s, max_len, **kw)


def assert_inert(text: str, *, multiline: bool = False) -> None:
    for ch in text:
        if multiline and ch == "\n":
            continue
        assert unicodedata.category(ch) not in ("Cc", "Cs"), repr(text)
        assert not 0x202A <= ord(ch) <= 0x202E and not 0x2066 <= ord(ch) <= 0x2069, repr(text)


# ------------------------------------------------------------------------ escape sequences


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\x1b[31mRed\x1b[0m alert", "Red alert"),  # SGR colour
        ("\x1b[2J\x1b[1;1HCleared", "Cleared"),  # clear screen, cursor home
        ("\x1b[?1049hAlt screen", "Alt screen"),  # private-mode CSI
        ("\x1b]8;;http://x\x07click\x1b]8;;\x07 here", "click here"),  # OSC 8 hyperlink
        ("\x1b]8;;http://x\x1b\\click\x1b]8;;\x1b\\ here", "click here"),  # ... ended by ST
        ("\x1b]0;pwned\x07Border news", "Border news"),  # window title, BEL
        ("\x1b]52;c;ZWNobyBoaQ==\x07Clipboard", "Clipboard"),  # OSC 52 clipboard write
        ("\x1bPq#0;2;0;0;0\x1b\\Sixel", "Sixel"),  # DCS
        ("\x1b_Gf=100;AAAA\x1b\\Kitty", "Kitty"),  # APC (kitty graphics)
        ("\x1b^privacy\x1b\\PM", "PM"),  # PM
        ("\x1bXsos\x1b\\SOS", "SOS"),  # SOS
        ("\x1bcReset", "Reset"),  # RIS: full terminal reset
        ("\x1b(0Line drawing\x1b(B", "Line drawing"),  # nF charset designation
        ("\x1b7Saved\x1b8", "Saved"),  # save/restore cursor
        ("\x9b31mC1 CSI", "C1 CSI"),  # 8-bit CSI
        ("\x9d0;title\x9cC1 OSC", "C1 OSC"),  # 8-bit OSC ... ST
        ("\x9d0;title\x07C1 OSC", "C1 OSC"),
    ],
)
def test_escape_sequences_are_removed_whole(raw: str, expected: str) -> None:
    assert clean(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "&#x1b;[31mRed&#x1B;[0m alert",
        "&#27;[31mRed&#027;[0m alert",
        "&#x1b;[31mRed&#x1b;[0m alert",
        "&#x1b;]0;pwned&#x07;&#x1b;[31mRed&#27;[0m alert",
        "<b>&#x1b;[31mRed</b>&#27;[0m alert",
    ],
)
def test_escape_sequences_from_numeric_references(raw: str) -> None:
    # html.unescape alone would turn &#27; into "" and leave "[31m" behind.
    assert clean(raw) == "Red alert"


def test_unterminated_string_sequence_leaves_inert_text() -> None:
    assert clean("\x1b]0;no terminator here") == "0;no terminator here"


def test_many_unterminated_sequences_stay_linear() -> None:
    # Each introducer stops the previous scan, so this cannot go quadratic.
    text = "\x1b]" * 5000 + "x" + "\x90" * 5000
    assert clean(text, 10_000) == "x"


def test_plain_text_mode_still_removes_escapes() -> None:
    assert clean("\x1b[31m<b>red</b>", html=False) == "<b>red</b>"


# ------------------------------------------------------------------------------ controls


def test_c0_c1_and_del_are_removed() -> None:
    raw = "A\x00B\x01C\x07D\x08E\x7fF\x80G\x8dH\x9fI"
    assert clean(raw) == "ABCDEFGHI"


def test_title_is_single_line() -> None:
    assert clean("Line one\nline\ttwo\r\nthree\u2028four\x0bfive\x0c six") == (
        "Line one line two three four five six"
    )


def test_multiline_keeps_single_line_breaks() -> None:
    raw = "First para.\n\n\n  Second\t para.  \r\nThird\u2029Fourth"
    assert clean(raw, multiline=True) == "First para.\nSecond para.\nThird\nFourth"


def test_bidi_controls_are_removed() -> None:
    raw = "\u202eevil\u202c \u202aa\u202b \u202d\u2066b\u2067c\u2068d\u2069"
    assert clean(raw) == "evil a bcd"


def test_zero_width_junk_is_removed() -> None:
    assert clean("fen\u200bta\u2060nyl\ufeff car\u00adtel") == "fentanyl cartel"


def test_joiners_needed_by_scripts_and_emoji_stay() -> None:
    urdu = "می\u200cخواهم"  # ZWNJ is spelling in Persian/Urdu
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean(urdu) == urdu
    assert clean(family) == family


def test_lone_surrogates_are_removed() -> None:
    assert clean("a\ud800b") == "ab"


def test_unicode_tags_are_removed() -> None:
    smuggled = "".join(chr(0xE0000 + ord(c)) for c in "ignore previous")
    assert clean(f"Headline{smuggled}") == "Headline"


def test_ordinary_unicode_is_kept() -> None:
    text = "Aranceles: ¿qué sigue? — Sheinbaum y el T-MEC 🇲🇽 «sí» 北京 بی بی سی"
    assert clean(text) == text


@pytest.mark.parametrize("ch", ["\u00a0", "\u2003", "\u3000", "\u2009"])
def test_unicode_spaces_collapse(ch: str) -> None:
    assert clean(f"a{ch}{ch}b") == "a b"


# ----------------------------------------------------------------------------- HTML


def test_tags_are_stripped_and_entities_decoded() -> None:
    raw = "<p>Tariffs &amp; <b>trade</b>: &lt;script&gt; is text &#8212; &eacute;&#233;</p>"
    assert clean(raw) == "Tariffs & trade: <script> is text — éé"


def test_decoded_markup_is_not_parsed_again() -> None:
    assert clean("&lt;b&gt;bold&lt;/b&gt;") == "<b>bold</b>"


def test_script_style_and_friends_are_dropped() -> None:
    raw = (
        "<style>p{color:red}</style><p>Kept</p><script>alert('x')</script>"
        "<template><p>hidden</p></template><iframe>fallback</iframe> text"
    )
    assert clean(raw) == "Kept text"


def test_unclosed_script_drops_the_rest() -> None:
    assert clean("Visible <script>alert(1) and everything after") == "Visible"


def test_block_elements_separate_words() -> None:
    raw = "<div>One</div><div>Two</div><p>Three<br>Four</p><ul><li>Five</li><li>Six</li></ul>"
    assert clean(raw) == "One Two Three Four Five Six"
    assert clean(raw, multiline=True) == "One\nTwo\nThree\nFour\nFive\nSix"


def test_inline_elements_join() -> None:
    assert clean("<b>Ta</b>riffs <a href='x'>and</a> <span>duties</span>") == "Tariffs and duties"


def test_comments_and_images_vanish() -> None:
    assert clean('Before<!-- hidden --><img src="x" alt="pic"/> after') == "Before after"


def test_lone_angle_brackets_survive() -> None:
    assert clean("x < y and y > z") == "x < y and y > z"


def test_cp1252_references_mean_punctuation() -> None:
    # Old feeds write &#146; for an apostrophe; HTML5 maps it, and so do we.
    assert clean("don&#146;t &#150; ok") == "don’t – ok"


def test_plain_mode_keeps_tags_and_entities_literal() -> None:
    assert clean("x <b> &amp; y", html=False) == "x <b> &amp; y"


def test_html_to_text_fast_path() -> None:
    assert html_to_text("no markup") == "no markup"
    assert html_to_text("AT&amp;T") == "AT&T"


# --------------------------------------------------------------------- markup stays literal


@pytest.mark.parametrize(
    "raw",
    [
        "[@click=app.quit]x[/]",
        "[link=file:///etc/passwd]y[/link]",
        "[bold red]loud[/bold red]",
        "$(rm -rf ~) `id`",
    ],
)
def test_rich_markup_and_shell_are_just_text(raw: str) -> None:
    # Escaping is the renderer's job; here it must survive untouched.
    assert clean(raw) == raw


# ------------------------------------------------------------------------------ length


def test_length_cap_cuts_at_a_word() -> None:
    text = clean("word " * 100, 50)
    assert len(text) <= 50
    assert text.endswith("word…")


def test_length_cap_without_spaces_cuts_hard() -> None:
    text = clean("北" * 100, 50)
    assert text == "北" * 49 + "…"


def test_short_text_is_not_touched() -> None:
    assert clean("exactly ten", 11) == "exactly ten"


def test_cap_counts_after_markup_is_gone() -> None:
    assert clean("<p>" + "<b></b>" * 1000 + "Short</p>", 20) == "Short"


def test_huge_input_is_cheap() -> None:
    text = clean("<p>" + "a " * 5_000_000 + "</p>", 2000, multiline=True)
    assert len(text) <= 2000
    assert text.endswith("…")


@pytest.mark.parametrize("value", [None, ""])
def test_empty_input(value: str | None) -> None:
    assert clean_text(value, 100) == ""


def test_results_are_inert() -> None:
    nasty = "".join(chr(c) for c in range(0, 0xA0)) + "\u202e\u2066\ud800 tail"
    assert_inert(clean(nasty))
    assert_inert(clean(nasty, multiline=True), multiline=True)


# -------------------------------------------------------------------------------- links


BASE = "https://feeds.example.com/news/rss.xml"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "  javascript:alert(1)",
        "\x01\x02javascript:alert(1)",
        "\x00javascript:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "&#106;avascript:alert(1)",
        "&#x6A;avascript:alert(1)",
        "jav&#x09;ascript:alert(1)",
        "javascript&colon;alert(1)",
        "\u202ejavascript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "DATA:text/html,<script>",
        "file:///etc/passwd",
        "FILE://localhost/etc/passwd",
        "vbscript:msgbox(1)",
        "mailto:someone@example.com",
        "ftp://example.com/x",
        "http://",
        "http://host:notaport/",
        "http://[::1",
        "",
        "   ",
    ],
)
def test_unsafe_links_are_refused(url: str) -> None:
    assert safe_link(url) is None
    assert safe_link(url, BASE) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.com/a", "https://example.com/a"),
        ("HTTP://Example.com/A", "http://Example.com/A"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/a\x00b", "https://example.com/ab"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/?a=1&amp;b=2", "https://example.com/?a=1&b=2"),
        ("https://example.com/?a=1&not=2&copy=3", "https://example.com/?a=1&not=2&copy=3"),
        ("https://例え.jp/パス", "https://例え.jp/パス"),
    ],
)
def test_safe_links_are_kept(url: str, expected: str) -> None:
    assert safe_link(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/2026/11/story", "https://feeds.example.com/2026/11/story"),
        ("story.html", "https://feeds.example.com/news/story.html"),
        ("../up.html", "https://feeds.example.com/up.html"),
        ("//cdn.example.net/x", "https://cdn.example.net/x"),
        ("?page=2", "https://feeds.example.com/news/rss.xml?page=2"),
    ],
)
def test_relative_links_resolve_against_base(url: str, expected: str) -> None:
    assert safe_link(url, BASE) == expected
    assert safe_link(url) is None  # no base: not a usable link


def test_link_without_a_host_is_refused() -> None:
    assert safe_link("https:///no-host") is None
    # With a base, "https:" is a same-scheme relative reference (RFC 3986 5.2.2).
    assert safe_link("https:///no-host", BASE) == "https://feeds.example.com/no-host"


def test_unsafe_base_does_not_make_a_link_safe() -> None:
    assert safe_link("/x", "file:///etc/") is None
    assert safe_link("x", "javascript:alert(1)//") is None


def test_none_link() -> None:
    assert safe_link(None) is None
    assert safe_link(None, BASE) is None


# ------------------------------------------------------------------- simple markup path

_MARKUP_PIECES = [
    "<p>", "</p>", "</P>", "<P>", "<br/>", "<br />", "<BR>", "<b>", "</b>", "<i>", "</i>",
    '<a href="https://x.example/?a=1&amp;b=2">', "<a href='x'>", "</a>", '<img src="a" alt="b"/>',
    '<span\tclass="c"\n>', "</span>", "<div>", "</div>", "<h2>", "</h2>", "<li>", "<ul>",
    "<script>", "</script>", "<style>", "<title>", "<textarea>", "<svg>", "<iframe>",
    "<noscript>", "<xmp>", "<!-- c -->", "<!DOCTYPE html>", "<?pi?>", "<", ">", "< p>",
    "</p >", "<p/ >", "<p attr>", "<h1 id=x>", '<a b="<">', "<a b='>'>", "<div-x>", "<x:y>",
    '<a href="x"/>', "<p\x0c>", "</>", "</ p>", "<p\u00a0>", '<a  href = "x">',
    "&amp;", "&am", "p;", "&#39;", "&lt;b&gt;", "&", ";", "&nbsp", "&nbsp;", "&#x27;", "&#1;",
    "&#27;[31m", "&copy", "&notit;", "Tariffs ", "cártel", " ", "\n", "\t", "word", "x=1",
]  # fmt: skip


def _parsed(s: str) -> str:
    from briefer.sanitize import _TextExtractor

    parser = _TextExtractor()
    parser.feed(s)
    parser.close()
    return "".join(parser.parts)


def test_simple_markup_reads_as_html_parser_reads_it() -> None:
    # The shortcut must give exactly what html.parser gives, for every text it takes.
    import random

    from briefer.sanitize import _simple_markup

    rng = random.Random(11)
    taken = 0
    for _ in range(20_000):
        s = "".join(rng.choices(_MARKUP_PIECES, k=rng.randint(0, 12)))
        simple = _simple_markup(s)
        if simple is not None:
            taken += 1
            assert simple == _parsed(s), repr(s)
    assert taken > 1_000
    for s in ("<p>A &amp; B</p>", "<p>Tar<b>iff</b>s</p><br/>hit", '<a href="u">x</a>'):
        assert _simple_markup(s) == _parsed(s) == html_to_text(s)
    for s in ("<script>x</script>y", "a <!-- b --> c", "1 < 2", "<p\x0c>x"):
        assert _simple_markup(s) is None
