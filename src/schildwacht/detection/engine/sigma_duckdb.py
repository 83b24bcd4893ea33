"""A pySigma backend that turns Sigma rules into DuckDB SQL over normalised events.

Written for this engine rather than reusing another backend's SQL, because the semantics
differ where it matters:

* Sigma matches strings case-insensitively unless ``|cased`` is given: every string match is
  ``ILIKE`` with ``\\`` as the escape character, so ``%`` and ``_`` in a value are literal;
  ``|cased`` becomes ``LIKE``.
* Sigma's regular expressions (``|re``) run as RE2 through ``regexp_matches``; the ``i``,
  ``m`` and ``s`` flags become an inline ``(?ims)`` prefix. A construct RE2 lacks
  (look-around, back-references) fails the rule's check and is reported, not run.
* Numbers compare as text (``'50126'``), because most columns and every raw JSON value are
  text; ``|gt`` and friends cast to a number.
* A field that is one of our columns (or a known alias, ``data/sigma_mapping.yaml``) reads the
  column; any other field is read from the original record, so a rule written in a source's own
  field names still runs (more slowly).
* A keyword (a value without a field) matches like ``|contains``, with the same wildcards and
  ``|cased``, in the event's values: for a free-text source (syslog) its ``message``; for the
  others every string or number anywhere in the original record, nested or in an array, as
  the value reads after JSON unescaping. Key names, ``true``/``false`` and ``null`` never
  match, so the keyword ``status`` does not find every record that has a status field. A
  number is matched as DuckDB writes it (``2.50`` as ``2.5``, ``1e3`` as ``1000.0``), an
  escaped character as the character (``\\u0041`` as ``A``). Several keywords are ORed,
  ``|all`` ANDs them (each may be in another value).
"""

from __future__ import annotations

import re
import string
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import yaml
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.state import ConversionState
from sigma.rule import SigmaLogSource
from sigma.types import (
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

from schildwacht.detection.engine.schema import COLUMN_NAMES, sql_literal

MAPPING_FILE = Path(__file__).resolve().parent.parent / "data" / "sigma_mapping.yaml"


@cache
def _mapping() -> dict[str, Any]:
    with MAPPING_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def field_aliases() -> dict[str, str]:
    return dict(_mapping()["fields"])


def sources_for(logsource: SigmaLogSource) -> list[str] | None:
    """The sources a rule's logsource covers (the first listed match wins), or None."""
    given = {
        "product": logsource.product,
        "service": logsource.service,
        "category": logsource.category,
    }
    for entry in _mapping()["logsources"]:
        wanted: dict[str, str] = entry["match"]
        if all(given.get(key) == value for key, value in wanted.items()):
            return list(entry["sources"])
    return None


def field_sql(field: str) -> str:
    """SQL for a Sigma field name: our column, an alias of one (or of an expression over
    them), or the raw record's value."""
    column = field if field in COLUMN_NAMES else field_aliases().get(field)
    if column and column.startswith("sql:"):
        return "(" + column[4:].strip() + ")"
    if column:
        return f'"{column}"'
    path = "$." + ".".join('"' + part.replace('"', "") + '"' for part in field.split("."))
    return f"json_extract_string(raw, {sql_literal(path)})"


@cache
def _regex_checker() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(":memory:")


def check_regex(pattern: str) -> None:
    """Refuse a regular expression DuckDB's RE2 cannot compile (look-around,
    back-references): DuckDB only notices when a row is tested, so test one now."""
    try:
        _regex_checker().execute("SELECT regexp_matches('', ?)", [pattern]).fetchall()
    except duckdb.Error as error:
        raise NotImplementedError(f"regular expression not supported by DuckDB: {error}") from None


class DuckDBBackend(TextQueryBackend):
    """Sigma → DuckDB SQL conditions (a ``WHERE`` clause body) over the events table."""

    name: ClassVar[str] = "Schildwacht DuckDB"
    formats: ClassVar[dict[str, str]] = {"default": "DuckDB SQL condition"}
    requires_pipeline: ClassVar[bool] = False

    precedence = (ConditionNOT, ConditionAND, ConditionOR)
    group_expression = "({expr})"
    token_separator = " "
    or_token = "OR"
    and_token = "AND"
    not_token = "NOT"
    eq_token = " = "
    str_quote = "'"
    escape_char = "\\"
    wildcard_multi = "%"
    wildcard_single = "_"
    bool_values = {True: "true", False: "false"}
    # All string comparisons go through convert_condition_field_eq_val_str below.
    startswith_expression = None
    endswith_expression = None
    contains_expression = None
    wildcard_match_expression = None
    re_expression = "regexp_matches({field}, '{regex}')"
    re_escape_char = "'"
    re_escape = ("'",)  # type: ignore[assignment]
    re_escape_escape_char = False
    re_flag_prefix = True
    re_flags = {
        SigmaRegularExpressionFlag.IGNORECASE: "i",
        SigmaRegularExpressionFlag.MULTILINE: "m",
        SigmaRegularExpressionFlag.DOTALL: "s",
    }
    compare_op_expression = "TRY_CAST({field} AS DOUBLE) {operator} {value}"
    compare_operators = {
        SigmaCompareExpression.CompareOperators.LT: "<",
        SigmaCompareExpression.CompareOperators.LTE: "<=",
        SigmaCompareExpression.CompareOperators.GT: ">",
        SigmaCompareExpression.CompareOperators.GTE: ">=",
    }
    field_null_expression = "{field} IS NULL"
    field_exists_expression = "{field} IS NOT NULL"
    field_not_exists_expression = "{field} IS NULL"
    field_equals_field_expression = "lower({field1}) = lower({field2})"
    convert_or_as_in = False
    convert_and_as_in = False
    query_expression = "{query}"

    def escape_and_quote_field(self, field_name: str) -> str:
        return field_sql(field_name)

    def convert_condition_not(self, cond: ConditionNOT, state: ConversionState) -> Any:
        """``NOT`` that is true for an event without the field: in SQL a comparison with NULL
        is NULL and ``NOT NULL`` would drop the event, where Sigma says "does not match"."""
        arg = cond.args[0]
        if arg is None:
            return None
        if arg.__class__ in self.precedence:
            inner = self.convert_condition_group(arg, state)
        else:
            inner = self.convert_condition(arg, state)
        if not isinstance(inner, str):
            raise NotImplementedError("deferred expressions are not supported")
        return f"NOT COALESCE({inner}, FALSE)"

    @staticmethod
    def like_pattern(value: SigmaString) -> str:
        """A Sigma string as a quoted LIKE pattern: wildcards become ``%``/``_``, a literal
        ``%``, ``_`` or ``\\`` is escaped, quotes are doubled."""
        parts: list[str] = []
        for part in value.s:
            if part == SpecialChars.WILDCARD_MULTI:
                parts.append("%")
            elif part == SpecialChars.WILDCARD_SINGLE:
                parts.append("_")
            elif isinstance(part, str):
                parts.append(re.sub(r"([\\%_])", r"\\\1", part))
            else:  # placeholders left unresolved
                raise NotImplementedError(f"placeholder {part} not supported")
        return sql_literal("".join(parts))

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        assert isinstance(cond.value, SigmaString)
        field = self.escape_and_quote_field(cond.field)
        return f"{field} {like_sql('ILIKE', self.like_pattern(cond.value))}"

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        assert isinstance(cond.value, SigmaString)
        field = self.escape_and_quote_field(cond.field)
        return f"{field} {like_sql('LIKE', self.like_pattern(cond.value))}"

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        field = self.escape_and_quote_field(cond.field)
        return f"CAST({field} AS VARCHAR) = {sql_literal(str(cond.value))}"

    def convert_condition_field_eq_val_bool(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        assert isinstance(cond.value, SigmaBool)
        field = self.escape_and_quote_field(cond.field)
        wanted = "true" if cond.value.boolean else "false"
        return f"lower(CAST({field} AS VARCHAR)) = '{wanted}'"

    def convert_condition_field_eq_val_re(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> Any:
        assert isinstance(cond.value, SigmaRegularExpression)
        check_regex(str(self.convert_value_re(cond.value, state)).replace("''", "'"))
        return super().convert_condition_field_eq_val_re(cond, state)

    def convert_condition_field_eq_val_cidr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        assert isinstance(cond.value, SigmaCIDRExpression)
        network = cond.value.network
        if network.version != 4:
            raise NotImplementedError("only IPv4 networks are supported in |cidr")
        field = self.escape_and_quote_field(cond.field)
        number = (
            f"(CASE WHEN regexp_full_match({field}, '\\d{{1,3}}(\\.\\d{{1,3}}){{3}}') THEN "
            f"TRY_CAST(split_part({field}, '.', 1) AS BIGINT) * 16777216 + "
            f"TRY_CAST(split_part({field}, '.', 2) AS BIGINT) * 65536 + "
            f"TRY_CAST(split_part({field}, '.', 3) AS BIGINT) * 256 + "
            f"TRY_CAST(split_part({field}, '.', 4) AS BIGINT) END)"
        )
        low = int(network.network_address)
        high = int(network.broadcast_address)
        return f"{number} BETWEEN {low} AND {high}"

    def convert_condition_val_str(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> str:
        """A keyword without a field: contained in a value of the event (see keyword_sql)."""
        assert isinstance(cond.value, SigmaString)
        return keyword_sql(cond.value, cased=isinstance(cond.value, SigmaCasedString))

    def convert_condition_val_num(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> str:
        """A number without a field: a keyword, its digits contained in a value."""
        return keyword_sql(SigmaString(str(cond.value)), cased=True)


# Log types whose record is a line of text: the reader's JSON holds the line's header parsed
# into fields next to the message, and a keyword is meant for the message.
FREE_TEXT_LOG_TYPES = ("syslog",)
# Characters that every JSON writer puts in a string as they are (Python's and .NET's escape
# non-ASCII, .NET also <>&'+` and PHP /); a keyword's other characters may be escaped in
# ``raw`` and only stand for "something" in the quick test on ``raw`` (keyword_sql). JSON
# allows any character to be written as a ``\u`` escape, but no common writer does so for
# these: a record that does goes to the exact test by a branch of its own (``_ESCAPE``).
_VERBATIM = frozenset(string.ascii_letters + string.digits + " !#$%()*,-.:;?@[]^_{|}~")
# DuckDB's ILIKE lowers the non-ASCII "İ" and the Kelvin sign to i and k: a case-insensitive
# i or k may stand for a character a writer escaped. (Checked over every code point: no other
# character is ILIKE an ASCII one.)
_FOLDED_FROM_NON_ASCII = frozenset("iIkK")
# A ``\u`` escape of one of the characters listed (their codes in hex, in either case).
_ESCAPE = r"\\u00(?i:{})"
# What a number is written with, in ``raw`` and by DuckDB. A keyword of nothing else may be
# found in a number, which DuckDB writes its own way: ``1e3`` as ``1000.0``, ``0.0000001`` as
# ``1e-7``, a number of more digits than a double holds rounded (``0.12345678901234567890``
# as ``0.12345678901234568``). Any other number DuckDB writes as it stands in ``raw``, or with
# fewer trailing zeros (``2.50`` as ``2.5``, ``-0`` as ``0``): what DuckDB writes is in the
# text. A keyword with any other character can only be found in a string.
_NUMBER_CHARACTERS = frozenset("0123456789.eE+-")
# A number in ``raw`` that DuckDB may write otherwise, as above: one with an exponent, of at
# least 16 digits, or below 1e-6. Every number of a record follows a colon, a comma or a
# bracket; a GUID in a string does not. One regular expression for each of the three: one
# that starts with a fixed character is searched for about four times faster.
_NUMBER_WRITTEN_OTHERWISE = tuple(
    re.escape(before) + r"[ \t\r\n]*-?(?:[0-9][0-9.]*[eE][-+]?[0-9]+[ \t\r\n,}\]]"
    r"|[0-9][0-9.]{15}|0\.0{6})"
    for before in ":,["
)


# A string token, optionally followed by the colon that makes it a key, or a number. Matched
# from the left, a string is taken whole from its opening quote, so nothing inside it (a quote,
# a colon, digits) is taken for a token of its own.
_TOKEN = r'"[^"\\]*(?:\\.[^"\\]*)*"\s*:?|-?[0-9][0-9.eE+-]*'
# Records whose size times number of brackets (a bound on what ``$..*`` writes) is at most
# this go through ``$..*``; a sign-in or audit record is far below (35,000 at most in the
# sample logs), a crafted deep record far above. It also bounds the memory ``$..*`` takes for
# a vector of records.
UNPACK_LIMIT = 250_000


def record_values_sql(limit: int | None = None) -> str:
    """SQL for the strings and numbers anywhere in ``raw``, unescaped, as a list.

    DuckDB's recursive JSON path ``$..*`` lists every value under the root, and ``json_type``
    with the same path their types, in the same order. It also writes out every object and
    array it passes, which costs about the record's size times its depth: a record that may be
    deep (its size times its number of brackets over ``limit``, by default ``UNPACK_LIMIT``)
    is split into tokens by a regular expression instead, in linear time but about four times
    slower."""
    if limit is None:
        limit = UNPACK_LIMIT
    brackets = "(strlen(raw) - strlen(replace(replace(raw, '[', ''), '{', '')))"
    by_path = (
        "[pair[1] FOR pair IN list_zip(json_extract_string(raw, '$..*'), "
        "json_type(raw, '$..*')) IF pair[2] NOT IN ('OBJECT', 'ARRAY', 'BOOLEAN', 'NULL')]"
    )
    # The tokens that are not keys, as a JSON array of scalars: DuckDB unescapes them.
    by_tokens = (
        f"json_extract_string('[' || array_to_string(list_filter(regexp_extract_all(raw, "
        f"{sql_literal(_TOKEN)}), lambda token: NOT suffix(token, ':')), ',') || ']', '$[*]')"
    )
    return f"CASE WHEN strlen(raw) * {brackets} <= {limit} THEN {by_path} ELSE {by_tokens} END"


def like_sql(operator: str, pattern: str) -> str:
    """``LIKE``/``ILIKE`` with a quoted pattern from ``like_pattern``; the ``ESCAPE`` clause
    only where the pattern escapes something: DuckDB takes a pattern with an escape character
    by a path about five times slower (legacy authentication's eleven values: 0.15 s against
    0.03 s over a million sign-ins), and without one no character is special but ``%``/``_``."""
    escape = " ESCAPE '\\'" if "\\" in pattern else ""
    return f"{operator} {pattern}{escape}"


def keyword_sql(value: SigmaString, *, cased: bool) -> str:
    """SQL for a Sigma keyword: a value that contains it (``ILIKE``, or ``LIKE`` when cased).

    For a free-text source (syslog) the value is the ``message``. For the other sources, which
    keep their record as JSON in ``raw``, it is any string or number anywhere in the record,
    nested or in an array, unescaped; not a key name, a ``true``, ``false`` or ``null``, or the
    text of an object (``record_values_sql``).

    Unpacking a record is about four times slower than searching its text, so the text is
    tested first and only a record that passes is unpacked; for a rare keyword the quick test
    is all that runs. It never drops a record the exact test keeps. A record passes when

    * its text matches a looser pattern, in which every character a JSON writer may escape,
      every ``?`` and, without ``|cased``, every i and k becomes ``%``. In a string value that
      holds the keyword, the keyword's other characters stand verbatim in ``raw``, unless one
      was written as a ``\\u`` escape (``\\u0041`` for ``A``: legal JSON, though no common
      writer does it for them); so also when
    * its text holds a ``\\u`` escape of one of those characters. A keyword of nothing but
      digits, ``.``, ``e``, ``+`` and ``-`` may also be found in a number, which DuckDB may
      write otherwise than it stands in ``raw`` (``1e3`` as ``1000.0``); so for such a keyword
      also when
    * its text holds such a number (``_NUMBER_WRITTEN_OTHERWISE``).

    The last two are tested only on the records the pattern refused, and cost little: the
    escape is first looked for by a plain search for ``\\u00``, and the numbers by regular
    expressions that start with a fixed character (0.01 s and 0.1 s over 100,000 sign-ins, 170
    MB, against 0.1 to 0.4 s for the whole keyword). A keyword of nothing but wildcards and
    escapable characters gets no quick test.
    """
    if not value.startswith(SpecialChars.WILDCARD_MULTI):
        value = SpecialChars.WILDCARD_MULTI + value
    if not value.endswith(SpecialChars.WILDCARD_MULTI):
        value = value + SpecialChars.WILDCARD_MULTI
    operator = "LIKE" if cased else "ILIKE"
    exact = like_sql(operator, DuckDBBackend.like_pattern(value))
    in_values = f"len(list_filter({record_values_sql()}, lambda value: value {exact})) > 0"
    free_text = ", ".join(sql_literal(log_type) for log_type in FREE_TEXT_LOG_TYPES)
    # A CASE, not an AND or OR: in a SELECT list DuckDB evaluates both sides of those, but a
    # CASE branch only for the rows that reach it, so each test below runs only on the rows
    # the ones before it refused (and within a WHEN, AND and OR do stop early).
    branches = [f"WHEN log_type IN ({free_text}) THEN message {exact}"]
    quick = _quick_test(value, cased=cased)
    if quick is None:
        return f"CASE {branches[0]} ELSE {in_values} END"
    for test in quick:
        branches.append(f"WHEN {test} THEN {in_values}")
    return f"CASE {' '.join(branches)} ELSE false END"


def _quick_test(value: SigmaString, *, cased: bool) -> list[str] | None:
    """Tests on ``raw`` that a record holding a value that matches ``value`` passes, at
    least one of them (see keyword_sql); None when there are none to make."""
    verbatim = _VERBATIM if cased else _VERBATIM - _FOLDED_FROM_NON_ASCII
    literal: list[str] = []
    for part in value.s:
        if isinstance(part, str):
            literal.extend(part)
        elif part not in (SpecialChars.WILDCARD_MULTI, SpecialChars.WILDCARD_SINGLE):
            raise NotImplementedError(f"placeholder {part} not supported")
    loose = _loose_pattern(value, verbatim)
    if loose is None:
        return None
    operator = "LIKE" if cased else "ILIKE"
    tests = [f"raw {like_sql(operator, loose)}"]
    kept = {char for char in literal if char in verbatim}
    if not cased:
        kept |= {char.swapcase() for char in kept}
    escapes = "|".join(sorted(f"{ord(char):02x}" for char in kept))
    # The plain search first: an AND in a WHEN tests its right side only on the rows its left
    # side let through, and a regular expression is slow.
    tests.append(
        f"contains(raw, '\\u00') AND regexp_matches(raw, {sql_literal(_ESCAPE.format(escapes))})"
    )
    if all(char in _NUMBER_CHARACTERS for char in literal):
        tests.append(
            " OR ".join(
                f"regexp_matches(raw, {sql_literal(pattern)})"
                for pattern in _NUMBER_WRITTEN_OTHERWISE
            )
        )
    return tests


def _loose_pattern(value: SigmaString, verbatim: frozenset[str]) -> str | None:
    """A LIKE pattern for the JSON text of a record holding a string value that matches
    ``value`` with the characters in ``verbatim`` as they are (see keyword_sql), or None when
    none of the keyword's characters is."""
    # Literal characters (escaped for LIKE) and None for "anything here".
    tokens: list[str | None] = []
    for part in value.s:
        if isinstance(part, str):
            for char in part:
                if char not in verbatim:
                    tokens.append(None)
                else:
                    tokens.append("\\" + char if char in "%_" else char)
        else:  # a wildcard (placeholders are refused by _quick_test)
            tokens.append(None)
    if all(token is None for token in tokens):
        return None
    pattern = ""
    for position, token in enumerate(tokens):
        if token is not None:
            pattern += token
        elif position == 0 or tokens[position - 1] is not None:
            pattern += "%"  # one for a run of them
    return sql_literal(pattern)
