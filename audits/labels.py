"""Words for the codes of the selection records, in the user's language (English msgids, translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

REQUEST_STATUSES = {"draft": _l("Not sent yet"), "sent": _l("Sent"), "in_progress": _l("Being answered"),
                    "submitted": _l("Submitted"), "returned": _l("Returned for changes"), "closed": _l("Decided")}
SELECTION_STATUSES = {"open": _l("Selecting"), "decided": _l("Every candidate decided"), "closed": _l("Closed")}
OUTCOMES = {"approved": _l("Approved"), "conditional": _l("Approved with conditions"), "rejected": _l("Rejected")}
SEVERITIES = {"blocker": _l("Blocker"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
RESULTS = {"compliant": _l("Compliant"), "partial": _l("Partly compliant"), "non_compliant": _l("Not compliant"),
           "not_applicable": _l("Not applicable"), "unanswered": _l("Unanswered"), "information": _l("Information")}
TYPES = {"yes_no": _l("Yes / no"), "single_choice": _l("Choose one"), "multiple_choice": _l("Choose any"),
         "number": _l("Number"), "date": _l("Date"), "text": _l("Text"), "evidence": _l("Files")}
