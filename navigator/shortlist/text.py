"""The shortlist as plain text, for email."""

from __future__ import annotations

from collections.abc import Sequence

from navigator.models import Listing
from navigator.presenters import cost_text, schedule_lines


def contact_phone(listing: Listing) -> str:
    """The number to call about a listing: its own, or its organisation's."""
    return listing.contact_phone or listing.organisation.phone or ""


def listing_text(number: int, listing: Listing) -> str:
    lines = [f"{number}. {listing.name}", f"{listing.kind.label} run by {listing.organisation.name}"]
    lines += [f"When: {line}" for line in schedule_lines(listing)]
    if listing.venue is not None:
        lines.append("Where: " + ", ".join(listing.venue.address_lines))
    lines.append(f"Cost: {cost_text(listing)}")
    phone = contact_phone(listing)
    if phone:
        lines.append(f"Phone: {phone}")
    return "\n   ".join(lines)


def shortlist_email_body(
    listings: Sequence[Listing], *, message: str, link: str, sender: str, service_name: str
) -> str:
    """The email a member of staff sends: their message, each listing, and the link to the list."""
    parts = [message.strip()] if message.strip() else []
    parts.append(
        f"Here {'is the activity' if len(listings) == 1 else f'are the {len(listings)} activities'} "
        f"on your shortlist from {service_name}. Times can change, so check with the organiser before you go."
    )
    parts += [listing_text(number, listing) for number, listing in enumerate(listings, start=1)]
    parts.append(f"See this list online, or print it in large text:\n{link}")
    parts.append(f"Sent by {sender} using {service_name}.")
    return "\n\n".join(parts) + "\n"
