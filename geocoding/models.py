from django.db import models
from django.utils.translation import gettext_lazy as _


class RemoteAnswer(models.Model):
    """A remote geocoder's answer, kept so that the same address is asked once (Nominatim's
    usage policy asks for caching) and so that answers can be audited."""

    provider = models.CharField(_("provider"), max_length=40)
    query = models.CharField(_("query"), max_length=500)
    response = models.JSONField(
        _("response"), null=True, help_text=_("null: the provider found nothing")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "query"], name="one_answer_per_query")
        ]
        verbose_name = _("remote geocoder answer")
        verbose_name_plural = _("remote geocoder answers")

    def __str__(self):
        return f"{self.provider}: {self.query}"
