"""What the volunteers app tells the apps that listen (they connect; this module imports nothing
of theirs)."""

from django.dispatch import Signal

# Sent with sign_up= and change= ("confirmed", "waitlisted", "cancelled", "promoted") when a
# volunteer's place on a shift changes.
sign_up_changed = Signal()
