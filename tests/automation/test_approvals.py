"""Large-deal approval: the request goes to the team leader, who approves (the deal moves) or
rejects (the rep is told why); nobody else can decide."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from notifications.models import Notification
from opportunities.models import ApprovalRequest, StageChange, StageMoveRefused

from .conftest import large_deal

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(rep, stages):
    return large_deal(rep, stages)


def test_moving_a_large_deal_files_a_request_for_the_leader_instead_of_moving(deal, rep, leader, stages):
    result = deal.move_or_request_approval(stages[3], rep, note="Board meets Friday")
    deal.refresh_from_db()
    assert isinstance(result, ApprovalRequest)
    assert deal.stage == stages[2]
    assert result.status == "pending" and result.requested_by == rep and result.amount == Decimal("2000000")
    note = Notification.objects.get(recipient=leader)
    assert note.kind == Notification.Kind.APPROVAL_REQUESTED
    assert note.approval_request == result
    assert "Board meets Friday" in note.body


def test_a_small_deal_just_moves(rep, stages):
    deal = large_deal(rep, stages, amount="50000")
    change = deal.move_or_request_approval(stages[3], rep)
    assert isinstance(change, StageChange)
    assert not ApprovalRequest.objects.exists()


def test_asking_twice_keeps_one_pending_request(deal, rep, leader, stages):
    first = deal.request_approval(stages[3], by=rep)
    second = deal.request_approval(stages[3], by=rep)
    assert first.pk == second.pk
    assert Notification.objects.filter(recipient=leader).count() == 1


def test_a_request_is_refused_while_other_requirements_are_missing(rep, stages):
    deal = large_deal(rep, stages)
    deal.primary_contact.buying_role = "influencer"
    deal.primary_contact.save()
    with pytest.raises(StageMoveRefused) as refused:
        deal.request_approval(stages[3], by=rep)
    assert any("decision maker" in r for r in refused.value.reasons)
    assert not ApprovalRequest.objects.exists()


def test_approval_moves_the_deal_through_the_stage_rules_and_tells_the_rep(deal, rep, leader, stages):
    request = deal.request_approval(stages[3], by=rep)
    change = request.approve(leader, "Go ahead")
    deal.refresh_from_db()
    assert deal.stage == stages[3] and deal.probability == 80
    assert change.changed_by == leader and change.from_stage == stages[2]
    assert "Go ahead" in change.note
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_comment) == ("approved", leader, "Go ahead")
    told = Notification.objects.get(recipient=rep, kind=Notification.Kind.APPROVAL_DECIDED)
    assert "Approved" in told.title
    assert Notification.objects.get(recipient=leader).read_at is not None


def test_rejection_needs_a_reason_and_tells_the_rep_why(deal, rep, leader, stages):
    request = deal.request_approval(stages[3], by=rep)
    with pytest.raises(ValidationError):
        request.reject(leader, "  ")
    request.reject(leader, "Margin too thin")
    deal.refresh_from_db()
    assert deal.stage == stages[2]
    told = Notification.objects.get(recipient=rep, kind=Notification.Kind.APPROVAL_DECIDED)
    assert "Not approved" in told.title and "Margin too thin" in told.body
    assert not deal.stage_changes.filter(to_stage=stages[3]).exists()


def test_a_rep_cannot_approve_their_own_request(deal, rep, teammate, stages):
    request = deal.request_approval(stages[3], by=rep)
    for user in (rep, teammate):
        with pytest.raises(PermissionDenied):
            request.approve(user)
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_leader_of_another_team_cannot_approve(deal, rep, other_leader, stages):
    request = deal.request_approval(stages[3], by=rep)
    with pytest.raises(PermissionDenied):
        request.approve(other_leader)
    deal.refresh_from_db()
    assert deal.stage == stages[2]


def test_a_decided_request_cannot_be_decided_again(deal, rep, leader, stages):
    request = deal.request_approval(stages[3], by=rep)
    request.reject(leader, "No")
    with pytest.raises(ValidationError):
        request.approve(leader)


# --- from the pages ----------------------------------------------------------------------


def test_the_leader_approves_from_the_notification_list(deal, rep, leader, leader_client, stages):
    request = deal.request_approval(stages[3], by=rep)
    page = leader_client.get(reverse("notifications:list"))
    assert reverse("opportunities:decide_approval", args=[request.pk]).encode() in page.content
    response = leader_client.post(
        reverse("opportunities:decide_approval", args=[request.pk]),
        {"decision": "approve", "comment": "OK", "next": reverse("notifications:list")},
    )
    assert response.status_code == 302 and response.url == reverse("notifications:list")
    deal.refresh_from_db()
    assert deal.stage == stages[3]


def test_the_rep_asks_from_the_deal_panel_and_cannot_decide(deal, rep, rep_client, stages):
    response = rep_client.post(
        reverse("opportunities:request_approval", args=[deal.pk]), {"stage": stages[3].pk, "note": "Please"}
    )
    assert response.status_code == 302
    request = ApprovalRequest.objects.get()
    response = rep_client.post(reverse("opportunities:decide_approval", args=[request.pk]), {"decision": "approve"})
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == "pending"


def test_another_teams_leader_gets_a_404(deal, rep, other_leader, stages):
    from tests.conftest import client_for

    request = deal.request_approval(stages[3], by=rep)
    response = client_for(other_leader).post(
        reverse("opportunities:decide_approval", args=[request.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    assert (
        client_for(other_leader)
        .post(reverse("opportunities:request_approval", args=[deal.pk]), {"stage": stages[3].pk})
        .status_code
        == 404
    )


def test_a_rejection_without_a_comment_is_explained_on_the_page(deal, rep, leader, leader_client, stages):
    request = deal.request_approval(stages[3], by=rep)
    response = leader_client.post(
        reverse("opportunities:decide_approval", args=[request.pk]), {"decision": "reject", "comment": ""}, follow=True
    )
    assert "Tell the rep why" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending"


def test_the_panel_shows_each_step(deal, rep, leader, stages, rf):
    from django.template.loader import render_to_string

    request = deal.request_approval(stages[3], by=rep, note="Big one")
    http = rf.get("/")
    http.user = leader
    html = render_to_string("opportunities/_approval_panel.html", {"opportunity": deal, "request": http})
    assert "Waiting for approval" in html and "Approve and move" in html
    request.reject(leader, "Too risky")
    http.user = rep
    html = render_to_string("opportunities/_approval_panel.html", {"opportunity": deal, "request": http})
    assert "Rejected" in html and "Too risky" in html and "Big one" in html
    assert "Request approval" in html  # the rep may ask again


def test_every_approval_step_is_on_the_deal_timeline(deal, rep, leader, rep_client, stages):
    request = deal.request_approval(stages[3], by=rep, note="Board meets Friday")
    request.reject(leader, "Discount too deep")
    deal.request_approval(stages[3], by=rep, note="Revised discount").approve(leader, "OK now")
    body = rep_client.get(reverse("opportunities:detail", args=[deal.pk])).content.decode()
    timeline = body[body.index('id="timeline"') :]
    for text in [
        "Approval requested for",
        "Board meets Friday",
        "Approval for",
        "Rejected",
        "Discount too deep",
        "Revised discount",
        "Approved",
        "OK now",
    ]:
        assert text in timeline, text
    # the approved move itself is on the timeline as a stage change
    deal.refresh_from_db()
    assert deal.stage == stages[3]
    assert timeline.index("OK now") < timeline.index("Discount too deep")  # newest first
