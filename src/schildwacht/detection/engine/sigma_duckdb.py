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
"""

from __future__ import annotations

import re
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

    def like_pattern(self, value: SigmaString) -> str:
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
        return f"{field} ILIKE {self.like_pattern(cond.value)} ESCAPE '\\'"

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str:
        assert isinstance(cond.value, SigmaString)
        field = self.escape_and_quote_field(cond.field)
        return f"{field} LIKE {self.like_pattern(cond.value)} ESCAPE '\\'"

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
        """A keyword without a field: anywhere in the original record."""
        assert isinstance(cond.value, SigmaString)
        value = cond.value
        if not value.startswith(SpecialChars.WILDCARD_MULTI):
            value = SpecialChars.WILDCARD_MULTI + value
        if not value.endswith(SpecialChars.WILDCARD_MULTI):
            value = value + SpecialChars.WILDCARD_MULTI
        return f"raw ILIKE {self.like_pattern(value)} ESCAPE '\\'"

    def convert_condition_val_num(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> str:
        return f"raw LIKE {sql_literal('%' + str(cond.value) + '%')}"
