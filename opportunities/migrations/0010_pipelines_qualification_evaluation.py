"""Pipelines: every stage belongs to one; today's stages (and so every deal in them) go into the
default pipeline "新业务 / New business". Also MEDDIC qualification on deals with the criteria a
stage may require, and the opportunity evaluation (five ratings, notes, SWOT, weights)."""

import django.core.validators
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
    dependencies = [("opportunities", "0009_stage_change_reopen")]

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

        migrations.AddField(
            model_name='opportunity',
            name='meddic_champion',
            field=models.TextField(blank=True, verbose_name='champion'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_champion_confirmed',
            field=models.BooleanField(default=False, verbose_name='champion confirmed'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_decision_criteria',
            field=models.TextField(blank=True, verbose_name='decision criteria'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_decision_criteria_confirmed',
            field=models.BooleanField(default=False, verbose_name='decision criteria confirmed'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_decision_process',
            field=models.TextField(blank=True, verbose_name='decision process'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_decision_process_confirmed',
            field=models.BooleanField(default=False, verbose_name='decision process confirmed'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_economic_buyer',
            field=models.TextField(blank=True, verbose_name='economic buyer'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_economic_buyer_confirmed',
            field=models.BooleanField(default=False, verbose_name='economic buyer confirmed'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_identify_pain',
            field=models.TextField(blank=True, verbose_name='pain'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_identify_pain_confirmed',
            field=models.BooleanField(default=False, verbose_name='pain confirmed'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_metrics',
            field=models.TextField(blank=True, verbose_name='metrics'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='meddic_metrics_confirmed',
            field=models.BooleanField(default=False, verbose_name='metrics confirmed'),
        ),
        migrations.AddField(
            model_name='stage',
            name='required_criteria',
            field=models.JSONField(blank=True, default=list, help_text='MEDDIC criteria a deal must have evidenced and confirmed to enter this stage.', verbose_name='requires MEDDIC criteria'),
        ),

        migrations.AddField(
            model_name='opportunity',
            name='evaluation_score',
            field=models.DecimalField(blank=True, decimal_places=1, editable=False, max_digits=4, null=True, verbose_name='evaluation score'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_budget_fit',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)]),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_budget_fit_note',
            field=models.CharField(blank=True, max_length=300, verbose_name='budget fit: why'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_competition',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)]),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_competition_note',
            field=models.CharField(blank=True, max_length=300, verbose_name='competitive position: why'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_decision_cycle',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)]),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_decision_cycle_note',
            field=models.CharField(blank=True, max_length=300, verbose_name='decision cycle: why'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_need_fit',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)]),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_need_fit_note',
            field=models.CharField(blank=True, max_length=300, verbose_name='need fit: why'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_purchase_intent',
            field=models.PositiveSmallIntegerField(blank=True, null=True, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(5)]),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='rating_purchase_intent_note',
            field=models.CharField(blank=True, max_length=300, verbose_name='purchase intent: why'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='swot_opportunities',
            field=models.TextField(blank=True, verbose_name='opportunities'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='swot_strengths',
            field=models.TextField(blank=True, verbose_name='strengths'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='swot_threats',
            field=models.TextField(blank=True, verbose_name='threats'),
        ),
        migrations.AddField(
            model_name='opportunity',
            name='swot_weaknesses',
            field=models.TextField(blank=True, verbose_name='weaknesses'),
        ),
        migrations.CreateModel(
            name='EvaluationWeights',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('need_fit', models.PositiveSmallIntegerField(default=25, verbose_name='need fit')),
                ('budget_fit', models.PositiveSmallIntegerField(default=20, verbose_name='budget fit')),
                ('decision_cycle', models.PositiveSmallIntegerField(default=15, verbose_name='decision cycle')),
                ('purchase_intent', models.PositiveSmallIntegerField(default=25, verbose_name='purchase intent')),
                ('competition', models.PositiveSmallIntegerField(default=15, verbose_name='competitive position')),
            ],
            options={
                'verbose_name': 'evaluation weights',
                'verbose_name_plural': 'evaluation weights',
                'constraints': [models.CheckConstraint(condition=models.Q(('need_fit__gt', 0), ('budget_fit__gt', 0), ('decision_cycle__gt', 0), ('purchase_intent__gt', 0), ('competition__gt', 0), _connector='OR'), name='evaluation_weights_not_all_zero', violation_error_message='At least one factor needs a weight above zero.')],
            },
        ),
    ]
