"""The file length a PDF's first object declares (线性化字典 /L), read as poppler reads it.

A viewer that takes a file as linearized reads it from the cross-reference section after
its first object, never from the incremental updates at its end.  poppler does so when
that first object is a dictionary whose ``/L`` is the file's length: a document prepared
with ``/L`` set to the length the file will have after a later signature shows that
viewer another document than the one verified.  qpdf finds the first object differently
(through the cross-reference table), so it is read here from the bytes, with poppler's
lexer rules: comments and whitespace skipped, a number ending at the first byte that is
not a digit (``90000abc`` is 90000), one sign, names with ``#xx`` escapes, a dictionary
key that is not a name skipped, ``n g R`` a reference (not a number).

    >>> declared_lengths(b"%PDF-1.7\\n1 0 obj << /Linearized 1 /L 1375 /N 1 >> endobj")
    {1375}
"""

from __future__ import annotations

__all__ = ["declared_lengths"]

_WHITESPACE = frozenset(b"\x00\t\n\x0c\r ")
_DELIMITERS = frozenset(b"()<>[]{}/%")
_DIGITS = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_MAX_TOKENS = 100_000
_MAX_DEPTH = 100

# token kinds
_INT, _REAL, _NAME, _STRING, _KEYWORD, _OPEN_DICT, _CLOSE_DICT, _OPEN_ARRAY, _CLOSE_ARRAY, _END = range(10)


class _TooMuch(Exception):
    """The first object is larger or deeper than is read here."""


class _Lexer:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.at = 0
        self.count = 0

    def token(self) -> tuple[int, object]:
        self.count += 1
        if self.count > _MAX_TOKENS:
            raise _TooMuch
        data, n = self.data, len(self.data)
        while self.at < n:
            c = data[self.at]
            if c in _WHITESPACE:
                self.at += 1
            elif c == 0x25:  # % comment, to the end of the line
                while self.at < n and data[self.at] not in (0x0A, 0x0D):
                    self.at += 1
            else:
                break
        if self.at >= n:
            return _END, None
        c = data[self.at]
        if c in _DIGITS or c in b"+-.":
            return self._number()
        self.at += 1
        if c == 0x2F:  # /
            return _NAME, self._name()
        if c == 0x28:  # (
            self._skip_string()
            return _STRING, None
        if c == 0x3C:  # <
            if data[self.at:self.at + 1] == b"<":
                self.at += 1
                return _OPEN_DICT, None
            end = data.find(b">", self.at)
            self.at = n if end == -1 else end + 1
            return _STRING, None
        if c == 0x3E:  # >
            if data[self.at:self.at + 1] == b">":
                self.at += 1
                return _CLOSE_DICT, None
            return _KEYWORD, b">"
        if c == 0x5B:
            return _OPEN_ARRAY, None
        if c == 0x5D:
            return _CLOSE_ARRAY, None
        if c in _DELIMITERS:  # { } ) on their own
            return _KEYWORD, bytes([c])
        start = self.at - 1
        while self.at < n and data[self.at] not in _WHITESPACE and data[self.at] not in _DELIMITERS:
            self.at += 1
        return _KEYWORD, data[start:self.at]

    def _number(self) -> tuple[int, object]:
        data, n = self.data, len(self.data)
        start = self.at
        c = data[self.at]
        self.at += 1
        if c == 0x2E:  # .
            return self._real()
        while self.at < n and data[self.at] in _DIGITS:
            self.at += 1
        if self.at < n and data[self.at] == 0x2E:
            self.at += 1
            return self._real()
        text = data[start:self.at]
        digits = text.lstrip(b"+-")
        value = int(digits) if digits else 0
        return _INT, -value if text.startswith(b"-") else value

    def _real(self) -> tuple[int, object]:
        while self.at < len(self.data) and self.data[self.at] in _DIGITS:
            self.at += 1
        return _REAL, None

    def _name(self) -> bytes:
        data, n = self.data, len(self.data)
        out = bytearray()
        while self.at < n and data[self.at] not in _WHITESPACE and data[self.at] not in _DELIMITERS:
            c = data[self.at]
            if c == 0x23 and self.at + 2 < n and data[self.at + 1] in _HEX and data[self.at + 2] in _HEX:
                out.append(int(data[self.at + 1:self.at + 3], 16))
                self.at += 3
            else:
                out.append(c)
                self.at += 1
        return bytes(out)

    def _skip_string(self) -> None:
        data, n = self.data, len(self.data)
        depth = 1
        while self.at < n and depth:
            c = data[self.at]
            if c == 0x5C:  # backslash: the next byte is taken as it is
                self.at += 2
                continue
            if c == 0x28:
                depth += 1
            elif c == 0x29:
                depth -= 1
            self.at += 1


class _Parser:
    """poppler's object parser, keeping of a dictionary only its integer values by key."""

    def __init__(self, data: bytes) -> None:
        self.lexer = _Lexer(data)
        self.ahead: list[tuple[int, object]] = []

    def peek(self, k: int) -> tuple[int, object]:
        while len(self.ahead) <= k:
            self.ahead.append(self.lexer.token())
        return self.ahead[k]

    def take(self) -> tuple[int, object]:
        token = self.peek(0)
        self.ahead.pop(0)
        return token

    def value(self, depth: int) -> tuple[int, object]:
        """The next object: (kind, value), a dictionary as {key: [integer values]}."""
        if depth > _MAX_DEPTH:
            raise _TooMuch
        kind, value = self.take()
        if kind == _INT and self.peek(0)[0] == _INT and self.peek(1) == (_KEYWORD, b"R"):
            self.take()
            self.take()
            return _KEYWORD, b"R"  # a reference: no number
        if kind == _OPEN_ARRAY:
            while self.peek(0)[0] not in (_CLOSE_ARRAY, _END):
                self.value(depth + 1)
            self.take()
            return _OPEN_ARRAY, None
        if kind == _OPEN_DICT:
            entries: dict[bytes, list[int]] = {}
            while True:
                key_kind, key = self.take()
                if key_kind in (_CLOSE_DICT, _END):
                    return (_OPEN_DICT, entries) if key_kind == _CLOSE_DICT else (_END, None)
                if key_kind != _NAME:
                    continue  # poppler: "dictionary key must be a name object", skipped
                item_kind, item = self.value(depth + 1)
                if item_kind == _END:
                    return _END, None
                if item_kind == _INT and isinstance(key, bytes) and isinstance(item, int):
                    entries.setdefault(key, []).append(item)
        return kind, value


def declared_lengths(data: bytes) -> set[int] | None:
    """The integer values of ``/L`` in the file's first object, when that object is
    ``n g obj`` with a dictionary (every value, should the key appear twice); an empty
    set otherwise.  None when the first object is too large or too deep to read here
    (over 100,000 tokens or 100 levels), which no honest first object is."""
    parser = _Parser(data)
    try:
        if parser.value(0)[0] != _INT or parser.value(0)[0] != _INT or parser.take() != (_KEYWORD, b"obj"):
            return set()
        kind, entries = parser.value(0)
    except (_TooMuch, RecursionError):
        return None
    if kind != _OPEN_DICT or not isinstance(entries, dict):
        return set()
    return set(entries.get(b"L", []))
