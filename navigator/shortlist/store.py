"""The shortlist itself: listing ids (UUID strings) in the visitor's session, the
published listings they stand for, and signed tokens that carry a list in a link."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable, Sequence

from flask import current_app, session
from itsdangerous import BadSignature, URLSafeSerializer

from navigator.extensions import db
from navigator.models import Listing
from navigator.services.listings import public_listings_by_id
from navigator.urls import external_url, shown_url

SESSION_KEY = "shortlist"
# Enough for a conversation about options, and small enough for the session cookie
# (30 UUIDs are about 1.2 kB) and for a printed sheet.
LIMIT = 30
TOKEN_SALT = "shortlist"


class Added(enum.Enum):
    ADDED = "added"
    ALREADY_THERE = "already_there"
    FULL = "full"


def shortlist_ids() -> list[str]:
    """The ids on this visitor's shortlist, oldest first (also a template global)."""
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, list):
        return []
    return [item for item in raw if isinstance(item, str)][:LIMIT]


def shortlist_full() -> bool:
    return len(shortlist_ids()) >= LIMIT


def _save(ids: Sequence[str]) -> None:
    if ids:
        session[SESSION_KEY] = list(ids)
    else:
        session.pop(SESSION_KEY, None)


def parse_listing_id(raw: object) -> uuid.UUID | None:
    if not isinstance(raw, str):
        return None
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


def public_listing(raw_id: object) -> Listing | None:
    """The published listing with this id, or None for anything else (never an error)."""
    listing_id = parse_listing_id(raw_id)
    if listing_id is None:
        return None
    listing = db.session.get(Listing, listing_id)
    return listing if listing is not None and listing.is_public else None


def add_to_shortlist(listing: Listing) -> Added:
    ids = shortlist_ids()
    if str(listing.id) in ids:
        return Added.ALREADY_THERE
    if len(ids) >= LIMIT:
        return Added.FULL
    _save([*ids, str(listing.id)])
    return Added.ADDED


def remove_from_shortlist(listing_id: uuid.UUID) -> bool:
    ids = shortlist_ids()
    if str(listing_id) not in ids:
        return False
    _save([item for item in ids if item != str(listing_id)])
    return True


def keep_only(ids: Iterable[str]) -> None:
    _save(list(ids))


def clear_shortlist() -> None:
    _save([])


def copy_to_shortlist(ids: Iterable[str]) -> tuple[int, int]:
    """Add these ids after the visitor's own, up to the limit. Returns (added, left out)."""
    mine = shortlist_ids()
    added = left_out = 0
    for item in ids:
        if item in mine:
            continue
        if len(mine) >= LIMIT:
            left_out += 1
            continue
        mine.append(item)
        added += 1
    _save(mine)
    return added, left_out


def published_listings(ids: Sequence[str]) -> list[Listing]:
    """The listings that are still published, in shortlist order."""
    wanted = [listing_id for listing_id in (parse_listing_id(item) for item in ids) if listing_id is not None]
    if not wanted:
        return []
    by_id = public_listings_by_id(wanted)
    return [by_id[listing_id] for listing_id in wanted if listing_id in by_id]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def share_token(ids: Sequence[str]) -> str:
    """A signed, tamper-proof token for this list. It does not expire: links are kept in emails."""
    return str(_serializer().dumps(list(ids)[:LIMIT]))


def ids_from_token(token: str) -> list[str] | None:
    """The ids a share token carries, or None if it was not made by us or was changed."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, list) or len(payload) > LIMIT:
        return None
    ids = [parse_listing_id(item) for item in payload]
    if any(listing_id is None for listing_id in ids):
        return None
    return list(dict.fromkeys(str(listing_id) for listing_id in ids))


def share_url(ids: Sequence[str], *, for_mail: bool = False) -> str:
    """The full address of the shared list: for mail from BASE_URL (like other mailed
    links), for people to copy from the page the address it was served at."""
    if for_mail:
        return external_url("shortlist.shared", token=share_token(ids))
    return shown_url("shortlist.shared", token=share_token(ids))
