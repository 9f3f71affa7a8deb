"""Form widgets shared by the apps.

The browser's own date and time pickers (`<input type="date">`, `datetime-local`) take and give
ISO values only (2027-01-09, 2027-01-09T09:00) whatever the page's language; a localized value
("09/01/2027" in Thai) leaves them empty, and saving then erases the date. These widgets always
write ISO; the form fields accept ISO in every language.
"""

from django import forms


class NativeDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__({"min": "2000-01-01", "max": "2100-12-31", **(attrs or {})}, "%Y-%m-%d")


class NativeDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(
            {"min": "2000-01-01T00:00", "max": "2100-12-31T23:59", **(attrs or {})},
            "%Y-%m-%dT%H:%M",
        )
