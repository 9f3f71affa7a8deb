"""The one import engine: a file in, every row checked and reported by line, one transaction, a
dry run unless `commit`, and the same command-line shape for every import.

CSV imports (`run_csv_import`) read UTF-8 rows, check each cell with the readers below, match rows
on `external_id` so that a second run changes nothing, and write them in bulk (`bulk_upsert`).
Other imports (official boundaries and points, the package gazetteer) report through the same
`ImportReport` and fail with the same `FileError`. An import that wrote rows in bulk SQL, which
sends no model signals, sends `rows_imported` with the model as sender."""

import csv
import functools
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _
from tqdm import tqdm

from common.csvfiles import read_cell
from common.params import as_whole

# Sent after an import committed rows in bulk SQL: sender is the model written.
rows_imported = Signal()


class FileError(Exception):
    """The file as a whole cannot be imported."""


class RowError(ValueError):
    """This row cannot be imported; the others can."""


@dataclass
class ImportReport:
    source: str
    committed: bool = False
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line or feature number, why)
    notes: list[str] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append((line, reason))

    def as_dict(self) -> dict:
        return {
            "source": self.source,
            "committed": self.committed,
            "read": self.read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
            "notes": self.notes,
        }

    def format(self, max_rejected: int = 50) -> str:
        mode = "committed" if self.committed else "dry run (nothing saved; add --commit to save)"
        lines = [
            f"{self.source}: {mode}",
            f"  read {self.read}, created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {len(self.rejected)}",
        ]
        lines += [f"  line {line}: {reason}" for line, reason in self.rejected[:max_rejected]]
        if len(self.rejected) > max_rejected:
            lines.append(f"  … and {len(self.rejected) - max_rejected} more rejected rows")
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def progress(iterable, *, total=None, description="", enabled=True):
    """A progress bar on stderr (stdout stays clean for reports and JSON)."""
    return tqdm(
        iterable, total=total, desc=description, disable=not enabled, file=sys.stderr, unit="row"
    )


# --- reading cells --------------------------------------------------------------------------------


@functools.cache
def _values(choices) -> frozenset:
    return frozenset(choices.values)  # TextChoices.values builds a new list at every call


def text(row, name, *, required=False, max_length=None):
    value = read_cell((row.get(name) or "").strip())
    if "\x00" in value:
        raise RowError(_("%(name)s contains a NUL character") % {"name": name})
    if required and not value:
        raise RowError(_("%(name)s is empty") % {"name": name})
    if max_length and len(value) > max_length:
        raise RowError(
            _("%(name)s is longer than %(n)d characters") % {"name": name, "n": max_length}
        )
    return value


def choice(row, name, choices, default=None):
    value = text(row, name) or default
    if value not in _values(choices):
        raise RowError(
            _("%(name)s=%(value)r: choose from %(allowed)s")
            % {"name": name, "value": value, "allowed": ", ".join(choices.values)}
        )
    return value


def choices(row, name, allowed, *, required=False):
    values = [v.strip() for v in text(row, name).replace(",", ";").split(";") if v.strip()]
    unknown = [v for v in values if v not in _values(allowed)]
    if unknown:
        raise RowError(
            _("%(name)s: unknown %(values)s") % {"name": name, "values": ", ".join(unknown)}
        )
    if required and not values:
        raise RowError(_("%(name)s is empty") % {"name": name})
    return sorted(set(values), key=values.index)


def flag(row, name):
    value = text(row, name).lower()
    if value in ("", "0", "false", "no", "n"):
        return False
    if value in ("1", "true", "yes", "y"):
        return True
    raise RowError(_("%(name)s=%(value)r is not yes/no") % {"name": name, "value": value})


def whole(row, name, *, default=None, low=0, high=100_000):
    value = text(row, name)
    if not value:
        return default
    if as_whole(value) is None or not low <= int(value) <= high:
        raise RowError(
            _("%(name)s=%(value)r is not a whole number from %(low)d to %(high)d")
            % {"name": name, "value": value, "low": low, "high": high}
        )
    return int(value)


def day(row, name):
    value = text(row, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise RowError(
            _("%(name)s=%(value)r is not a date (YYYY-MM-DD)") % {"name": name, "value": value}
        ) from None


# --- reading rows ---------------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    external_id: str
    values: dict
    extra: object = None  # what the import keeps beside the values (an opportunity's shifts)


def open_csv(path: Path, required_columns: set[str]):
    """An open UTF-8 CSV file and its DictReader, once its header has every required column."""
    if not path.exists():
        raise FileError(_("%(path)s: no such file") % {"path": path})
    handle = path.open(encoding="utf-8-sig", newline="")
    reader = csv.DictReader(handle)
    try:
        columns = set(reader.fieldnames or ())
    except UnicodeDecodeError:
        handle.close()
        raise FileError(_("%(path)s: not UTF-8 text") % {"path": path}) from None
    except csv.Error as exc:
        handle.close()
        raise FileError(
            _("%(path)s: the header cannot be read: %(why)s") % {"path": path, "why": exc}
        ) from None
    missing = required_columns - columns
    if missing:
        handle.close()
        raise FileError(
            _("%(path)s: missing columns %(columns)s")
            % {"path": path, "columns": ", ".join(sorted(missing))}
        )
    return handle, reader


PROGRESS_EVERY = 500  # rows between two calls of on_progress


def run_csv_import(
    path, model, required, parse, write, *, commit, show_progress, row_class=Row, on_progress=None
):
    """Read and check a CSV file by line (`parse(raw, Row)` → Row, or RowError), then
    `write(rows, report)` in one transaction; a dry run unless commit. `on_progress(phase, rows)`
    hears how far it is: "reading" every PROGRESS_EVERY rows, then "saving" with all of them."""
    path = Path(path)
    report = ImportReport(source=str(path))
    handle, reader = open_csv(path, required)
    rows, seen = [], {}
    with handle:
        try:
            for raw in progress(reader, description="reading", enabled=show_progress):
                report.read += 1
                if on_progress and report.read % PROGRESS_EVERY == 0:
                    on_progress("reading", report.read)
                line = reader.line_num
                try:
                    external_id = text(raw, "external_id", required=True, max_length=100)
                    if external_id in seen:
                        raise RowError(
                            _("external_id %(id)r already on line %(line)d")
                            % {"id": external_id, "line": seen[external_id]}
                        )
                    seen[external_id] = line
                    rows.append(parse(raw, row_class(line, external_id, {})))
                except RowError as exc:
                    report.reject(line, str(exc))
        except UnicodeDecodeError:
            raise FileError(
                _("%(path)s: not UTF-8 text (after line %(line)d)")
                % {"path": path, "line": reader.line_num}
            ) from None
        except csv.Error as exc:
            raise FileError(
                _("%(path)s: line %(line)d cannot be read: %(why)s")
                % {"path": path, "line": reader.line_num + 1, "why": exc}
            ) from None
    if on_progress:
        on_progress("saving", report.read)
    with transaction.atomic():
        write([r for r in rows if r is not None], report)
        report.committed = commit
        if not commit:
            transaction.set_rollback(True)
    if commit and (report.created or report.updated):
        rows_imported.send(sender=model)
    return report


# --- the bulk path: COPY into a staging table, then one INSERT … ON CONFLICT … DO UPDATE ----------
# The ORM's bulk_create / bulk_update spend more time building SQL than PostgreSQL spends on the
# rows (bench/import_rate.py). Identifiers come from code; values only travel through COPY.

_STAGE = "CREATE TEMP TABLE {staging} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA"
_UPSERT = """
    INSERT INTO {table} ({columns}, {insert_only})
    SELECT {columns}, {insert_values} FROM {staging}
    ON CONFLICT ({key}) DO UPDATE SET {assignments}, updated_at = now()
    WHERE ({current}) IS DISTINCT FROM ({incoming})
    RETURNING id, {key}, (xmax = 0) AS inserted
"""


def _compared(column, source, geography_columns):
    from psycopg import sql

    ref = sql.SQL("{}.{}").format(sql.Identifier(source), sql.Identifier(column))
    # geography has no equality operator: compare its bytes
    return sql.SQL("ST_AsBinary({})").format(ref) if column in geography_columns else ref


def bulk_upsert(table, key, columns, rows, *, insert_only, geography_columns=()):
    """Insert or update `rows` (lists in `columns` order, `key` first) by `key`; rows equal to
    what is stored are left alone. `insert_only`: {column: value} set only on insert.
    Returns {key: (id, inserted)} of the rows inserted or changed."""
    from django.db import connection
    from psycopg import sql

    names = [sql.Identifier(c) for c in columns]
    staging = sql.Identifier(f"staging_{table}")
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(
            sql.SQL(_STAGE).format(
                staging=staging, columns=sql.SQL(", ").join(names), table=sql.Identifier(table)
            )
        )
        with raw.copy(
            sql.SQL("COPY {} ({}) FROM STDIN").format(staging, sql.SQL(", ").join(names))
        ) as copy:
            for row in rows:
                copy.write_row(row)
        updatable = [c for c in columns if c != key]
        query = sql.SQL(_UPSERT).format(
            table=sql.Identifier(table),
            columns=sql.SQL(", ").join(names),
            insert_only=sql.SQL(", ").join(sql.Identifier(c) for c in insert_only),
            insert_values=sql.SQL(", ").join(sql.Literal(v) for v in insert_only.values()),
            staging=staging,
            key=sql.Identifier(key),
            assignments=sql.SQL(", ").join(
                sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updatable
            ),
            current=sql.SQL(", ").join(_compared(c, table, geography_columns) for c in updatable),
            incoming=sql.SQL(", ").join(
                _compared(c, "excluded", geography_columns) for c in updatable
            ),
        )
        raw.execute(query)
        changed = {external: (pk, inserted) for pk, external, inserted in raw.fetchall()}
        raw.execute(sql.SQL("DROP TABLE {}").format(staging))
    return changed


class ImportCommand(BaseCommand):
    """A file in, a report out; a dry run unless --commit. `importer(path, commit=…,
    show_progress=…)` returns the ImportReport; a command with more arguments adds them
    (`add_import_arguments`) and passes them on (`run_import`)."""

    importer = None  # staticmethod(the import function)

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--commit", action="store_true", help="save the changes")
        self.add_import_arguments(parser)

    def add_import_arguments(self, parser):
        pass

    def run_import(self, path, *, commit, show_progress, **options) -> ImportReport:
        return self.importer(path, commit=commit, show_progress=show_progress)

    def handle(self, *args, path, commit, **options):
        try:
            report = self.run_import(
                path, commit=commit, show_progress=options["verbosity"] > 0, **options
            )
        except FileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(report.format())
