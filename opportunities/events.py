"""What the opportunities app tells the apps that listen (they connect; this module imports
nothing of theirs)."""

from django.dispatch import Signal

# Sent with opportunity= and approved= when a moderator publishes or rejects an opportunity.
opportunity_moderated = Signal()
