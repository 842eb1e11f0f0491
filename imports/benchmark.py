"""A large deal file for the import benchmark (`python manage.py bench` and the README figure)."""

from __future__ import annotations

import csv
import io
import random

HEADERS = ["外部编号", "商机名称", "客户名称", "金额", "阶段", "负责人", "预计成交日期", "下一步"]
STAGES = ["确认采购计划", "Inquiry / bidding", "敲定合同", "Purchase plan confirmed"]


def deals_csv(rows: int, owners: list[str], *, customers: int | None = None, seed: int = 12) -> bytes:
    """`rows` deals over `customers` companies (default: one per ten deals), owned in turn by `owners`."""
    rng = random.Random(seed)
    customers = customers or max(rows // 10, 1)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for i in range(rows):
        writer.writerow(
            [
                f"BENCH-{seed}-{i}",
                f"Deal {i}",
                f"Bench customer {i % customers} 有限公司",
                f"{rng.randint(1, 500) * 1000}",
                STAGES[i % len(STAGES)],
                owners[i % len(owners)],
                f"2027-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "Call the buyer",
            ]
        )
    return out.getvalue().encode("utf-8")
