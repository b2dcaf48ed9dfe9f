"""A small evaluator for the spreadsheet formulas the add-in writes, for tests.

It knows only the subset ``domain/formulas.py`` emits (``FUNCTIONS_USED``,
numbers, ``TRUE``/``FALSE``, text literals, A1 references with an optional
quoted sheet, ``+ - * /``, comparisons) and follows the spreadsheet's rules
for it: errors propagate, ``IF`` evaluates one branch only, a blank cell is 0
in arithmetic and FALSE as a condition, ``ISNUMBER`` is FALSE for a boolean
(Excel), ``ROUND`` is half away from zero on the decimal the number prints as.
That is enough to evaluate a formula at chosen inputs (band boundaries, a
broken band table) in a fraction of a millisecond, without LibreOffice; the
LibreOffice parity tests remain the reference for the rounding details.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Callable, Mapping


@dataclass(frozen=True)
class Error:
    """A spreadsheet error value such as ``#N/A``."""

    code: str


NA = Error("#N/A")
DIV0 = Error("#DIV/0!")
VALUE = Error("#VALUE!")

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d*)?(?:[Ee][+-]?\d+)?|\.\d+(?:[Ee][+-]?\d+)?)
  | (?P<string>"(?:[^"]|"")*")
  | (?P<ref>(?:(?:'(?:[^']|'')+'|[^\W\d][\w.]*)!)?\$?[A-Z]{1,3}\$?\d+(?![\w(]))
  | (?P<name>[A-Z][A-Z0-9.]*(?=\())
  | (?P<bool>TRUE|FALSE)(?![\w(])
  | (?P<op><=|>=|<>|[-+*/=<>(),])
""", re.VERBOSE)


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise SyntaxError(f"cannot read the formula at {text[pos:pos + 20]!r}")
        pos = m.end()
        if m.lastgroup != "space":
            out.append((m.lastgroup, m.group()))
    return out


class _Parser:
    """Recursive descent into a tree of tuples; precedence as in Excel."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise SyntaxError("the formula ends too early")
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            raise SyntaxError(f"expected {expected!r}, found {token[1]!r}")
        self.i += 1
        return token

    def comparison(self) -> tuple:
        left = self.additive()
        while self.peek() in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take()[1]
            left = ("cmp", op, left, self.additive())
        return left

    def additive(self) -> tuple:
        left = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            left = ("arith", op, left, self.term())
        return left

    def term(self) -> tuple:
        left = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            left = ("arith", op, left, self.unary())
        return left

    def unary(self) -> tuple:
        if self.peek() in ("-", "+"):
            op = self.take()[1]
            operand = self.unary()
            return operand if op == "+" else ("neg", operand)
        return self.primary()

    def primary(self) -> tuple:
        kind, text = self.take()
        if kind == "number":
            return ("value", float(text))
        if kind == "string":
            return ("value", text[1:-1].replace('""', '"'))
        if kind == "bool":
            return ("value", text == "TRUE")
        if kind == "ref":
            return ("ref", *_split_ref(text))
        if kind == "name":
            self.take("(")
            args = []
            if self.peek() != ")":
                args.append(self.comparison())
                while self.peek() == ",":
                    self.take()
                    args.append(self.comparison())
            self.take(")")
            return ("call", text, args)
        if text == "(":
            inner = self.comparison()
            self.take(")")
            return inner
        raise SyntaxError(f"unexpected {text!r}")


def _split_ref(text: str) -> tuple[str | None, str]:
    sheet, _, cell = text.rpartition("!")
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return (sheet or None), cell.replace("$", "")


def parse(formula: str) -> tuple:
    parser = _Parser(tokenize(formula[1:] if formula.startswith("=") else formula))
    tree = parser.comparison()
    if parser.peek() is not None:
        raise SyntaxError(f"unexpected {parser.peek()!r} after the end")
    return tree


# ---------------------------------------------------------------- values


def _number(v: Any) -> float | Error:
    """A value used in arithmetic: blank 0, TRUE 1, text #VALUE!."""
    if isinstance(v, Error):
        return v
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    return VALUE


def _truth(v: Any) -> bool | Error:
    if isinstance(v, Error):
        return v
    if v is None:
        return False
    if isinstance(v, (bool, int, float)):
        return bool(v)
    return VALUE


def _compare(op: str, a: Any, b: Any) -> bool | Error:
    for v in (a, b):
        if isinstance(v, Error):
            return v
    if isinstance(a, str) or isinstance(b, str):  # text: a blank is "", case is ignored (Excel, LibreOffice)
        a, b = ("" if v is None else v for v in (a, b))
        if isinstance(a, str) and isinstance(b, str):
            a, b = a.casefold(), b.casefold()
    a, b = (0.0 if v is None else v for v in (a, b))
    if type(a) is not type(b) and not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (a, b)):
        return VALUE  # the formulas never compare across types; refuse rather than guess
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _round(x: float, digits: float) -> float:
    d = int(digits)
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
    return float(q)


def _arith(op: str, a: Any, b: Any) -> Any:
    a, b = _number(a), _number(b)
    if isinstance(a, Error):
        return a
    if isinstance(b, Error):
        return b
    if op == "/":
        return DIV0 if b == 0 else a / b
    return {"+": a + b, "-": a - b, "*": a * b}[op]


class Sheet:
    """Evaluates formulas against cell values: ``{(sheet, "B3"): value}``."""

    def __init__(self, cells: Mapping[tuple[str, str], Any], current: str) -> None:
        self.cells, self.current = cells, current

    def evaluate(self, formula: str) -> Any:
        return self._eval(parse(formula))

    def _eval(self, node: tuple) -> Any:
        kind = node[0]
        if kind == "value":
            return node[1]
        if kind == "ref":
            return self.cells.get((node[1] or self.current, node[2]))
        if kind == "neg":
            v = _number(self._eval(node[1]))
            return v if isinstance(v, Error) else -v
        if kind == "arith":
            return _arith(node[1], self._eval(node[2]), self._eval(node[3]))
        if kind == "cmp":
            return _compare(node[1], self._eval(node[2]), self._eval(node[3]))
        return self._call(node[1], node[2])

    def _call(self, name: str, args: list[tuple]) -> Any:
        if name == "IF":
            cond = _truth(self._eval(args[0]))
            if isinstance(cond, Error):
                return cond
            if cond:
                return self._eval(args[1])
            return self._eval(args[2]) if len(args) > 2 else False
        values = [self._eval(a) for a in args]
        if name in ("ISNUMBER", "ISLOGICAL"):
            v = values[0]
            return isinstance(v, bool) if name == "ISLOGICAL" else (
                isinstance(v, (int, float)) and not isinstance(v, bool))
        if name == "NA":
            return NA
        if name == "TRIM":
            return _trim(values[0])
        return _FUNCTIONS[name](values)


def _trim(v: Any) -> Any:
    """TRIM: a value as text, spaces at the ends dropped and inner runs made one."""
    if isinstance(v, Error):
        return v
    if v is None:
        return ""
    if isinstance(v, bool):
        v = "TRUE" if v else "FALSE"
    elif isinstance(v, float) and v.is_integer():
        v = str(int(v))
    return " ".join(part for part in str(v).split(" ") if part)


def _logical(combine: Callable[[list[bool]], bool]) -> Callable[[list[Any]], Any]:
    def run(values: list[Any]) -> Any:
        truths = [_truth(v) for v in values]
        for t in truths:
            if isinstance(t, Error):
                return t
        return combine(truths)
    return run


def _numeric(fn: Callable[..., float]) -> Callable[[list[Any]], Any]:
    def run(values: list[Any]) -> Any:
        numbers = [_number(v) for v in values]
        for n in numbers:
            if isinstance(n, Error):
                return n
        result = fn(*numbers)
        return VALUE if isinstance(result, float) and math.isnan(result) else result
    return run


_FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "AND": _logical(all),
    "OR": _logical(any),
    "NOT": _logical(lambda t: not t[0]),
    "ROUND": _numeric(_round),
    "MAX": _numeric(max),
    "MIN": _numeric(min),
    "ABS": _numeric(abs),
}


def grid_cells(sheet: str, rows: list[list[Any]]) -> dict[tuple[str, str], Any]:
    """``{(sheet, "A1"): value}`` for a grid that starts at A1 (blank text is blank)."""
    out = {}
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            out[(sheet, _column(c) + str(r))] = value
    return out


def _column(c: int) -> str:
    name = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        name = chr(65 + rem) + name
    return name
