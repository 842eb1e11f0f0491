"""Email delivery state on each notification, so a lost email is found from the database alone,
and the sweep that sends it in Celery beat's schedule (every 5 minutes, editable in admin).

Existing rows: emailed ones are "sent"; unsent ones from the last day stay "to send" (a crash may
have lost them), older ones are "not emailed" rather than sent days late.
"""

import json
from datetime import timedelta

from django.db import migrations, models

SWEEP = ("Unsent notification email", "notifications.send_unsent_emails", "*/5")


def backfill(apps, schema_editor):
    from django.utils import timezone

    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(emailed_at__isnull=False).update(email_status="sent")
    Notification.objects.filter(emailed_at__isnull=True, created_at__lt=timezone.now() - timedelta(days=1)).update(
        email_status="skipped"
    )


def schedule(apps, schema_editor):
    from django.conf import settings
    from django.utils import timezone

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    name, task, minute = SWEEP
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone=settings.TIME_ZONE
    )
    PeriodicTask.objects.get_or_create(
        name=name,
        defaults={
            "task": task,
            "crontab": crontab,
            "args": json.dumps([]),
            "kwargs": json.dumps({}),
            "enabled": True,
            "description": "Sends notification email a crash or a lost message left unsent; edit freely.",
        },
    )
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SWEEP[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_beat_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="email_attempts",
            field=models.PositiveSmallIntegerField(default=0, editable=False, verbose_name="email attempts"),
        ),
        migrations.AddField(
            model_name="notification",
            name="email_claimed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="email claimed"),
        ),
        migrations.AddField(
            model_name="notification",
            name="email_status",
            field=models.CharField(
                choices=[("pending", "To send"), ("sent", "Sent"), ("skipped", "Not emailed"), ("failed", "Failed")],
                default="pending",
                editable=False,
                max_length=10,
                verbose_name="email",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("email_status", "pending")), fields=["created_at"], name="notification_email_due_idx"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(schedule, unschedule),
    ]
