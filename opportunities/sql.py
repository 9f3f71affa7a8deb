"""Raw SQL of the opportunities app: the shifts of a bulk import (compared and replaced in the
database, as the bulk upsert of their opportunities is)."""

from django.db import connection

_STAGE = """
    CREATE TEMP TABLE staging_shifts
        (external_id text, starts_at timestamptz, ends_at timestamptz, capacity integer)
    ON COMMIT DROP
"""
_SHIFT_LIST = (
    "array_agg(ROW({s}starts_at, {s}ends_at, {s}capacity)::text"
    " ORDER BY {s}starts_at, {s}ends_at, {s}capacity)"
)
_CHANGED = f"""
    WITH incoming AS (
        SELECT external_id, {_SHIFT_LIST.format(s="")} AS shifts
        FROM staging_shifts GROUP BY external_id
    ), stored AS (
        SELECT o.external_id, {_SHIFT_LIST.format(s="s.")} AS shifts
        FROM opportunities_shift s JOIN opportunities_opportunity o ON o.id = s.opportunity_id
        WHERE o.external_id = ANY(%(ids)s) GROUP BY o.external_id
    )
    SELECT o.id, o.external_id FROM opportunities_opportunity o
    LEFT JOIN incoming i ON i.external_id = o.external_id
    LEFT JOIN stored s ON s.external_id = o.external_id
    WHERE o.external_id = ANY(%(ids)s) AND i.shifts IS DISTINCT FROM s.shifts
"""  # noqa: S608 (formatted from constants above; values are parameters)
_DELETE = "DELETE FROM opportunities_shift WHERE opportunity_id = ANY(%(ids)s)"
_INSERT = """
    INSERT INTO opportunities_shift (opportunity_id, starts_at, ends_at, capacity)
    SELECT o.id, st.starts_at, st.ends_at, st.capacity
    FROM staging_shifts st JOIN opportunities_opportunity o ON o.external_id = st.external_id
    WHERE o.id = ANY(%(ids)s)
"""


def sync_shifts(shifts_by_external_id: dict[str, list]) -> dict[str, int]:
    """Make the stored shifts of these opportunities what the file says; returns {external_id: id}
    of the opportunities whose shifts changed."""
    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(_STAGE)
        with raw.copy(
            "COPY staging_shifts (external_id, starts_at, ends_at, capacity) FROM STDIN"
        ) as copy:
            for external_id, shifts in shifts_by_external_id.items():
                for start, end, capacity in shifts:
                    copy.write_row([external_id, start, end, capacity])
        raw.execute(_CHANGED, {"ids": list(shifts_by_external_id)})
        changed = {external_id: pk for pk, external_id in raw.fetchall()}
        if changed:
            raw.execute(_DELETE, {"ids": list(changed.values())})
            raw.execute(_INSERT, {"ids": list(changed.values())})
        raw.execute("DROP TABLE staging_shifts")
    return changed
