"""Cursors for statements run again and again: the radius search's first page, "for you"."""

from django.db.backends.postgresql.base import ServerBindingCursor


def bound_cursor(connection):
    """A cursor that sends the parameters apart from the SQL (Django's own cursors write them
    into it), so that psycopg prepares a statement run again and again on the connection
    (settings: DATABASE_PREPARE_THRESHOLD) and PostgreSQL plans it once, not on every call.
    Wrapped as Django wraps its cursors: errors, execute_wrappers and the queries' log apply."""
    connection.ensure_connection()
    cursor = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)
