"""What a browser would send for a form on a page: every field's current value, read from the
HTML (inputs, checked boxes, selected options, text areas), so that a test can change one value
and post the rest unchanged, as a person saving a form does."""

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.data = form_id, form_id is None, []
        self.select, self.option, self.textarea = None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
        if not self.inside or a.get("disabled") is not None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self.select, self.option = name, None
        elif tag == "option" and self.select:
            self.option = (a.get("value"), "selected" in a)
            if self.option[0] is not None and self.option[1]:
                self.data.append((self.select, self.option[0]))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, text):
        if self.textarea is not None:
            self.textarea[1] += text

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.data.append((self.textarea[0], self.textarea[1].removeprefix("\n")))
            self.textarea = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False


def form_data(html: str, form_id: str | None = None) -> dict:
    """{name: value or [values]} of the form (the page's forms together without an id)."""
    parser = _Form(form_id)
    parser.feed(html)
    result = {}
    for name, value in parser.data:
        if name in result:
            existing = result[name]
            result[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            result[name] = value
    return result
