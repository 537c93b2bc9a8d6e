"""Words for the codes of periodic audits, in the user's language (English msgids, translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KINDS = {"questionnaire": _l("Questionnaire"), "document_review": _l("Document review"), "onsite": _l("On-site visit")}
STATUSES = {"open": _l("Under way"), "submitted": _l("Answers submitted"), "in_review": _l("In review"),
            "closed": _l("Closed"), "cancelled": _l("Cancelled")}
FILTERS = {"due": _l("Due within 30 days"), "overdue": _l("Overdue"), "open": _l("Under way"), "closed": _l("Closed"),
           "cancelled": _l("Cancelled"), "all": _l("All")}
RESULTS = {"ok": _l("Met"), "ng": _l("Not met"), "na": _l("Not applicable")}
BASES = {"last_audit": _l("from the last audit"), "start": _l("from the start of the entrustment"),
         "no_record": _l("no audit or start on record")}
BOUND_BY = {"tier": _l("the tier's frequency"), "contract": _l("the contract's audit clause")}
