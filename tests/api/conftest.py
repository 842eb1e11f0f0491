from __future__ import annotations

import pytest
from django.test import Client

from api.models import ApiToken


def token_client(user) -> Client:
    _token, key = ApiToken.issue(user, "tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.fixture
def rep_api(rep) -> Client:
    return token_client(rep)


@pytest.fixture
def leader_api(leader) -> Client:
    return token_client(leader)


@pytest.fixture
def outsider_api(outsider) -> Client:
    return token_client(outsider)


@pytest.fixture
def admin_api(admin_user) -> Client:
    return token_client(admin_user)
