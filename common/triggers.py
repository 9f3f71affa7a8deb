"""Statement triggers with transition tables (old_rows, new_rows) and the plans of their queries.

PL/pgSQL keeps the plan of a query without variables for the rest of the session, made the first
time it ran: for a trigger, most often after a one-row write, with transition tables of one row
and, in a new database, tables still planned as empty. The same plan then meets the next bulk
write: a nested loop over two transition tables, or over one and every row of a large table,
reading one for each row of the other. A first import of 50,000 opportunities of 10,000
organizations (bench/synthetic.py into a new database) spent 44 s in three such queries, 51 s in
all; planned each time, 7 s. A query that joins a transition table to anything
is therefore run by EXECUTE, planned each time for the sizes it meets (a fraction of a
millisecond); one that only reads a transition table keeps its plan.
"""


def replaced(sql: str, name: str) -> str:
    """The CREATE FUNCTION `name` of a migration's SQL, as CREATE OR REPLACE: what a later
    migration that replaces the function goes back to."""
    start = sql.index(f"CREATE FUNCTION {name}(")
    end = sql.index("$$;", sql.index("AS $$", start) + len("AS $$")) + len("$$;")
    return "CREATE OR REPLACE" + sql[start + len("CREATE") : end] + "\n"
