"""What the places app tells the apps that listen (they connect; this module imports nothing of
theirs): a moderator's decision on an organization; areas' points that changed."""

from django.dispatch import Signal

# Sent with organization= and approved= (True, or False with the organization's reason).
organization_moderated = Signal()

# Sent with report= (an ImportReport to note in) after the areas' points changed and everything
# Located followed (places.locating.follow_area_points): an app that keeps other points placed at
# an area's point (a volunteer's home) moves them too.
area_points_changed = Signal()
