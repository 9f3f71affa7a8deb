"""What the opportunities app asks of whoever keeps the sign-ups for shifts: the places taken, a
person's own places, and why a shift may not change. The volunteers app keeps them and sits above
this one, so it supplies the `Bookings` at start-up (volunteers.apps) and this app never imports
it, nor its models' relations and statuses."""

from typing import Protocol

from django.db.models import QuerySet

from common.supplied import Supplied


class Bookings(Protocol):
    def with_places_taken(self, shifts: QuerySet) -> QuerySet:
        """The shifts, each annotated with `taken`: its confirmed places."""

    def held_by(self, user, opportunity) -> dict:
        """{shift id: the person's active sign-up} on the opportunity's shifts."""

    def change_refused(self, shift, capacity: int | None) -> str | None:
        """Why the shift cannot be deleted (capacity None) or take this capacity; None if it can."""


# bookings() is the Bookings that the volunteers app supplied; supply(…) is how it does.
bookings = Supplied("bookings", "the volunteers app")
supply = bookings.supply
