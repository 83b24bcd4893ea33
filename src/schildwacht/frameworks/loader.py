"""Reading and checking the catalogue files under ``data/`` (nothing is written here).

Files are recognised by name: ``basismaatregelen.yaml``, ``groeipad-<id>.yaml``, and every other
``*.yaml`` is a framework version named ``<id>-<version>.yaml``. All files are read and checked
before anything is written, and the references between them (basismaatregel → norm id and
groeipad sub-project) are checked against the shipped files themselves.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from schildwacht.frameworks.schema import BasismaatregelenFile, FrameworkFile, GroeipadFile

DATA_DIR = Path(__file__).parent / "data"
BASISMAATREGELEN_NAME = "basismaatregelen.yaml"
GROEIPAD_PREFIX = "groeipad-"

_S = TypeVar("_S", bound=BaseModel)
_T = TypeVar("_T")


class CatalogueError(ValueError):
    """A catalogue file cannot be used; the message names the file and every problem in it."""


@dataclass(frozen=True)
class Loaded(Generic[_T]):
    """One checked file: its name, the SHA-256 of its bytes and the validated content."""

    name: str
    checksum: str
    data: _T


@dataclass
class Catalogues:
    """Everything under ``data/``, checked and ready to be written."""

    frameworks: list[Loaded[FrameworkFile]] = field(default_factory=list)
    groeipaden: list[Loaded[GroeipadFile]] = field(default_factory=list)
    basismaatregelen: Loaded[BasismaatregelenFile] | None = None


def describe_errors(error: ValidationError) -> str:
    """Pydantic's errors as one line each: where in the file, and what is wrong."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(bestand)"
        message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def _read(path: Path) -> tuple[str, Any]:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path.name}: geen geldige YAML (UTF-8): {exc}") from exc
    if not isinstance(data, dict):
        raise CatalogueError(f"{path.name}: het bestand bevat geen YAML-object")
    return hashlib.sha256(raw).hexdigest(), data


def _validate(schema: type[_S], path: Path, data: Any, context: dict[str, Any] | None = None) -> _S:
    try:
        return schema.model_validate(data, context=context)
    except ValidationError as exc:
        raise CatalogueError(f"{path.name}:\n{describe_errors(exc)}") from exc


def read_framework(path: Path) -> Loaded[FrameworkFile]:
    checksum, data = _read(path)
    framework = _validate(FrameworkFile, path, data)
    expected = f"{framework.id}-{framework.version.isoformat()}.yaml"
    if path.name != expected:
        raise CatalogueError(f"{path.name}: een normenkaderbestand heet {expected}")
    return Loaded(path.name, checksum, framework)


def read_groeipad(path: Path) -> Loaded[GroeipadFile]:
    checksum, data = _read(path)
    groeipad = _validate(GroeipadFile, path, data)
    if path.name != f"{GROEIPAD_PREFIX}{groeipad.id}.yaml":
        raise CatalogueError(f"{path.name}: een groeipadbestand heet groeipad-{groeipad.id}.yaml")
    return Loaded(path.name, checksum, groeipad)


def read_basismaatregelen(
    path: Path, frameworks: list[FrameworkFile], groeipaden: list[GroeipadFile]
) -> Loaded[BasismaatregelenFile]:
    """Check the basismaatregelen against the newest version of the framework they name."""
    checksum, data = _read(path)
    slug = data.get("framework")
    versions = sorted((f for f in frameworks if f.id == slug), key=lambda f: f.version)
    if not versions:
        raise CatalogueError(f"{path.name}: onbekend normenkader {slug!r}")
    context = {
        "norm_ids": versions[-1].norm_ids(),
        "subprojects": set().union(*(g.codes() for g in groeipaden)),
    }
    return Loaded(path.name, checksum, _validate(BasismaatregelenFile, path, data, context))


def read_catalogues(data_dir: Path = DATA_DIR) -> Catalogues:
    """Read and check every catalogue file; raise ``CatalogueError`` naming all bad files."""
    catalogues = Catalogues()
    problems: list[str] = []
    paths = sorted(data_dir.glob("*.yaml"))
    basis_path: Path | None = None
    for path in paths:
        try:
            if path.name == BASISMAATREGELEN_NAME:
                basis_path = path
            elif path.name.startswith(GROEIPAD_PREFIX):
                catalogues.groeipaden.append(read_groeipad(path))
            else:
                catalogues.frameworks.append(read_framework(path))
        except CatalogueError as exc:
            problems.append(str(exc))
    keys = [(f.data.id, f.data.version) for f in catalogues.frameworks]
    if len(keys) != len(set(keys)):
        problems.append("twee bestanden beschrijven dezelfde versie van een normenkader")
    if basis_path is not None and not problems:
        try:
            catalogues.basismaatregelen = read_basismaatregelen(
                basis_path,
                [f.data for f in catalogues.frameworks],
                [g.data for g in catalogues.groeipaden],
            )
        except CatalogueError as exc:
            problems.append(str(exc))
    if problems:
        raise CatalogueError("\n".join(problems))
    return catalogues
