"""Read the catalog CSV files, check every row, and check the ids one file takes from another.

Any problem stops the load with one InputError naming the file, line, id, field, value and fix.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from planner.catalog.cells import cell_problem
from planner.catalog.names import resolve_chip
from planner.catalog.rows import Catalog, Chip, CloudOffer, OpenModel, OwnedHardware, Row, Site
from planner.errors import InputError, bounded_repr, did_you_mean
from planner.files import read_limited
from planner.limits import CATALOG_FILE_MAX_BYTES

# Catalog table -> (file name, row model).
FILES: dict[str, tuple[str, type[Row]]] = {
    "chips": ("chips.csv", Chip),
    "offers": ("offers.csv", CloudOffer),
    "hardware": ("hardware.csv", OwnedHardware),
    "sites": ("sites.csv", Site),
    "models": ("models.csv", OpenModel),
}

# A loaded file: row id -> (row, line number in the file).
Table = dict[str, tuple[Row, int]]

_FIXES = {
    "source": "name the paper, datasheet or price page the figures come from (say so when derived or assumed)",
    "as_of": "give the date the figures were true or read, as YYYY-MM or YYYY-MM-DD",
    "missing": "fill in this column (see docs/catalogs.md)",
    "finite_number": "give a finite number, not NaN or inf",
    "greater_than": "give a positive number in the unit the column name states",
    "greater_than_equal": "give a number at or above the lower bound, in the column's unit",
    "less_than": "give a number below the upper bound, in the column's unit",
    "less_than_equal": "give a number at or below the upper bound, in the column's unit",
    "int_parsing": "give a whole number",
    "int_from_float": "give a whole number",
    "float_parsing": "give a number (e.g. 7.5e9), in the unit the column name states",
    "bool_parsing": "give true or false",
}


def default_catalog_dir() -> Path:
    """The bundled catalog: planner/_catalogs in an installed wheel, else the repo's catalogs/."""
    package = Path(__file__).resolve().parents[1]
    candidates = (package / "_catalogs", package.parent / "catalogs")
    for candidate in candidates:
        if (candidate / "chips.csv").is_file():
            return candidate
    raise InputError("catalog", "no bundled catalog found in " + " or ".join(map(str, candidates)),
                     "reinstall the package, or pass a catalog directory")


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and check the catalog in `directory` (default: the bundled one, loaded once and cached)."""
    if directory is None:
        return _load_default()
    return _load(Path(directory))


@lru_cache(maxsize=1)
def _load_default() -> Catalog:
    return _load(default_catalog_dir())


def _load(directory: Path) -> Catalog:
    if not directory.is_dir():
        raise InputError(str(directory), "catalog directory not found", "pass a directory holding " +
                         ", ".join(name for name, _ in FILES.values()))
    tables = {table: read_table(directory / name, model) for table, (name, model) in FILES.items()}
    _check_references(directory, tables)
    return Catalog(**{table: {key: row for key, (row, _) in rows.items()} for table, rows in tables.items()})


def read_table(path: Path, model: type[Row]) -> Table:
    """Every row of one catalog file, checked against `model`; raises InputError on the first problem."""
    if not path.exists():
        raise InputError(str(path), "catalog file not found",
                         f"create it with the columns {', '.join(_columns(model))} (docs/catalogs.md)")
    rows: Table = {}
    data = read_limited(path, CATALOG_FILE_MAX_BYTES, "catalog CSV")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"{path} line {line}", f"is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
                         f"{exc.start})", "save the catalog file as UTF-8 CSV") from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = [name.strip() for name in next(reader, [])]
            _check_header(path, header, model)
            for values in reader:
                if not any(value.strip() for value in values):
                    continue
                line = reader.line_num
                if len(values) != len(header):
                    raise InputError(f"{path} line {line}",
                                     f"malformed CSV: {len(values)} fields but the header has {len(header)}",
                                     "quote fields that contain commas; give every column a value or leave it empty")
                row = _make_row(path, line, dict(zip(header, values)), model)
                if row.key in rows:
                    raise InputError(f"{path} line {line}, field '{model.id_field}'",
                                     f"duplicate id {row.key!r} (first on line {rows[row.key][1]})",
                                     "give every row its own id")
                rows[row.key] = (row, line)
        except csv.Error as exc:
            raise InputError(f"{path} line {reader.line_num}", f"malformed CSV: {exc}",
                             "check the quotes and commas on this line") from None
    return rows


def _columns(model: type[Row]) -> list[str]:
    shared = ["notes", "source", "as_of"]
    return [name for name in model.model_fields if name not in shared] + shared


def _check_header(path: Path, header: list[str], model: type[Row]) -> None:
    if not any(header):
        raise InputError(str(path), "file is empty", f"start with the header row: {','.join(_columns(model))}")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise InputError(f"{path} line 1", f"duplicate column {duplicates[0]!r}", "name every column once")
    unknown = [name for name in header if name not in model.model_fields]
    if unknown:
        raise InputError(f"{path} line 1", f"unknown column {unknown[0]!r}",
                         f"{did_you_mean(unknown[0], model.model_fields)} (columns: {', '.join(_columns(model))})")
    required = [name for name in _columns(model) if model.model_fields[name].is_required()]
    missing = [name for name in required if name not in header]
    if missing:
        raise InputError(f"{path} line 1", f"missing column {missing[0]!r}",
                         f"add the column (required: {', '.join(required)})")


def _make_row(path: Path, line: int, raw: dict[str, str], model: type[Row]) -> Row:
    row_id = raw.get(model.id_field, "").strip()
    where = f"{path} line {line}" + (f" ({model.id_field} {row_id!r})" if row_id else "")
    values = {name: value.strip() for name, value in raw.items() if value.strip()}
    for field, value in values.items():
        problem = cell_problem(value)
        if problem:
            raise InputError(f"{where}, field '{field}'", f"{problem} (got {bounded_repr(value)})",
                             "remove it: catalog cells are plain text or numbers")
    try:
        row = model.model_validate(values)
    except ValidationError as exc:
        raise _field_error(where, exc) from None
    problems = row.problems()
    if problems:
        field, value, problem, fix = problems[0]
        raise InputError(f"{where}, field '{field}'", f"{problem} (got {bounded_repr(value)})", fix)
    return row


def _field_error(where: str, exc: ValidationError) -> InputError:
    err = exc.errors()[0]
    field = ".".join(str(part) for part in err["loc"]) or "(row)"
    kind = err["type"]
    if kind == "missing":
        problem = "is empty"
    else:
        problem = f"{err['msg'].removeprefix('Value error, ')} (got {bounded_repr(err.get('input'))})"
    fix = _FIXES.get(field) or _FIXES.get(kind, "correct the value as the message says (docs/catalogs.md)")
    return InputError(f"{where}, field '{field}'", problem, fix)


def _check_references(directory: Path, tables: dict[str, Table]) -> None:
    chips = {key: row for key, (row, _) in tables["chips"].items()}
    for table, field in (("offers", "AcceleratorName"), ("hardware", "accelerator")):
        for key, (row, line) in tables[table].items():
            name = getattr(row, field)
            if name not in chips:
                raise InputError(_where(directory, table, key, line, field), f"unknown chip id {name!r}",
                                 _chip_hint(name, chips))
    for key, (row, line) in tables["offers"].items():
        if row.site not in tables["sites"]:
            raise InputError(_where(directory, "offers", key, line, "site"), f"unknown site id {row.site!r}",
                             f"add the site to sites.csv or fix the id: {did_you_mean(row.site, tables['sites'])}")


def _where(directory: Path, table: str, key: str, line: int, field: str) -> str:
    name, model = FILES[table]
    return f"{directory / name} line {line} ({model.id_field} {key!r}), field '{field}'"


def _chip_hint(name: str, chips: dict[str, Chip]) -> str:
    try:
        return f"use the chips.csv id: did you mean {resolve_chip(name, chips)!r}?"
    except InputError:
        return f"add the chip to chips.csv or fix the id: {did_you_mean(name, chips)}"
