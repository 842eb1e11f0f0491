"""Default scoring rules and threshold (admins edit them): a website form submission from an
enterprise or government prospect is ready for sales at once; other leads earn it by
behaviour and fit."""

from django.db import migrations

RULES = [
    ("网站表单提交 Form submission", "event", "form_submission", 20, None),
    ("资料下载 Download", "event", "download", 10, 30),
    ("访问网站 Site visit", "event", "site_visit", 2, 10),
    ("回复邮件 Email reply", "event", "email_reply", 15, 30),
    ("企业客户 Enterprise", "customer_type", "enterprise", 10, None),
    ("政府客户 Government", "customer_type", "government", 10, None),
    ("预算 ≥ 100,000", "budget_at_least", "100000", 20, None),
    ("规模 ≥ 200 人", "company_size_at_least", "200", 10, None),
]


def create(apps, schema_editor):
    ScoringRule = apps.get_model("leads", "ScoringRule")
    Settings = apps.get_model("leads", "LeadAutomationSettings")
    for name, criterion, value, points, cap in RULES:
        ScoringRule.objects.get_or_create(
            criterion=criterion, value=value, defaults={"name": name, "points": points, "max_points": cap}
        )
    Settings.objects.get_or_create(pk=1, defaults={"ready_threshold": 30})


def remove(apps, schema_editor):
    ScoringRule = apps.get_model("leads", "ScoringRule")
    for _name, criterion, value, _points, _cap in RULES:
        ScoringRule.objects.filter(criterion=criterion, value=value).delete()


class Migration(migrations.Migration):
    # Named after what it holds; installations that applied it under its first name keep it applied.
    replaces = [("leads", "0005_issue5_default_scoring")]

    dependencies = [("leads", "0004_automation")]
    operations = [migrations.RunPython(create, remove)]
