"""The case page and everything a navigator records on it.

Every action is a small form that calls one function in navigator.services.referrals.
What the service refuses (ReferralError and its kinds) is shown as an error message on
the form, with everything typed kept; a record the user may not know about is a 404.
"""

from navigator.casework.case import (  # noqa: F401  (register the views)
    closure,
    connections,
    contact,
    monitoring,
    notes,
    overview,
    plan,
    screening,
    unmet_need,
)
