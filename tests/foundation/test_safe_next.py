"""Forms that send people on ("next") only send them to pages of this site."""

from __future__ import annotations

import pytest

from navigator.urls import safe_next
from tests.factories import PASSWORD, make_user


@pytest.mark.parametrize(
    "target",
    [
        "",
        "https://evil.example/",
        "//evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\x7f/x",
    ],
)
def test_other_sites_and_tricks_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize(("target", "expected"), [("/listings", "/listings"), ("/search?q=lunch#r", "/search?q=lunch")])
def test_pages_of_this_site_are_kept(target, expected):
    assert safe_next(target) == expected


def test_sign_in_never_bounces_to_another_site(client, app):
    user = make_user("organisation_editor")  # password only, so one step
    for target in ("/%09/evil.example", "//evil.example", "https://evil.example"):
        client.post("/sign-out")
        response = client.post(f"/sign-in?next={target}", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert response.headers["Location"].endswith("/staff/"), response.headers["Location"]
