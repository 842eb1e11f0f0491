"""The deal reminder jobs now live with the deals: point the beat schedule at their new names."""

from django.db import migrations

RENAMES = [
    ("notifications.send_stale_reminders", "opportunities.send_stale_reminders"),
    ("notifications.send_follow_up_reminders", "opportunities.send_follow_up_reminders"),
]


def rename(apps, schema_editor, *, backwards=False):
    from django.utils import timezone

    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for old, new in RENAMES:
        if backwards:
            old, new = new, old
        PeriodicTask.objects.filter(task=old).update(task=new)
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


class Migration(migrations.Migration):
    dependencies = [
        ("opportunities", "0005_deal_history"),
        ("notifications", "0003_beat_schedule"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(rename, lambda apps, schema_editor: rename(apps, schema_editor, backwards=True)),
    ]
