"""Default lead sources (SPEC.md, "Leads"); admins add or deactivate their own."""

from django.db import migrations

SOURCES = [
    ("website", "官网表单", "Website form"),
    ("trade_show", "展会", "Trade show"),
    ("referral", "客户推荐", "Referral"),
    ("advertising", "广告", "Advertising"),
    ("cold_call", "电话陌拜", "Cold call"),
    ("partner", "合作伙伴", "Partner"),
]


def create(apps, schema_editor):
    LeadSource = apps.get_model("leads", "LeadSource")
    for order, (code, name, name_en) in enumerate(SOURCES, start=1):
        LeadSource.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


def remove(apps, schema_editor):
    apps.get_model("leads", "LeadSource").objects.filter(code__in=[c for c, _, _ in SOURCES]).delete()


class Migration(migrations.Migration):
    dependencies = [("leads", "0002_initial")]
    operations = [migrations.RunPython(create, remove)]
