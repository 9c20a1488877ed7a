"""Equality monitoring and the strategy's target groups (domain.md 4.1, 4.2).

- questions.py: the questions and coded options, as data (GSS harmonised, Census 2021 wording);
- answers.py: one person's answers as plain values, checked against the lists, and stored;
- target_groups.py: the 13 target groups, derived from the answers when read (never stored);
- services.py: the navigator's view and change of a case's answers (need to know, audited),
  and the target groups of many people at once for reports;
- forms.py: the optional "About the person" / "About you" questions the forms add.

The answers are used for equality monitoring only (DPA 2018 Schedule 1 paragraph 8): never
in triage or matching, never on pages the referrer or the person sees, in mail, URLs or logs.
"""
