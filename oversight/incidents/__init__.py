"""Incidents: what happened to personal data, and what the law requires of each party (the pure Art. 26 engine
lives in `oversight.incidents.art26`; its vocabulary of causes in `vocabulary/`)."""
