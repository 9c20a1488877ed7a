"""Navigators' and team leads' work: queues, triage, allocation, caseloads and the case page."""

from flask import Blueprint

bp = Blueprint("casework", __name__, url_prefix="/casework")

# suggesting registers the template global the directory pages ask for the case being suggested for.
from navigator.casework import case, episodes, queues, subject_access, suggesting  # noqa: E402,F401  (register the views)
