"""Pipelines: every stage belongs to one; today's stages (and so every deal in them) go into the
default pipeline "新业务 / New business"."""

import django.db.models.deletion
from django.db import migrations, models


def into_default_pipeline(apps, schema_editor):
    Pipeline = apps.get_model("opportunities", "Pipeline")
    Stage = apps.get_model("opportunities", "Stage")
    pipeline = Pipeline.objects.filter(is_default=True).first()
    if pipeline is None:
        pipeline = Pipeline.objects.create(name="新业务", name_en="New business", is_default=True, order=1)
    Stage.objects.filter(pipeline__isnull=True).update(pipeline=pipeline)
    if schema_editor.connection.vendor == "postgresql":
        # Fire the deferred foreign-key checks now, so the ALTER TABLE below may run.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0004_board_index")]

    operations = [
        migrations.CreateModel(
            name="Pipeline",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="name (Chinese)")),
                ("name_en", models.CharField(blank=True, max_length=100, verbose_name="name (English)")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "is_default",
                    models.BooleanField(
                        default=False,
                        help_text="New deals and users who have not chosen a pipeline start here.",
                        verbose_name="default",
                    ),
                ),
                (
                    "is_renewal_default",
                    models.BooleanField(
                        default=False,
                        help_text="Follow-on renewals are opened in this pipeline.",
                        verbose_name="default for renewals",
                    ),
                ),
                (
                    "qualification_framework",
                    models.CharField(
                        choices=[
                            ("bant", "BANT (budget, authority, need, timeline)"),
                            (
                                "meddic",
                                "MEDDIC (metrics, economic buyer, decision criteria and process, pain, champion)",
                            ),
                        ],
                        default="bant",
                        help_text="What a lead must show before it converts into a deal of this pipeline.",
                        max_length=10,
                        verbose_name="qualification framework",
                    ),
                ),
            ],
            options={
                "verbose_name": "pipeline",
                "verbose_name_plural": "pipelines",
                "ordering": ["order", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_default", True)), fields=("is_default",), name="pipeline_one_default"
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("is_renewal_default", True)),
                        fields=("is_renewal_default",),
                        name="pipeline_one_renewal_default",
                    ),
                ],
            },
        ),
        migrations.AddField(
            model_name="stage",
            name="pipeline",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stages",
                to="opportunities.pipeline",
                verbose_name="pipeline",
            ),
        ),
        migrations.RunPython(into_default_pipeline, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="stage",
            name="pipeline",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="stages",
                to="opportunities.pipeline",
                verbose_name="pipeline",
            ),
        ),
        migrations.AlterField(
            model_name="stage",
            name="order",
            field=models.PositiveSmallIntegerField(verbose_name="order"),
        ),
        migrations.AlterModelOptions(
            name="stage",
            options={
                "ordering": ["pipeline__order", "pipeline_id", "order"],
                "verbose_name": "stage",
                "verbose_name_plural": "stages",
            },
        ),
        migrations.AddConstraint(
            model_name="stage",
            constraint=models.UniqueConstraint(fields=("pipeline", "order"), name="stage_order_unique_in_pipeline"),
        ),
        migrations.AddField(
            model_name="stagechange",
            name="pipeline_changed",
            field=models.BooleanField(
                default=False, help_text="The deal moved into a stage of another pipeline.", verbose_name="pipeline changed"
            ),
        ),
    ]
