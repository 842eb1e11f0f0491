"""The default sales process of seed 004 (SPEC.md, "Stages"), and the default loss reasons."""

from decimal import Decimal

from django.db import migrations

STAGES = [
    dict(
        order=1, name="确认采购计划", name_en="Purchase plan confirmed", probability=20, outcome="open",
        requires_budget=True, requires_timeline=True,
        guidance="确认客户的采购计划:预算金额、预计采购时间,以及谁参与决策。",
        guidance_en="Confirm the customer's purchase plan: budget, expected purchase date, and who takes part in the decision.",
    ),
    dict(
        order=2, name="询价 / 招投标", name_en="Inquiry / bidding", probability=50, outcome="open",
        requires_follow_up=True, requires_need=True,
        guidance="演示产品、提交报价或投标文件;记录客户的需求与异议,了解竞争对手。",
        guidance_en="Demonstrate the product, send the quotation or bid; record needs and objections, learn about competitors.",
    ),
    dict(
        order=3, name="敲定合同", name_en="Contract terms", probability=80, outcome="open",
        requires_decision_maker=True, requires_amount=True, approval_threshold=Decimal("1000000.00"),
        guidance="与决策人敲定合同条款、价格与交付;大额合同需主管审批。",
        guidance_en="Settle contract terms, price and delivery with the decision maker; large contracts need the leader's approval.",
    ),
    dict(
        order=4, name="赢单", name_en="Won", probability=100, outcome="won", requires_close_date=True,
        guidance="签约回款,做赢单复盘,规划复购、增购或续约。",
        guidance_en="Sign and collect; review the win and plan repeat, upsell or renewal business.",
    ),
    dict(
        order=5, name="输单", name_en="Lost", probability=0, outcome="lost", requires_loss_reason=True,
        guidance="记录输单原因并复盘,为下一次机会总结经验。",
        guidance_en="Record why the deal was lost and review it for next time.",
    ),
]

LOSS_REASONS = [
    ("价格", "Price"),
    ("竞争对手", "Competitor"),
    ("无预算", "No budget"),
    ("未做决策", "No decision"),
    ("功能不满足", "Feature gap"),
    ("时机不对", "Timing"),
    ("其他", "Other"),
]


def create(apps, schema_editor):
    Stage = apps.get_model("opportunities", "Stage")
    LossReason = apps.get_model("opportunities", "LossReason")
    for fields in STAGES:
        Stage.objects.update_or_create(order=fields["order"], defaults=fields)
    for i, (name, name_en) in enumerate(LOSS_REASONS, start=1):
        LossReason.objects.update_or_create(name=name, defaults={"name_en": name_en, "order": i})


def remove(apps, schema_editor):
    apps.get_model("opportunities", "LossReason").objects.filter(name__in=[n for n, _ in LOSS_REASONS]).delete()
    apps.get_model("opportunities", "Stage").objects.filter(order__in=[s["order"] for s in STAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("opportunities", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
