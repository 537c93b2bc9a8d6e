"""Words for the codes of reviews, findings and obligations, in the user's language (English msgids, translated)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

VERDICTS = {"accepted": _l("Accepted"), "queried": _l("Queried"), "rejected": _l("Rejected"),
            "revised": _l("Revised by the vendor"), "unreviewed": _l("Not reviewed yet")}
SEVERITIES = {"critical": _l("Critical"), "high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
STATUSES = {"open": _l("Awaiting remediation"), "remediation_proposed": _l("Remediation to verify"),
            "closed": _l("Closed, verified"),
            "met": _l("Met"), "waived": _l("Waived")}
ORIGINS = {"review": _l("Answer review"), "cross_check": _l("Cross-check"), "manual": _l("Raised by hand")}
EVENTS = {"opened": _l("Raised"), "comment": _l("Comment"), "remediation": _l("Remediation proposed"),
          "closed": _l("Verified and closed"), "reopened": _l("Reopened"), "reminded": _l("Reminded (overdue)"),
          "escalated": _l("Escalated to the privacy office")}
KINDS = {"finding": _l("Finding"), "selection_condition": _l("Condition of a vendor approval"),
         "approval_condition": _l("Condition of a subcontract approval")}
AUDIT_STATUSES = {"open": _l("Being answered"), "submitted": _l("Answers submitted"), "in_review": _l("In review"),
                  "closed": _l("Closed"), "cancelled": _l("Cancelled")}
