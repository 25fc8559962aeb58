"""Turn untrusted feed text into plain, inert text, and feed links into safe http(s) links.

Everything a feed says ends up in a terminal, a notification or a digest, so text must not
be able to move the cursor, retitle the window, plant a hyperlink or flip the reading
direction. `clean_text` yields plain text with none of that; `safe_link` yields an absolute
http(s) URL or None.

Rich/Textual markup (`[bold]`, `[@click=...]`) is deliberately left alone: it is ordinary
text here, and the TUI escapes it where it renders (rich.markup.escape / Text objects).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

__all__ = ["clean_text", "html_to_text", "safe_link"]

ELLIPSIS = "…"
MAX_LINK_LENGTH = 4096

# Terminal escape sequences, removed whole (dropping only the ESC byte would leave "[31m"
# or a window title behind). String sequences (OSC, DCS, SOS, PM, APC) run to BEL or ST;
# their body excludes every introducer, so an unterminated one can never make the scan
# quadratic. An unterminated string sequence loses only its introducer: the rest is inert.
_ESCAPES = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x90\x98\x9c\x9d\x9e\x9f]*(?:\x07|\x1b\\|\x9c)"
    r"|(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]"  # CSI: colours, cursor moves
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]"  # two-byte and nF sequences (ESC c resets the terminal)
)

# Invisible or direction-changing characters with no place in a headline: C0 controls
# (whitespace ones are handled by the whitespace rules), DEL and C1, bidi embeddings,
# overrides and isolates (U+202A-202E, U+2066-2069, "Trojan Source"), zero-width and
# other invisible format characters, the soft hyphen (it would split "fen\xadtanyl" for
# the matcher), Unicode tags (invisible ASCII look-alikes), lone surrogates (they cannot
# be encoded for the terminal or SQLite), and the noncharacters U+FFFE and U+FFFF (never
# text; the digest's Atom and HTML would not be well-formed XML with them). ZWJ and ZWNJ
# stay: Urdu, Persian and emoji need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u061c\u115f\u1160\u180e\u200b\u200e\u200f"
    "\u202a-\u202e\u2060-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb\ufffe\uffff\ud800-\udfff"
    "\U000e0000-\U000e007f]"
)

# Numeric references to C0 controls and DEL. html.unescape turns these into "" so that
# "&#27;[31m" would leave "[31m" behind; decoded to the real character first, the whole
# escape sequence is then removed like a raw one. (References to 0x80-0x9f keep the HTML5
# meaning, windows-1252 punctuation, which is what old feeds mean by "&#146;".)
_CONTROL_REF = re.compile(r"&#(?:[xX]0*([0-9a-fA-F]{1,2})|0*([0-9]{1,3}));?")

# Entity references with their semicolon: what may be decoded inside a URL. Legacy
# semicolon-less forms ("&copy", "&not") are left alone, as browsers do in attributes, so
# that "?a=1&not=2" survives.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Characters a browser removes from anywhere in a URL (tab, newline) or that have no
# business in one; spaces are percent-encoded at the end.
_URL_JUNK = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff\ud800-\udfff]"
)

# Elements whose text is not prose: never shown, never matched.
_SKIP = frozenset({"script", "style", "template", "head", "title", "iframe", "object", "svg"})
# Elements that start a new line of text rather than run on from the previous word.
_BLOCK = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th",
        "tr", "ul",
    }
)  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        # Inline elements (<b>, <a>, <span>) join their neighbours: "<b>Ta</b>riffs".

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <hr/>, and a self-closed <script/> that must not open a skipped region.
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _decode_control_refs(s: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1), 16) if m.group(1) else int(m.group(2))
        if 0 < code < 0x20 or code == 0x7F:
            return chr(code)
        return m.group(0)

    return _CONTROL_REF.sub(repl, s)


def html_to_text(s: str) -> str:
    """Markup to text: tags dropped (blocks become line breaks), entities decoded.

    The result still needs `clean_text`'s control-character rules; use clean_text unless
    you are composing your own pipeline.
    """
    if "&#" in s:
        s = _decode_control_refs(s)
    if "<" not in s:
        # No markup: spare the parser (most titles take this path).
        return html.unescape(s) if "&" in s else s
    simple = _simple_markup(s)
    if simple is not None:
        return simple
    parser = _TextExtractor()
    parser.feed(s)
    parser.close()
    return "".join(parser.parts)


# A plain start or end tag: a name of ASCII letters and digits; a start tag may have
# attributes in quotes (no "<" or ">" in them), blanks and a "/" before its ">". End tags,
# then the name, the attributes and the "/" of start tags are captured.
_SIMPLE_TAG = re.compile(
    r"<(?:/([a-zA-Z][a-zA-Z0-9]*)|([a-zA-Z][a-zA-Z0-9]*)"
    r"""(?:[ \t\n\r]+[a-zA-Z][-a-zA-Z0-9_:.]*=(?:"[^"<>]*"|'[^'<>]*'))*[ \t\n\r]*(/?))>"""
)
# Elements html.parser reads the content of as raw text in some Python version (script,
# style; 3.14 adds the HTML5 raw-text and RCDATA elements), or that _TextExtractor skips.
_RAW = _SKIP | {"noembed", "noframes", "noscript", "plaintext", "textarea", "xmp", "math"}


def _simple_markup(s: str) -> str | None:
    """What _TextExtractor makes of `s` when all its markup is simple tags (most feeds'
    summaries: <p>, <a href="...">, <br/>), without html.parser; else None.

    html.parser, fed such text, reports each tag as a start, self-closing or end tag by its
    lowercased name, and between them the text as it stands, each run of it unescaped on
    its own (convert_charrefs); any other "<" (comments, declarations, stray "<", other
    tag syntax) or an element in _RAW leaves `s` to the parser."""
    pieces = _SIMPLE_TAG.split(s)
    # pieces: text, then (end tag name, start tag name, "/" or "") and text after each tag
    texts = pieces[::4]
    if any("<" in text for text in texts):
        return None
    parts = [html.unescape(texts[0])]
    for at in range(1, len(pieces), 4):
        name = (pieces[at] or pieces[at + 1]).lower()
        if name in _RAW:
            return None
        if name in _BLOCK:  # a start, self-closing or end tag: a line break all the same
            parts.append("\n")
        parts.append(html.unescape(pieces[at + 3]))
    return "".join(parts)


def _truncate(text: str, max_len: int) -> str:
    if len(text) <= max_len:
        return text
    if max_len <= 1:
        return ELLIPSIS[:max_len]
    cut = text[: max_len - 1]
    # Cut at a word boundary unless that loses too much (CJK text has no spaces).
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space >= max_len * 0.6:
        cut = cut[:space]
    return cut.rstrip(" \n,;:") + ELLIPSIS


def clean_text(s: str | None, max_len: int, *, html: bool = True, multiline: bool = False) -> str:
    """Plain, inert, single-line text of at most `max_len` characters.

    `html=False` says the input is already plain text (feedparser's text/plain): tags and
    entities are then kept literally. `multiline=True` keeps line breaks between blocks
    (paragraphs, list items) as single "\\n"; otherwise all whitespace collapses to single
    spaces.
    """
    if not s:
        return ""
    # Markup can outweigh its text many times over, but a 10 MB summary must not cost
    # 10 MB of work to yield 2,000 characters.
    s = s[: max(max_len * 20, 20_000)]
    text = html_to_text(s) if html else s
    if "\x1b" in text or "\x9b" in text or "\x9d" in text or "\x90" in text:
        text = _ESCAPES.sub("", text)
    text = _INVISIBLE.sub("", text)
    if multiline:
        lines = (" ".join(line.split()) for line in text.splitlines())
        text = "\n".join(line for line in lines if line)
    else:
        text = " ".join(text.split())
    return _truncate(text, max_len)


def safe_link(url: str | None, base: str | None = None) -> str | None:
    """An absolute http(s) URL with a host, or None.

    Relative links are resolved against `base`. Anything else (javascript:, data:, file:,
    vbscript:, mailto:, a URL with no host) is refused, including when disguised with
    leading blanks or control characters, mixed case, embedded tabs or entity references.
    """
    if not url:
        return None
    s = url
    if "&" in s:
        s = _ENTITY.sub(lambda m: html.unescape(m.group(0)), s)
    s = _URL_JUNK.sub("", s).strip()
    if not s or len(s) > MAX_LINK_LENGTH:
        return None
    try:
        if base:
            s = urljoin(base, s)
        parts = urlsplit(s)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    # urlsplit lowercases the scheme; the string keeps whatever case it came in.
    s = parts.scheme + s[len(parts.scheme) :]
    return s.replace(" ", "%20")
