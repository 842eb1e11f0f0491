from __future__ import annotations

import pytest

from opportunities.models import Pipeline, Stage


@pytest.fixture
def renewal(db) -> Pipeline:
    """“续约 / Renewal”: talks (60 %), renewed, not renewed; marked for renewals."""
    pipeline = Pipeline.objects.create(name="续约", name_en="Renewal", order=2, is_renewal_default=True)
    Stage.objects.create(pipeline=pipeline, order=1, name="续约沟通", name_en="Renewal talks", probability=60)
    Stage.objects.create(pipeline=pipeline, order=2, name="续约成功", name_en="Renewed", probability=100, outcome="won")
    Stage.objects.create(
        pipeline=pipeline,
        order=3,
        name="未续约",
        name_en="Not renewed",
        probability=0,
        outcome="lost",
        requires_loss_reason=True,
    )
    return pipeline


@pytest.fixture
def renewal_stages(renewal) -> dict[int, Stage]:
    return {s.order: s for s in renewal.stages.all()}
