"""Navigators' and team leads' work: queues, triage, allocation, caseloads and the case page."""

from flask import Blueprint

bp = Blueprint("casework", __name__, url_prefix="/casework")

from navigator.casework import case, queues, subject_access  # noqa: E402,F401  (register the views)
