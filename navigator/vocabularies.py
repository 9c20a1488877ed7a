"""Coded lists used by referrals and casework (domain.md 2.1-2.6), in one place.

Codes are stored; labels are shown. Directory vocabularies (categories, target
groups, languages, accessibility) live in the taxonomy table instead.
"""

from __future__ import annotations

NEEDS = {
    "loneliness": "Loneliness or isolation",
    "bereavement": "Bereavement",
    "low_mood": "Low mood or anxiety",
    "new_to_area": "New to the area",
    "carer_strain": "Carer strain",
    "activity_or_hobby": "Wants an activity or hobby",
    "volunteering_or_work": "Wants volunteering or work",
    "learn_english": "Wants to learn English",
    "digital_skills": "Digital skills",
}

# Directory categories (seed/taxonomy.yaml codes) for what a person asked for help with, where
# one fits: "Find activities" searches them, and the coverage-gap report counts the listings in
# them (a top-level category takes in the categories under it). A need with none ("wants an
# activity or hobby") means any kind of activity.
CATEGORIES_FOR_NEED = {
    "loneliness": "social-befriending",
    "bereavement": "bereavement-support",
    "low_mood": "peer-emotional-support",
    "new_to_area": "social-befriending",
    "carer_strain": "carers-support",
    "volunteering_or_work": "volunteering-opportunities",
    "learn_english": "esol-english-conversation",
    "digital_skills": "digital-inclusion",
}

BARRIERS = {
    "mobility": "Mobility",
    "anxiety": "Anxiety or low confidence",
    "cost": "Cost",
    "transport": "Transport",
    "digital_exclusion": "Digital exclusion",
    "language": "Language",
    "caring_responsibilities": "Caring responsibilities",
    "childcare": "Childcare",
    "work_hours": "Work hours",
    "sensory_impairment": "Sensory impairment",
    "cognitive_impairment": "Cognitive impairment or learning disability",
    "safety_worries": "Safety worries",
}

SUPPORT_NEEDED = {
    "volunteer_buddy": "Volunteer buddy to go with them to a first session",
    "navigator_accompanies": "Navigator goes with them on the first visit",
    "travel_support": "Travel support",
    "interpreter_at_activity": "Interpreter at the activity",
    "help_with_cost": "Help with cost",
    "digital_support": "Digital support",
    "reminder_calls": "Reminder calls",
}

COMMUNICATION_NEEDS = {
    "easy_read": "Easy Read",
    "bsl": "British Sign Language (BSL)",
    "large_print": "Large print",
    "braille": "Braille",
    "hearing_loop": "Hearing loop",
    "advocate": "Needs an advocate",
}

CONTACT_METHODS = {
    "phone": "Phone call",
    "sms": "Text message",
    "email": "Email",
    "letter": "Letter",
    "via_carer": "Through a carer or family member",
}

AGREED_BY = {
    "person": "The person",
    "parent_carer": "A parent or carer",
    "representative": "A representative (for example an advocate or attorney)",
}

REJECTION_REASONS = {
    "out_of_area": "Out of area",
    "duplicate": "Duplicate of an open referral",
    "did_not_agree": "The person did not agree",
    "outside_service": "Needs are outside the service",
    "no_answer": "No answer to our question",
    "other": "Other",
}

CLOSURE_REASONS = {
    "goals_met": "Goals met",
    "disengaged": "Disengaged",
    "moved_away": "Moved away",
    "referred_on": "Referred on to another service",
    "declined": "Declined",
    "deceased": "Deceased",
    "unable_to_contact": "Unable to contact",
}

FOLLOW_UP_NOT_OBTAINED = {
    "declined": "Declined",
    "unable_to_contact": "Unable to contact",
    "moved_away": "Moved away",
    "deceased": "Deceased (not applicable)",
    "lacks_capacity": "Lacks capacity",
    "not_yet_due": "Not yet due",
}

STOPPED_REASONS = {
    "not_suitable": "Not suitable",
    "cost": "Cost",
    "travel": "Travel",
    "timing": "Timing",
    "language": "Language",
    "health": "Health",
    "activity_ended": "Activity ended",
    "persons_choice": "Person's choice",
    "recorded_twice": "Recorded twice",
    "other": "Other",
}

# Why a need is unmet: what stops an activity from meeting it (domain.md 2.5, 7.3).
UNMET_NEED_CONSTRAINTS = {
    "no_activity": "No activity of that kind",
    "language": "Not in the person's language",
    "cost": "Costs too much",
    "time_of_day": "Not at a time they can go",
    "access": "Not accessible to them",
    "age": "Not open to their age group",
    "too_far": "Too far away",
}
