"""What the places app tells the apps that listen (they connect; this module imports nothing of
theirs): a moderator's decision on an organization."""

from django.dispatch import Signal

# Sent with organization= and approved= (True, or False with the organization's reason).
organization_moderated = Signal()
