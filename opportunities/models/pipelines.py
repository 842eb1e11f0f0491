"""Pipelines (销售流程): each owns its stages, so small fast deals, renewals and long projects
can each follow the buying process of their own customers (seed 004)."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.choices import BilingualName

DEFAULT_PIPELINE_NAME = ("新业务", "New business")


class QualificationFramework(models.TextChoices):
    BANT = "bant", _("BANT (budget, authority, need, timeline)")
    MEDDIC = "meddic", _("MEDDIC (metrics, economic buyer, decision criteria and process, pain, champion)")


class PipelineQuerySet(models.QuerySet):
    def active(self) -> PipelineQuerySet:
        return self.filter(is_active=True)

    def default(self) -> Pipeline:
        """The pipeline marked default, else the first active one; a database with no pipeline
        at all gets the default "新业务 / New business" (fresh installs, flushed test databases)."""
        pipeline = self.active().order_by("-is_default", "order", "pk").first()
        if pipeline is None:
            pipeline = self.order_by("-is_default", "order", "pk").first()
        if pipeline is None:
            pipeline = self.create(name=DEFAULT_PIPELINE_NAME[0], name_en=DEFAULT_PIPELINE_NAME[1], is_default=True)
        return pipeline

    def for_renewals(self) -> Pipeline:
        """Where follow-on renewals go unless the rep picks another: the pipeline an admin marked
        for renewals, else the default pipeline."""
        return self.active().filter(is_renewal_default=True).first() or self.default()

    def chosen(self, value) -> Pipeline | None:
        """The active pipeline with this id (a query-string value), or None."""
        try:
            pk = int(value)
        except (TypeError, ValueError):
            return None
        return self.active().filter(pk=pk).first()


class Pipeline(BilingualName):
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("New deals and users who have not chosen a pipeline start here.")
    )
    is_renewal_default = models.BooleanField(
        _("default for renewals"), default=False, help_text=_("Follow-on renewals are opened in this pipeline.")
    )
    qualification_framework = models.CharField(
        _("qualification framework"),
        max_length=10,
        choices=QualificationFramework.choices,
        default=QualificationFramework.BANT,
        help_text=_("What a lead must show before it converts into a deal of this pipeline."),
    )

    objects = PipelineQuerySet.as_manager()

    class Meta:
        verbose_name = _("pipeline")
        verbose_name_plural = _("pipelines")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="pipeline_one_default"),
            models.UniqueConstraint(
                fields=["is_renewal_default"], condition=Q(is_renewal_default=True), name="pipeline_one_renewal_default"
            ),
        ]

    def save(self, *args, **kwargs) -> None:
        """Only one pipeline is the default, and only one the renewals' default: marking one unmarks the other."""
        with transaction.atomic():
            if self.is_default:
                Pipeline.objects.filter(is_default=True).exclude(pk=self.pk).update(is_default=False)
            if self.is_renewal_default:
                Pipeline.objects.filter(is_renewal_default=True).exclude(pk=self.pk).update(is_renewal_default=False)
            super().save(*args, **kwargs)

    @property
    def uses_meddic(self) -> bool:
        return self.qualification_framework == QualificationFramework.MEDDIC

    def first_open_stage(self):
        from .stages import Stage

        return Stage.objects.first_open(self)

    def won_stage(self):
        from .stages import Stage

        return Stage.objects.won(self)

    def lost_stage(self):
        from .stages import Stage

        return Stage.objects.lost(self)


def pipeline_shown_to(user, value=None, pipelines: list[Pipeline] | None = None) -> Pipeline:
    """The one pipeline a board or funnel shows: the one asked for (`?pipeline=<id>`, then
    remembered on the user), else the user's last used, else the default pipeline.

    `pipelines` (the active ones, when the page loads them anyway) spares the queries."""
    if pipelines is None:
        pipelines = list(Pipeline.objects.active())
    by_pk = {p.pk: p for p in pipelines}
    try:
        chosen = by_pk.get(int(value)) if value not in (None, "") else None
    except (TypeError, ValueError):
        chosen = None
    if chosen is not None:
        if user.last_pipeline_id != chosen.pk:
            from django.contrib.auth import get_user_model

            get_user_model().objects.filter(pk=user.pk).update(last_pipeline=chosen)
            user.last_pipeline_id = chosen.pk
        return chosen
    if user.last_pipeline_id in by_pk:
        return by_pk[user.last_pipeline_id]
    default = next((p for p in pipelines if p.is_default), None)
    return default or (pipelines[0] if pipelines else Pipeline.objects.default())
