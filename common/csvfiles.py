"""CSV cells that a spreadsheet will not run, and back.

OWASP's rule against formula injection: a text cell that starts with =, +, -, @, a tab or a carriage
return is written with a leading apostrophe, so that Excel, LibreOffice and Google Sheets show it
as text. Imports read such a cell back without the apostrophe, so an export re-imports unchanged.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(v) for v in values]


def read_cell(value: str) -> str:
    """The cell as it was before `safe_cell`."""
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
