"""The reminder jobs in Celery beat's database schedule, editable in admin
(Periodic tasks): stale deals hourly, due follow-ups every 15 minutes."""

import json

from django.db import migrations

TASKS = [
    ("Stale-deal reminders", "notifications.send_stale_reminders", {"minute": "5"}),
    ("Follow-up-due reminders", "notifications.send_follow_up_reminders", {"minute": "*/15"}),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    from django.conf import settings

    for name, task, cron in TASKS:
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=cron["minute"],
            hour="*",
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={
                "task": task,
                "crontab": schedule,
                "args": json.dumps([]),
                "kwargs": json.dumps({}),
                "enabled": True,
                "description": "Created by notifications migration 0003; edit freely.",
            },
        )
    # Tell running beat schedulers to reload.
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[n for n, _, _ in TASKS]).delete()


class Migration(migrations.Migration):
    # Named after what it holds; installations that applied it under its first name keep it applied.
    replaces = [("notifications", "0003_issue5_beat_schedule")]

    dependencies = [
        ("notifications", "0002_email_opt_out_and_approval_link"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
