"""What every import reports, and its progress bar (shared by the apps' imports)."""

import sys
from dataclasses import dataclass, field

from tqdm import tqdm


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
