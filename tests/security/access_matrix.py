"""Who may reach which URL: one entry per URL name, checked by `test_access_matrix.py`.

Adding a URL? Add one dict here, keyed by its name ("/route" for a pattern without a name); the
test fails until you do:

    "app:name": {
        "method": "get" | "post",                 # default "get"
        "args": lambda w: [w.deal.pk],            # URL arguments from the World (default none)
        "data": lambda w: {...},                  # POST body (default empty)
        "content_type": "application/json",       # optional: the body is sent as JSON
        "expect": SCOPED,                         # status per kind of user (see below)
        "shows": (lambda w: w.deal.name, SEES_OWNERS_RECORDS),  # optional: text only these see
        "public": True,                           # optional: the same page for everyone, cacheable
        "changes_only": SEES_OWNERS_RECORDS,      # optional: nobody else's request changes a row
    }                                             # (a signed-in 200 must be no-store unless public)

A URL that takes several methods may have a list of such dicts, one per request to check.

The seven kinds of user are the owner rep of every record in the World, a teammate in the same
team, a rep of another team, the owner's team leader, the other team's leader, an admin, and an
anonymous visitor. Admin pages (admin.site) and static files are covered by rules in the test.

The REST API (`api:*`) is called with each user's personal API token instead of a session; wrap
its expectations in `api(...)`: the anonymous caller gets 401 there, never a redirect.
"""

from __future__ import annotations

from django.utils import timezone

ANON = "anonymous"
OWNER = "owner rep"
TEAMMATE = "teammate"
OUTSIDER = "other team's rep"
LEADER = "own leader"
OTHER_LEADER = "other leader"
ADMIN = "admin"
ROLES = (ANON, OWNER, TEAMMATE, OUTSIDER, LEADER, OTHER_LEADER, ADMIN)
SIGNED_IN = ROLES[1:]
SEES_OWNERS_RECORDS = {OWNER, LEADER, ADMIN}
SEES_TEAM_POOL = {OWNER, TEAMMATE, LEADER, ADMIN}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def signed_in(status: int) -> dict[str, int]:
    """Any signed-in user gets `status`; the anonymous visitor is sent to sign in (302)."""
    return {ANON: 302, **dict.fromkeys(SIGNED_IN, status)}


def scoped(status: int, others: int = 404) -> dict[str, int]:
    """A record of the owner rep: the owner, their leader and admins get `status`, everyone else
    signed in 404 (or `others`)."""
    return {**signed_in(others), **dict.fromkeys(SEES_OWNERS_RECORDS, status)}


def leader_or_admin(status: int) -> dict[str, int]:
    """A decision over the owner rep's record: their leader and admins get `status`; the rep, who
    sees the record, is refused (403); everyone else gets 404."""
    return {**scoped(status), OWNER: 403}


def own_or_admin(status: int) -> dict[str, int]:
    """The user's own work (an import): the user and admins; their leader gets 404 like anyone."""
    return {**only_owner(status), ADMIN: status}


def team_pool(status: int) -> dict[str, int]:
    """The owner's team's customer pool: its members, its leader and admins; the other team 404."""
    return {**signed_in(404), **dict.fromkeys(SEES_TEAM_POOL, status)}


def only_owner(status: int) -> dict[str, int]:
    """Personal records (notifications): the owner alone; leaders and admins get 404 too."""
    return {**signed_in(404), OWNER: status}


def api(expect: dict[str, int]) -> dict[str, int]:
    """The REST API answers an anonymous caller 401 (a script cannot follow a sign-in page)."""
    return {**expect, ANON: 401}


def only_admin(status: int) -> dict[str, int]:
    """Settings for the whole company: admins alone; everyone else signed in is refused (403)."""
    return {**signed_in(403), ADMIN: status}


def _when(hours_ago: int = 1) -> str:
    return timezone.localtime(timezone.now() - timezone.timedelta(hours=hours_ago)).strftime("%Y-%m-%dT%H:%M")


def _day(days_ahead: int) -> str:
    return (timezone.localdate() + timezone.timedelta(days=days_ahead)).isoformat()


def _follow_up(w) -> dict:
    return {"kind": "call", "occurred_at": _when(), "summary": "Called about the quote"}


ACCESS_MATRIX: dict[str, dict | list[dict]] = {
    # Frame, sign-in and password reset
    "home": {"expect": signed_in(200)},
    "login": {"expect": everyone(200)},
    "logout": {"method": "post", "expect": everyone(302)},
    "password_reset": {"expect": everyone(200)},
    "password_reset_done": {"expect": everyone(200)},
    # A valid link redirects to the set-password form whoever follows it: the token is the credential.
    "password_reset_confirm": {"args": lambda w: [w.reset_uid, w.reset_token], "expect": everyone(302)},
    "password_reset_complete": {"expect": everyone(200)},
    "set_language": {"method": "post", "data": {"language": "en", "next": "/"}, "expect": everyone(302)},
    "accounts:profile": {"expect": signed_in(200)},
    # Browsers report policy violations here, signed in or not.
    # Browsers ask for /favicon.ico whatever the page says: a permanent redirect to the static file.
    "/favicon.ico": {"expect": everyone(301)},
    "csp_report": {
        "method": "post",
        "data": {"csp-report": {"violated-directive": "script-src", "blocked-uri": "inline"}},
        "content_type": "application/csp-report",
        "expect": everyone(204),
    },
    # Leads
    "leads:list": {"expect": signed_in(200), "shows": (lambda w: w.lead.name, SEES_OWNERS_RECORDS)},
    "leads:new": {"expect": signed_in(200)},
    "leads:detail": {"args": lambda w: [w.lead.pk], "expect": scoped(200)},
    "leads:edit": {"args": lambda w: [w.lead.pk], "expect": scoped(200)},
    "leads:log_follow_up": {"method": "post", "args": lambda w: [w.lead.pk], "data": _follow_up, "expect": scoped(302)},
    "leads:convert": {"args": lambda w: [w.lead.pk], "expect": scoped(200)},
    "leads:convert_as_won": {
        "method": "post",
        "args": lambda w: [w.lead.pk],
        "data": {"amount": "50000", "name": "Quick win"},
        "expect": scoped(302),
    },
    "leads:add_contact": {
        "method": "post",
        "args": lambda w: [w.lead.pk],
        "data": {"name": "Qian Wei", "buying_role": "user", "attitude": "neutral"},
        "expect": scoped(302),
    },
    "leads:remove_contact": {
        "method": "post",
        "args": lambda w: [w.lead.pk, w.lead_contact.pk],
        "expect": scoped(302),
    },
    "leads:disqualify": {
        "method": "post",
        "args": lambda w: [w.lead.pk],
        "data": {"reason": "No budget this year"},
        "expect": scoped(302),
    },
    # Opportunities
    "opportunities:list": {"expect": signed_in(200), "shows": (lambda w: w.deal.name, SEES_OWNERS_RECORDS)},
    "opportunities:export": {"expect": signed_in(200), "shows": (lambda w: w.deal.name, SEES_OWNERS_RECORDS)},
    "opportunities:board": {"expect": signed_in(200), "shows": (lambda w: w.deal.name, SEES_OWNERS_RECORDS)},
    "opportunities:new_for_customer": {"args": lambda w: [w.customer.pk], "expect": scoped(200)},
    "opportunities:detail": {"args": lambda w: [w.deal.pk], "expect": scoped(200)},
    "opportunities:edit": {"args": lambda w: [w.deal.pk], "expect": scoped(200)},
    "opportunities:move": {"args": lambda w: [w.deal.pk], "expect": scoped(200)},
    "opportunities:log_follow_up": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": _follow_up,
        "expect": scoped(302),
    },
    "opportunities:add_objection": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": {"kind": "price", "description": "Too expensive"},
        "expect": scoped(302),
    },
    "opportunities:resolve_objection": {
        "method": "post",
        "args": lambda w: [w.deal.pk, w.objection.pk],
        "data": {"response": "Discount agreed"},
        "expect": scoped(302),
    },
    "opportunities:add_contact": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": {"name": "Wang Fang", "buying_role": "influencer", "attitude": "neutral"},
        "expect": scoped(302),
    },
    "opportunities:update_contact": {
        "method": "post",
        "args": lambda w: [w.deal.pk, w.contact.pk],
        "data": {"buying_role": "decision_maker", "attitude": "supporter"},
        "expect": scoped(302),
    },
    "opportunities:follow_on": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": {"kind": "upsell", "name": "More seats", "amount": "10000"},
        "expect": scoped(302),
    },
    # An empty pipeline form: those who see the deal get the field errors (400), everyone else 404.
    "opportunities:change_pipeline": {"method": "post", "args": lambda w: [w.deal.pk], "expect": scoped(400)},
    "opportunities:evaluate": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": {"swot_strengths": "A strong champion", "swot_weaknesses": "No budget yet"},
        "expect": scoped(302),
    },
    # Those who see the deal reach the approval; only the leader or an admin decides it (the rep
    # who asked gets 403) and only the rep who asked or an admin withdraws it (the leader gets 403).
    "opportunities:request_approval": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": lambda w: {"stage": w.stages[3].pk},
        "expect": scoped(302),
    },
    "opportunities:decide_approval": {
        "method": "post",
        "args": lambda w: [w.approval.pk],
        "data": {"decision": "reject", "comment": "Not this quarter"},
        "expect": leader_or_admin(302),
    },
    "opportunities:withdraw_approval": {
        "method": "post",
        "args": lambda w: [w.approval.pk],
        "expect": {**scoped(302), LEADER: 403},
    },
    # The rep forecasts their deal (their leader or an admin may correct it); only the leader or
    # an admin records a judgement (the rep gets 403).
    "opportunities:forecast_category": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": {"rep-category": "commit", "rep-note": "Verbal yes from the buyer"},
        "expect": scoped(302),
    },
    "opportunities:forecast_judgement": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": {"leader-category": "best_case", "leader-note": "Legal has not started"},
        "expect": leader_or_admin(302),
    },
    # Customers
    "customers:list": {"expect": signed_in(200), "shows": (lambda w: w.customer.name, SEES_OWNERS_RECORDS)},
    "customers:detail": [
        {"args": lambda w: [w.customer.pk], "expect": scoped(200)},
        {"args": lambda w: [w.pool_customer.pk], "expect": team_pool(200)},
    ],
    "customers:new": {"expect": signed_in(200)},
    "customers:duplicates": {"expect": signed_in(200)},
    # A customer in the pool is seen by its team; its leader (or an admin) edits it, a rep claims it first.
    "customers:edit": [
        {"args": lambda w: [w.customer.pk], "expect": scoped(200)},
        {"args": lambda w: [w.pool_customer.pk], "expect": {**team_pool(403), LEADER: 200, ADMIN: 200}},
    ],
    "customers:contact_new": {"args": lambda w: [w.customer.pk], "expect": scoped(200)},
    "customers:contact_edit": {"args": lambda w: [w.customer.pk, w.contact.pk], "expect": scoped(200)},
    # Merging rewrites other people's records: the owner's leader or an admin.
    "customers:merge": {"args": lambda w: [w.customer.pk], "expect": leader_or_admin(200)},
    # The pool (公海): the team's unowned customers, for its members, its leader and admins.
    "customers:pool": {"expect": signed_in(200), "shows": (lambda w: w.pool_customer.name, SEES_TEAM_POOL)},
    "customers:claim": {"method": "post", "args": lambda w: [w.pool_customer.pk], "expect": team_pool(302)},
    "customers:release": {"method": "post", "args": lambda w: [w.customer.pk], "expect": scoped(302)},
    # Reports: every signed-in user gets them, each within their own scope.
    "reports:overview": {"expect": signed_in(200)},
    "reports:funnel": {"expect": signed_in(200)},
    "reports:forecast": {"expect": signed_in(200)},
    "reports:conversion": {"expect": signed_in(200)},
    "reports:winloss": {"expect": signed_in(200)},
    "reports:team": {"expect": signed_in(200)},
    "reports:quality": {"expect": signed_in(200)},
    # Asking for another team's rep by id shows nothing of theirs (a rep has no such filter).
    "reports:inspection": {
        "data": lambda w: {"rep": w.users[OWNER].pk, "since": "four_weeks"},
        "expect": signed_in(200),
        "shows": (lambda w: w.deal.name, SEES_OWNERS_RECORDS),
    },
    "reports:accuracy": {"expect": signed_in(200)},
    "reports:calibration": {"expect": signed_in(200)},
    # Accepting a suggested stage probability changes every team's forecast: admins only.
    "reports:accept_calibration": {
        "method": "post",
        "data": lambda w: {"stage": w.stages[2].pk, "probability": "45"},
        "expect": only_admin(302),
    },
    # Notifications
    "notifications:list": {"expect": signed_in(200), "shows": (lambda w: w.notification.title, {OWNER})},
    "notifications:open": {"args": lambda w: [w.notification.pk], "expect": only_owner(302)},
    "notifications:mark_read": {"method": "post", "args": lambda w: [w.notification.pk], "expect": only_owner(302)},
    "notifications:mark_all_read": {"method": "post", "expect": signed_in(302)},
    # Recycle bin, files and deleting: deleting is for those who see the record (it goes to the
    # bin); restoring is for the owner's leader or an admin (the rep gets 403).
    "recyclebin:list": {"expect": signed_in(200), "shows": (lambda w: w.binned_lead.name, SEES_OWNERS_RECORDS)},
    "recyclebin:restore": [
        {"method": "post", "args": lambda w: ["lead", w.binned_lead.pk], "expect": leader_or_admin(302)},
        {"method": "post", "args": lambda w: ["file", w.binned_file.pk], "expect": leader_or_admin(302)},
    ],
    "leads:delete": {"method": "post", "args": lambda w: [w.lead.pk], "expect": scoped(302)},
    "opportunities:delete": {"method": "post", "args": lambda w: [w.deal.pk], "expect": scoped(302)},
    "opportunities:delete_follow_up": {"method": "post", "args": lambda w: [w.follow_up.pk], "expect": scoped(302)},
    "customers:delete": {"method": "post", "args": lambda w: [w.spare_customer.pk], "expect": scoped(302)},
    "customers:delete_contact": {"method": "post", "args": lambda w: [w.contact.pk], "expect": scoped(302)},
    "attachments:upload_to_deal": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": lambda w: {"file": w.upload()},
        "expect": scoped(302),
    },
    "attachments:upload_to_customer": {
        "method": "post",
        "args": lambda w: [w.customer.pk],
        "data": lambda w: {"file": w.upload()},
        "expect": scoped(302),
    },
    "attachments:download": {"args": lambda w: [w.attachment.pk], "expect": scoped(200)},
    "attachments:delete": {"method": "post", "args": lambda w: [w.attachment.pk], "expect": scoped(302)},
    # Personal API tokens on the profile: each user their own.
    "api_tokens:token_create": {"method": "post", "data": {"name": "Nightly sync"}, "expect": signed_in(200)},
    "api_tokens:token_revoke": {"method": "post", "args": lambda w: [w.token.pk], "expect": only_owner(302)},
    # REST API, with each user's token: lists are everyone's, each within their own scope.
    "api:api-root": {"expect": api(signed_in(200))},
    # The schema and its docs describe the API, never data.
    "api:schema": {"expect": everyone(200), "public": True},
    "api:docs": {"expect": everyone(200), "public": True},
    # Anyone signed in adds their own leads; an edit needs the version read.
    "api:lead-list": [
        {"expect": api(signed_in(200)), "shows": (lambda w: w.lead.name, SEES_OWNERS_RECORDS)},
        {
            "method": "post",
            "data": lambda w: {"name": "Han Meimei", "company": "Acme", "source": w.lead.source_id},
            "content_type": "application/json",
            "expect": api(signed_in(201)),
        },
        # Handing the new lead to the owner rep: only those who see the rep's records may.
        {
            "method": "post",
            "data": lambda w: {
                "name": "Han Meimei",
                "company": "Acme",
                "source": w.lead.source_id,
                "owner": w.users[OWNER].pk,
            },
            "content_type": "application/json",
            "expect": api(scoped(201, others=400)),
        },
    ],
    "api:lead-detail": [
        {"args": lambda w: [w.lead.pk], "expect": api(scoped(200))},
        {
            "method": "patch",
            "args": lambda w: [w.lead.pk],
            "data": lambda w: {"company": "Acme Group", "version": w.lead.version},
            "content_type": "application/json",
            "expect": api(scoped(200)),
        },
    ],
    "api:customer-list": {"expect": api(signed_in(200)), "shows": (lambda w: w.customer.name, SEES_OWNERS_RECORDS)},
    "api:customer-detail": {"args": lambda w: [w.customer.pk], "expect": api(scoped(200))},
    "api:contact-list": {"expect": api(signed_in(200)), "shows": (lambda w: w.contact.name, SEES_OWNERS_RECORDS)},
    "api:contact-detail": {"args": lambda w: [w.contact.pk], "expect": api(scoped(200))},
    # A new deal is for a customer the user sees (anyone else: 400, the customer field says why).
    "api:opportunity-list": [
        {"expect": api(signed_in(200)), "shows": (lambda w: w.deal.name, SEES_OWNERS_RECORDS)},
        {
            "method": "post",
            "data": lambda w: {"customer": w.customer.pk, "name": "API deal", "amount": "1000"},
            "content_type": "application/json",
            "expect": api(scoped(201, others=400)),
        },
    ],
    "api:opportunity-detail": [
        {"args": lambda w: [w.deal.pk], "expect": api(scoped(200))},
        {
            "method": "patch",
            "args": lambda w: [w.deal.pk],
            "data": lambda w: {"next_step": "Send the contract", "version": w.deal.version},
            "content_type": "application/json",
            "expect": api(scoped(200)),
        },
    ],
    # The rep's move into the 80 % stage files (returns) the approval request (202); the leader
    # and an admin may approve, so theirs moves the deal (200).
    "api:opportunity-move": {
        "method": "post",
        "args": lambda w: [w.deal.pk],
        "data": lambda w: {"stage": w.stages[3].pk},
        "content_type": "application/json",
        "expect": api({**scoped(200), OWNER: 202}),
    },
    "api:follow-up-list": [
        {"expect": api(signed_in(200)), "shows": (lambda w: w.follow_up.summary, SEES_OWNERS_RECORDS)},
        {
            "method": "post",
            "data": lambda w: {"opportunity": w.deal.pk, "kind": "call", "summary": "Talked"},
            "content_type": "application/json",
            "expect": api(scoped(201)),
        },
    ],
    "api:follow-up-detail": {"args": lambda w: [w.follow_up.pk], "expect": api(scoped(200))},
    "api:stage-list": {"expect": api(signed_in(200))},
    "api:stage-detail": {"args": lambda w: [w.stages[1].pk], "expect": api(signed_in(200))},
    "api:loss-reason-list": {"expect": api(signed_in(200))},
    "api:loss-reason-detail": {"args": lambda w: [w.loss_reason.pk], "expect": api(signed_in(200))},
    "api:notification-list": {"expect": api(signed_in(200)), "shows": (lambda w: w.notification.title, {OWNER})},
    "api:notification-detail": {"args": lambda w: [w.notification.pk], "expect": api(only_owner(200))},
    "api:notification-mark-read": {
        "method": "post",
        "args": lambda w: [w.notification.pk],
        "content_type": "application/json",
        "expect": api(only_owner(200)),
    },
    # Search and bulk actions: every request is narrowed to what the user sees.
    "workspace:search": {
        "data": {"q": "Owner"},
        "expect": signed_in(200),
        "shows": (lambda w: w.deal.name, SEES_OWNERS_RECORDS),
    },
    "workspace:bulk_deals": {
        "method": "post",
        "data": lambda w: {"action": "follow_up", "ids": [w.deal.pk], "follow_up_on": _day(3)},
        "expect": signed_in(302),
        "changes_only": SEES_OWNERS_RECORDS,
    },
    # Reassigning is for leaders (within their team) and admins. A rep's choice of new owner is
    # themselves alone (any other: back with the reason, 302); the teammate, picking themselves,
    # is refused (403). The other leader may not pick the teammate (302 with the reason).
    "workspace:bulk_leads": {
        "method": "post",
        "data": lambda w: {"action": "reassign", "ids": [w.lead.pk], "owner": w.users[TEAMMATE].pk},
        "expect": {**signed_in(302), TEAMMATE: 403},
        "changes_only": {LEADER, ADMIN},
    },
    "workspace:hand_over": {"expect": only_admin(200)},
    "workspace:save_view": {
        "method": "post",
        "data": {"page": "opportunities", "name": "Stale deals", "query": "stale=1"},
        "expect": signed_in(302),
    },
    "workspace:delete_view": {"method": "post", "args": lambda w: [w.saved_view.pk], "expect": only_owner(302)},
    # Imports: a rep imports their own leads; an import is its author's (and any admin's).
    "imports:upload": {"expect": signed_in(200)},
    "imports:detail": {"args": lambda w: [w.import_job.pk], "expect": own_or_admin(200)},
    "imports:check": {"method": "post", "args": lambda w: [w.import_job.pk], "expect": own_or_admin(400)},
    "imports:commit": {"method": "post", "args": lambda w: [w.import_job.pk], "expect": own_or_admin(302)},
    "imports:progress": {"args": lambda w: [w.import_job.pk], "expect": own_or_admin(204)},
    # Public web-to-lead intake
    "intake:form": {"expect": everyone(200), "public": True},
    "intake:thanks": {"expect": everyone(200), "public": True},
    "intake:submit": {
        "method": "post",
        "data": {"name": "Li Lei", "company": "Acme", "email": "li@acme.example"},
        "expect": everyone(201),
    },
}
