"""Believable, deterministic demo data: a sales organisation with six months of history.

`seed(stdout)` makes the newcomer's demo (a few hundred leads, ~220 deals with stage
histories, follow-ups, objections, wins and losses, quotas). `seed(stdout, scale=N)` makes N
deals with ten follow-ups each and N/2 leads through bulk inserts, for the benchmarks.

Histories are written directly (back-dated `StageChange` rows that follow the default
rules), because `move_to` always stamps the present time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import Team, User
from crm.choices import BuyingStage, Region, Urgency, ValueTier
from customers.models import Contact, Customer, company_name_key, phone_key
from leads.models import Lead, LeadSource
from opportunities.models import (
    Activity,
    Competitor,
    EvaluationWeights,
    LossReason,
    Objection,
    Opportunity,
    Pipeline,
    Quota,
    Stage,
    StageChange,
    StageFact,
)
from opportunities.models.evaluation import FACTOR_CODES, rating_field

DEMO_PASSWORD = "demo12345"
BATCH = 5000

TEAMS = [("华东销售部", "East China Sales", "east"), ("华北销售部", "North China Sales", "north")]
PEOPLE = [
    ("leader1", "赵", "强"),
    ("leader2", "孙", "丽"),
    ("rep1", "王", "伟"),
    ("rep2", "李", "娜"),
    ("rep3", "张", "敏"),
    ("rep4", "刘", "洋"),
    ("rep5", "陈", "静"),
    ("rep6", "杨", "磊"),
]
COMPANY_HEADS = [
    "华信",
    "中科",
    "东方",
    "博远",
    "恒通",
    "金桥",
    "新元",
    "天成",
    "瑞达",
    "安和",
    "鼎盛",
    "汇丰源",
    "远景",
    "蓝海",
    "长城",
    "星河",
    "正泰",
    "宏图",
    "万象",
    "启明",
    "海纳",
    "云帆",
    "嘉禾",
    "同创",
]
COMPANY_TAILS = [
    ("科技有限公司", "it", "enterprise"),
    ("制造集团", "manufacturing", "enterprise"),
    ("信息技术有限公司", "it", "enterprise"),
    ("人民医院", "healthcare", "government"),
    ("市政府采购中心", "public", "government"),
    ("职业技术学院", "education", "government"),
    ("物流有限公司", "logistics", "enterprise"),
    ("商贸有限公司", "retail", "enterprise"),
    ("能源股份有限公司", "energy", "enterprise"),
    ("证券股份有限公司", "finance", "enterprise"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
]
TITLES = ["总经理", "采购经理", "IT 总监", "财务总监", "信息中心主任", "运营总监", "副总裁", "项目经理"]
NEEDS = [
    "替换旧版 ERP 系统",
    "搭建统一的客户管理平台",
    "生产线数据采集与看板",
    "全院信息化升级",
    "采购审批流程线上化",
    "仓储管理系统改造",
    "数据中台建设",
    "门店收银与会员系统",
    "安全合规审计平台",
    "移动办公与协同",
]
PRODUCTS = ["ERP 升级项目", "CRM 平台", "数据中台", "MES 系统", "信息化二期", "协同办公", "仓储系统", "会员系统"]
SUMMARIES = {
    "call": ["电话沟通项目进展", "电话确认预算审批情况", "电话了解决策流程"],
    "email": ["发送产品资料与报价", "邮件确认会议纪要", "发送合同草案"],
    "visit": ["上门拜访采购负责人", "拜访信息中心,了解现状", "拜访决策人,介绍方案"],
    "meeting": ["需求调研会议", "方案评审会", "商务谈判会议"],
    "demo": ["线上产品演示", "现场演示核心功能", "POC 演示"],
}
OUTCOMES = ["客户认可方案", "需内部讨论后答复", "对价格有顾虑", "要求补充案例", "同意进入下一步"]
NEXT_STEPS = ["发送正式报价", "安排技术交流", "约决策人面谈", "提交投标文件", "确认合同条款", "跟进预算审批"]
OBJECTIONS = [
    ("price", "价格高于预算", "提供分期付款与阶梯折扣"),
    ("timing", "今年预算已用完", "建议先签框架协议"),
    ("feature_fit", "缺少与现有系统的接口", "承诺二次开发接口"),
    ("competitor", "竞品报价更低", "强调实施与服务优势"),
    ("authority", "需要集团总部审批", "准备总部汇报材料"),
]
COMPETITORS = ["用友", "金蝶", "Salesforce", "纷享销客", "销售易"]


@dataclass
class Org:
    admin: User
    leaders: list[User]
    reps: list[User]
    teams: list[Team]
    stages: dict[int, Stage] = field(default_factory=dict)
    # The stages of each pipeline (the default one first), for deals spread over them.
    pipelines: list[dict[int, Stage]] = field(default_factory=list)


def _user(username: str, first: str, last: str, password: str, **extra) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={
            "first_name": first,
            "last_name": last,
            "email": f"{username}@example.com",
            "password": password,
            "is_active": True,
            **extra,
        },
    )
    return user


def create_org(extra_reps: int = 0) -> Org:
    """admin, leader1/leader2, rep1..rep6 (password demo12345), plus benchmark teams if asked."""
    password = make_password(DEMO_PASSWORD)  # hashed once, shared: hundreds of users stay fast
    admin = _user("admin", "管理员", "", password, is_staff=True, is_superuser=True)
    rep_group, _ = Group.objects.get_or_create(name="rep")
    leader_group, _ = Group.objects.get_or_create(name="leader")
    teams, leaders, reps = [], [], []
    for i, (name, _en, _region) in enumerate(TEAMS):
        username, last, first = PEOPLE[i]
        leader = _user(username, first, last, password)
        team, _ = Team.objects.update_or_create(name=name, defaults={"leader": leader})
        leader.team = team
        leader.save(update_fields=["team"])
        leader.groups.add(leader_group)
        teams.append(team)
        leaders.append(leader)
    for i, (username, last, first) in enumerate(PEOPLE[2:]):
        rep = _user(username, first, last, password, team=teams[i // 3])
        rep.groups.add(rep_group)
        reps.append(rep)
    # Benchmark scale: more teams of eight reps each, so a rep's book stays realistic.
    # Teams 3 to 12 are led by one sales director, who so sees ten teams at once.
    number = 7
    director = None
    while extra_reps > 0:
        t = len(teams) + 1
        if t <= 12:
            director = director or _user("director", "总监", "", password)
            leader = director
        else:
            leader = _user(f"leader{t}", str(t), "主管", password)
        team, _ = Team.objects.update_or_create(name=f"销售{t}部", defaults={"leader": leader})
        if leader is not director:
            leader.team = team
            leader.save(update_fields=["team"])
        teams.append(team)
        if leader not in leaders:
            leaders.append(leader)
        for _ in range(min(8, extra_reps)):
            reps.append(_user(f"rep{number}", str(number), "销售", password, team=team))
            number += 1
            extra_reps -= 1
    stages = {s.order: s for s in Stage.objects.in_pipeline(None)}
    return Org(admin=admin, leaders=leaders, reps=reps, teams=teams, stages=stages, pipelines=[stages])


# Two more sales processes (seed 004: short renewals apart from long projects).
PIPELINES = [
    (
        ("续约", "Renewal", {"is_renewal_default": True}),
        [
            ("续约沟通", "Renewal talks", 50, "open"),
            ("续约报价", "Renewal quote", 80, "open"),
            ("续约成功", "Renewed", 100, "won"),
            ("未续约", "Not renewed", 0, "lost"),
        ],
    ),
    (
        ("项目", "Project", {"qualification_framework": "meddic"}),
        [
            ("立项", "Project approved", 10, "open"),
            ("需求调研", "Requirements study", 25, "open"),
            ("方案与投标", "Solution and bid", 50, "open"),
            ("商务谈判", "Negotiation", 75, "open"),
            ("项目赢单", "Project won", 100, "won"),
            ("项目输单", "Project lost", 0, "lost"),
        ],
    ),
]


def create_pipelines(org: Org) -> None:
    """The renewal and project pipelines with their stages, added to `org.pipelines`."""
    for order, ((name, name_en, extra), stages) in enumerate(PIPELINES, start=2):
        pipeline, _ = Pipeline.objects.update_or_create(
            name=name, defaults={"name_en": name_en, "order": order, **extra}
        )
        for i, (stage_name, stage_en, probability, outcome) in enumerate(stages, start=1):
            Stage.objects.update_or_create(
                pipeline=pipeline,
                order=i,
                defaults={
                    "name": stage_name,
                    "name_en": stage_en,
                    "probability": probability,
                    "outcome": outcome,
                    "requires_loss_reason": outcome == "lost",
                    "requires_close_date": outcome == "won",
                },
            )
        org.pipelines.append({s.order: s for s in pipeline.stages.all()})


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _amount(rng: random.Random) -> Decimal:
    base = rng.choice([30, 50, 80, 120, 150, 200, 300, 450, 600, 800, 1000, 1500, 2200, 3000])
    return Decimal(base * 1000 + rng.randrange(0, 50) * 100)


def _plan(rng: random.Random, created: datetime, now: datetime, stages: dict[int, Stage]):
    """A believable path through the stages: [(stage, entered_at)], mostly forward, a few skips."""
    open_orders = sorted(o for o, s in stages.items() if s.is_open)
    won = next(o for o, s in stages.items() if s.outcome == Stage.Outcome.WON)
    lost = next(o for o, s in stages.items() if s.outcome == Stage.Outcome.LOST)
    # 57 % still open (25/20/12 % over three stages, evenly over others), 23 % won, 20 % lost.
    shares = [0.25, 0.20, 0.12] if len(open_orders) == 3 else [0.57 / len(open_orders)] * len(open_orders)
    roll = rng.random()
    final, bound = None, 0.0
    for order, share in zip(open_orders, shares, strict=True):
        bound += share
        if roll < bound:
            final = order
            break
    if final is None:
        final = won if roll < 0.80 else lost
    if final == lost:
        path = open_orders[: rng.randint(1, len(open_orders))] + [lost]
    elif final == won and rng.random() < 0.06:
        path = [open_orders[0], won]  # straight from the first stage to won: the data-quality report flags it
    elif final == won:
        path = open_orders + [won]
    else:
        path = open_orders[: open_orders.index(final) + 1]
    span = max((now - created).total_seconds(), 3600)
    times, t = [], created
    for i, order in enumerate(path):
        if i:
            t = t + timedelta(seconds=span * rng.uniform(0.08, 0.35))
            if t > now - timedelta(hours=1):
                t = now - timedelta(hours=len(path) - i)
        times.append((stages[order], t))
    return times


class _Builder:
    """Collects rows and writes them with bulk inserts, batch by batch."""

    def __init__(self, org: Org, rng: random.Random, now: datetime, rich: bool):
        self.org, self.rng, self.now, self.rich = org, rng, now, rich
        # Which pipeline each deal goes to, drawn apart so the default pipeline's deals stay as before.
        self.pipeline_rng = random.Random(11)
        self.evaluation_rng = random.Random(13)
        self.sources = list(LeadSource.objects.filter(is_active=True))
        self.loss_reasons = list(LossReason.objects.filter(is_active=True))
        self.competitors = [Competitor.objects.get_or_create(name=n)[0] for n in COMPETITORS]
        self.customers: list[Customer] = []
        self.contacts: dict[int, list[Contact]] = {}

    def make_customers(self, count: int) -> None:
        rng, rows = self.rng, []
        for i in range(count):
            head = COMPANY_HEADS[i % len(COMPANY_HEADS)]
            tail, industry, ctype = COMPANY_TAILS[(i // len(COMPANY_HEADS) + i) % len(COMPANY_TAILS)]
            suffix = "" if i < len(COMPANY_HEADS) * len(COMPANY_TAILS) else f"({i})"
            rows.append(
                Customer(
                    name=f"{head}{tail}{suffix}",
                    customer_type=ctype,
                    industry=industry,
                    region=rng.choice(Region.values),
                    value_tier=rng.choice(ValueTier.values),
                    owner=self.org.reps[i % len(self.org.reps)],
                    phone=f"0{rng.randint(10, 99)}-{rng.randint(10000000, 99999999)}",
                )
            )
        for row in rows:  # bulk_create skips Customer.save, which keeps the duplicate keys
            row.name_key, row.phone_key = company_name_key(row.name), phone_key(row.phone)
        self.customers = Customer.objects.bulk_create(rows, batch_size=BATCH)
        contacts = []
        for c in self.customers:
            for j in range(rng.randint(1, 3) if self.rich else 1):
                contacts.append(
                    Contact(
                        customer=c,
                        name=_person(rng),
                        title=rng.choice(TITLES),
                        phone=f"13{rng.randint(100000000, 999999999)}",
                        buying_role=Contact.BuyingRole.DECISION_MAKER
                        if j == 0
                        else rng.choice(Contact.BuyingRole.values),
                        attitude=rng.choice(Contact.Attitude.values),
                    )
                )
        for contact in Contact.objects.bulk_create(contacts, batch_size=BATCH):
            self.contacts.setdefault(contact.customer_id, []).append(contact)

    def make_deals(self, count: int, follow_ups: int | None = None) -> list[Opportunity]:
        made: list[Opportunity] = []
        for start in range(0, count, BATCH):
            with transaction.atomic():
                made.extend(self._deal_batch(min(BATCH, count - start), follow_ups))
        return made

    def _deal_batch(self, count: int, follow_ups: int | None) -> list[Opportunity]:
        rng, now = self.rng, self.now
        deals, plans = [], []
        for _ in range(count):
            stages = self._pipeline_stages()
            owner = rng.choice(self.org.reps)
            customer = rng.choice(self.customers)
            contact = self.contacts[customer.pk][0]
            created = now - timedelta(days=rng.uniform(3, 180))
            plan = _plan(rng, created, now, stages)
            stage, entered = plan[-1]
            amount = _amount(rng)
            reached = max(s.order for s, _ in plan if s.outcome != Stage.Outcome.LOST)
            closed = entered if stage.is_closed else None
            if stage.outcome == Stage.Outcome.WON:
                close_date = timezone.localdate(entered)
            else:
                close_date = timezone.localdate(now) + timedelta(days=rng.randint(-30, 150))
            end = closed or now
            n = follow_ups if follow_ups is not None else rng.randint(2, 9)
            times = sorted(created + (end - created) * ((k + rng.random()) / max(n, 1)) for k in range(n))
            deals.append(
                Opportunity(
                    name=f"{customer.name[:12]} · {rng.choice(PRODUCTS)}",
                    customer=customer,
                    primary_contact=contact,
                    owner=owner,
                    amount=amount,
                    stage=stage,
                    probability=stage.probability,
                    expected_close_date=close_date,
                    value_tier=rng.choice(ValueTier.values),
                    urgency=rng.choice(Urgency.values),
                    buying_stage=rng.choice(BuyingStage.values),
                    source=rng.choice(self.sources),
                    budget_amount=amount,
                    budget_confirmed=True,
                    timeline_confirmed=True,
                    need_description=rng.choice(NEEDS) if reached >= 2 or rng.random() < 0.5 else "",
                    need_confirmed=reached >= 2,
                    next_step=rng.choice(NEXT_STEPS) if stage.is_open else "",
                    stage_entered_at=entered,
                    closed_at=closed,
                    loss_reason=rng.choice(self.loss_reasons) if stage.outcome == Stage.Outcome.LOST else None,
                    review_notes="复盘:客户最终选择了价格更低的方案。"
                    if stage.outcome == Stage.Outcome.LOST and self.rich
                    else "",
                    created_by=owner,
                    created_at=created,
                    last_activity_at=times[-1] if times else None,
                    next_follow_up_at=now + timedelta(days=rng.randint(-10, 14), hours=rng.randint(0, 8))
                    if stage.is_open
                    else None,
                )
            )
            plans.append((plan, times))
            self._evaluate(deals[-1], stage)
        deals = Opportunity.objects.bulk_create(deals)
        changes, activities, objections = [], [], []
        Through = Opportunity.contacts.through
        links = []
        CompetitorLink = Opportunity.competitors.through
        competitor_links = []
        for deal, (plan, times) in zip(deals, plans, strict=True):
            previous = None
            for stage, at in plan:
                changes.append(
                    StageChange(
                        opportunity=deal,
                        from_stage=previous[0] if previous else None,
                        to_stage=stage,
                        from_probability=previous[0].probability if previous else None,
                        to_probability=stage.probability,
                        changed_by=deal.owner,
                        changed_at=at,
                        days_in_previous_stage=Decimal((at - previous[1]).total_seconds() / 86400).quantize(
                            Decimal("0.01")
                        )
                        if previous
                        else Decimal("0"),
                        stages_skipped=max(stage.order - previous[0].order - 1, 0)
                        if previous and stage.outcome != Stage.Outcome.LOST
                        else 0,
                        amount=deal.amount,
                        loss_reason=deal.loss_reason if stage.outcome == Stage.Outcome.LOST else None,
                    )
                )
                previous = (stage, at)
            links.append(Through(opportunity_id=deal.pk, contact_id=deal.primary_contact_id))
            for k, at in enumerate(times):
                kind = rng.choice(list(SUMMARIES))
                activities.append(
                    Activity(
                        opportunity=deal,
                        kind=kind,
                        occurred_at=at,
                        summary=rng.choice(SUMMARIES[kind]),
                        outcome=rng.choice(OUTCOMES),
                        next_step=rng.choice(NEXT_STEPS),
                        created_by=deal.owner,
                        spin_situation="客户目前使用 Excel 管理" if self.rich and k == 0 else "",
                        spin_problem="数据分散,报表靠手工" if self.rich and k == 0 else "",
                    )
                )
            if self.rich and rng.random() < 0.35:
                kind, text, response = rng.choice(OBJECTIONS)
                resolved = rng.random() < 0.5
                objections.append(
                    Objection(
                        opportunity=deal,
                        kind=kind,
                        description=text,
                        response=response,
                        is_resolved=resolved,
                        resolved_at=now if resolved else None,
                        created_by=deal.owner,
                    )
                )
            if rng.random() < 0.3:
                competitor_links.append(
                    CompetitorLink(opportunity_id=deal.pk, competitor_id=rng.choice(self.competitors).pk)
                )
        StageChange.objects.bulk_create(changes, batch_size=BATCH)
        StageFact.rebuild([deal.pk for deal in deals])  # bulk_create skips the per-move upkeep
        Activity.objects.bulk_create(activities, batch_size=BATCH)
        Objection.objects.bulk_create(objections, batch_size=BATCH)
        Through.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
        CompetitorLink.objects.bulk_create(competitor_links, batch_size=BATCH, ignore_conflicts=True)
        return deals

    def _evaluate(self, deal: Opportunity, stage: Stage) -> None:
        """Six deals in ten rated (seed 002), won ones a little higher, so the band table says something."""
        rng = self.evaluation_rng
        if rng.random() >= 0.6:
            return
        lift = 1 if stage.outcome == Stage.Outcome.WON else -1 if stage.outcome == Stage.Outcome.LOST else 0
        for code in FACTOR_CODES:
            setattr(deal, rating_field(code), max(1, min(5, rng.randint(2, 4) + lift * rng.randint(0, 1))))

    def _pipeline_stages(self) -> dict[int, Stage]:
        """70 % of the deals in the default pipeline, 15 % each in the others."""
        others = self.org.pipelines[1:]
        roll = self.pipeline_rng.random()
        if not others or roll < 0.70:
            return self.org.stages
        return others[min(int((roll - 0.70) / 0.30 * len(others)), len(others) - 1)]

    def make_leads(self, count: int, converted_from: list[Opportunity]) -> None:
        rng, now = self.rng, self.now
        statuses = [("new", 0.30), ("working", 0.25), ("qualified", 0.10), ("disqualified", 0.15), ("converted", 0.20)]
        convertible = [d for d in converted_from if not d.is_quick_win]
        rows = []
        for start in range(0, count, BATCH):
            batch = []
            for i in range(start, min(count, start + BATCH)):
                roll, acc, status = rng.random(), 0.0, "new"
                for s, p in statuses:
                    acc += p
                    if roll < acc:
                        status = s
                        break
                owner = rng.choice(self.org.reps) if rng.random() > 0.1 else None
                head, (tail, industry, ctype) = rng.choice(COMPANY_HEADS), rng.choice(COMPANY_TAILS)
                qualified = status in ("qualified", "converted")
                lead = Lead(
                    name=_person(rng),
                    title=rng.choice(TITLES),
                    company=f"{head}{tail}",
                    phone=f"13{rng.randint(100000000, 999999999)}",
                    email=f"lead{i}@example.com",
                    customer_type=ctype,
                    industry=industry,
                    region=rng.choice(Region.values),
                    company_size=rng.choice([20, 50, 200, 800, 3000]),
                    source=rng.choice(self.sources),
                    owner=owner,
                    team=owner.team if owner else rng.choice(self.org.teams),
                    status=status,
                    score=rng.randint(0, 100),
                    budget_amount=_amount(rng) if qualified or rng.random() < 0.4 else None,
                    budget_confirmed=qualified,
                    is_decision_maker=qualified,
                    authority_confirmed=qualified,
                    need_description=rng.choice(NEEDS) if qualified or rng.random() < 0.5 else "",
                    need_confirmed=qualified,
                    timeline_date=timezone.localdate(now) + timedelta(days=rng.randint(10, 120)) if qualified else None,
                    timeline_confirmed=qualified,
                    created_at=now - timedelta(days=rng.uniform(0, 180)),
                    disqualify_reason="预算不足,一年内无采购计划" if status == "disqualified" else "",
                )
                if status == "converted" and convertible:
                    deal = convertible.pop()
                    lead.opportunity_id, lead.converted_at = deal.pk, deal.created_at
                    lead.owner, lead.team = deal.owner, deal.owner.team
                elif status == "converted":
                    lead.status = "qualified"
                batch.append(lead)
            rows.extend(Lead.objects.bulk_create(batch))
        follow = []
        for lead in rows[: min(len(rows), 400)] if self.rich else []:
            if lead.status == "working":
                follow.append(
                    Activity(
                        lead=lead,
                        kind="call",
                        occurred_at=lead.created_at + timedelta(days=1),
                        summary="首次电话沟通,了解需求",
                        created_by=lead.owner,
                    )
                )
        Activity.objects.bulk_create(follow)

    def make_quick_wins(self, count: int) -> None:
        won = self.org.stages[4]
        for i in range(count):
            rep = self.org.reps[i % len(self.org.reps)]
            customer = self.customers[-(i + 1)]
            at = self.now - timedelta(days=self.rng.uniform(1, 90))
            Opportunity.objects.create(
                name=f"{customer.name[:12]} · 小单快签",
                customer=customer,
                owner=rep,
                amount=Decimal(self.rng.randint(5, 30) * 1000),
                stage=won,
                probability=100,
                expected_close_date=timezone.localdate(at),
                stage_entered_at=at,
                closed_at=at,
                is_quick_win=True,
                source=self.rng.choice(self.sources),
                created_by=rep,
                created_at=at,
            )

    def make_pool(self, count: int) -> None:
        """A pool rule per team (30 days, warn 3 days before, cap 50) and `count` customers
        waiting in the pools, spread over the teams, some returned, some recalled."""
        from customers.models import PoolEvent, PoolRule

        rng = random.Random(17)
        for team in self.org.teams:
            PoolRule.objects.get_or_create(team=team)
        heads = ["远景", "恒信", "佳和", "天成", "宏图", "新锐", "同创", "嘉禾", "金桥", "瑞丰", "博远", "汇通"]
        events = []
        for i in range(count):
            team = self.org.teams[i % len(self.org.teams)]
            former = next((r for r in self.org.reps if r.team_id == team.pk), None)
            pooled = self.now - timedelta(days=rng.randint(1, 60))
            customer = Customer.objects.create(
                name=f"{heads[i % len(heads)]}{rng.choice(['科技', '贸易', '制造', '咨询'])}公司"
                + (f"({i})" if i >= len(heads) else ""),
                customer_type=rng.choice(["enterprise", "enterprise", "individual"]),
                industry=rng.choice(["it", "manufacturing", "retail", "logistics"]),
                region=rng.choice(Region.values),
                owner=None,
                team=team,
                pooled_at=pooled,
            )
            Contact.objects.create(customer=customer, name=_person(rng), title=rng.choice(TITLES))
            if former is not None:
                kind = PoolEvent.Kind.RECALL if i % 2 else PoolEvent.Kind.RETURN
                events.append(
                    PoolEvent(
                        customer=customer, kind=kind, user=former, by=None if i % 2 else former, team=team, at=pooled
                    )
                )
        PoolEvent.objects.bulk_create(events)

    def make_quotas(self) -> None:
        today = timezone.localdate(self.now)
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        months, m = [], quarter_start
        for _ in range(6):
            months.append(m)
            m = date(m.year + (m.month // 12), m.month % 12 + 1, 1)
        rows = []
        for month in months:
            for rep in self.org.reps:
                rows.append(Quota(user=rep, month=month, amount=Decimal(self.rng.choice([400, 500, 600, 800]) * 1000)))
            for team in self.org.teams:
                members = [r for r in self.org.reps if r.team_id == team.pk]
                rows.append(Quota(team=team, month=month, amount=Decimal(len(members) * 600_000)))
        Quota.objects.bulk_create(rows, ignore_conflicts=True)


def seed(stdout, *, scale: int | None = None) -> Org:
    rng = random.Random(2026)
    now = timezone.now()
    rich = scale is None
    deals_wanted = 220 if rich else scale
    extra_reps = 0 if rich else max(0, deals_wanted // 500 - 6)
    org = create_org(extra_reps=extra_reps)
    create_pipelines(org)
    builder = _Builder(org, rng, now, rich)
    builder.make_customers(72 if rich else max(72, deals_wanted // 5))
    stdout.write(f"  {len(builder.customers):,} customers")
    deals = builder.make_deals(deals_wanted, follow_ups=None if rich else 10)
    stdout.write(f"  {len(deals):,} opportunities with stage histories and follow-ups")
    if rich:
        builder.make_quick_wins(10)
    builder.make_leads(300 if rich else deals_wanted // 2, deals)
    builder.make_quotas()
    builder.make_pool(12 if rich else max(12, deals_wanted // 100))
    EvaluationWeights.current().rescore_all()
    stdout.write(f"  {Lead.objects.count():,} leads, {Activity.objects.count():,} follow-ups, quotas for two quarters")
    edits = make_forecast_history(org, rng, now, deals)
    weeks = make_snapshots(SNAPSHOT_WEEKS)
    # What the quarter opening job would have recorded on the quarter's first day.
    from reports.openings import record_opening

    opening = record_opening()
    stdout.write(
        f"  {edits:,} amount, close-date and category edits; {weeks} weekly forecast snapshots;"
        f" the quarter's opening ({opening.deals:,} deals)"
    )
    return org


SNAPSHOT_WEEKS = 52
CATEGORY_NOTES = ["客户口头确认本月签约", "预算已批,只等盖章", "采购流程可能推迟", "竞品报价更低,把握不大"]
JUDGEMENT_NOTES = ["周会讨论:先放进承诺", "合同条款未定,暂不计入", "客户高层已表态支持"]


def make_forecast_history(org: Org, rng: random.Random, now: datetime, deals: list[Opportunity]) -> int:
    """Back-dated field history a forecast meeting would have produced: close dates pushed out
    (and a few pulled in), amounts revised, reps' category overrides and leaders' judgements.
    Each deal's current values are the end of its history, so rewinding it is consistent."""
    from django.contrib.contenttypes.models import ContentType

    from audit.models import FieldChange
    from crm.choices import ForecastCategory

    ct = ContentType.objects.get_for_model(Opportunity)
    leaders = {team.pk: team.leader for team in org.teams}
    rows: list[FieldChange] = []
    pushed: dict[int, int] = {}
    overrides: list[Opportunity] = []
    for deal in deals:
        span = (deal.closed_at or now) - deal.created_at
        if span < timedelta(days=2):
            continue
        moments = sorted(deal.created_at + span * rng.uniform(0.1, 0.95) for _ in range(4))
        roll = rng.random()
        if deal.expected_close_date and roll < 0.35:
            # One to three pushes (Salesforce's "pushed" deals), or one pull-in.
            steps = [rng.randint(10, 45) for _ in range(rng.choice([1, 1, 2, 3]))]
            pull = roll < 0.05
            new = deal.expected_close_date
            changes = []
            for days in reversed(steps):
                old = new + timedelta(days=days) if pull else new - timedelta(days=days)
                changes.append((old, new))
                new = old
            for at, (old, new) in zip(moments, reversed(changes), strict=False):
                rows.append(_change(ct, deal, "expected_close_date", old, new, at))
            if not pull:
                pushed[deal.pk] = len(changes)
        if rng.random() < 0.25:
            old = (deal.amount * Decimal(str(rng.choice([0.6, 0.8, 0.9, 1.1, 1.25])))).quantize(Decimal("1000"))
            if old != deal.amount:
                rows.append(_change(ct, deal, "amount", old, deal.amount, moments[-1]))
        if deal.stage.is_open and rng.random() < 0.12:
            choice = rng.choice([ForecastCategory.COMMIT, ForecastCategory.BEST_CASE, ForecastCategory.OMITTED])
            if choice != deal.stage.forecast_category:
                deal.forecast_category_override = choice
                deal.forecast_category_note = rng.choice(CATEGORY_NOTES)
                at = now - timedelta(days=rng.uniform(1, 20))
                rows.append(_change(ct, deal, "forecast_category_override", "", choice, at))
                leader = leaders.get(deal.owner.team_id)
                if leader and rng.random() < 0.4:
                    judged = rng.choice([ForecastCategory.COMMIT, ForecastCategory.PIPELINE])
                    deal.manager_category = judged
                    deal.manager_category_note = rng.choice(JUDGEMENT_NOTES)
                    deal.manager_category_by = leader
                    deal.manager_category_at = at + timedelta(days=1)
                    rows.append(_change(ct, deal, "manager_category", "", judged, at + timedelta(days=1), by=leader))
                overrides.append(deal)
    FieldChange.objects.bulk_create(rows, batch_size=BATCH)
    Opportunity.objects.bulk_update(
        overrides,
        [
            "forecast_category_override",
            "forecast_category_note",
            "manager_category",
            "manager_category_note",
            "manager_category_by",
            "manager_category_at",
        ],
        batch_size=BATCH,
    )
    by_count: dict[int, list[int]] = {}
    for pk, count in pushed.items():
        by_count.setdefault(count, []).append(pk)
    for count, pks in by_count.items():
        for start in range(0, len(pks), BATCH):
            Opportunity.objects.filter(pk__in=pks[start : start + BATCH]).update(close_date_push_count=count)
    return len(rows)


def _change(ct, deal: Opportunity, field: str, old, new, at: datetime, by: User | None = None):
    from audit.models import FieldChange
    from audit.tracking import to_text

    return FieldChange(
        content_type=ct,
        object_id=deal.pk,
        field=field,
        old_value=to_text(old),
        new_value=to_text(new),
        changed_by=by or deal.owner,
        changed_at=at,
    )


def make_snapshots(weeks: int) -> int:
    """A year of weekly forecast snapshots, each rebuilt from the history as it stood then."""
    from reports.snapshots import take_snapshot, week_monday

    monday = week_monday(timezone.localdate())
    for i in reversed(range(weeks)):
        take_snapshot(monday - timedelta(weeks=i))
    return weeks
