"""The sweeper that escalates notifications a consignor has not acknowledged in time (registered at import)."""

from __future__ import annotations

from oversight.notifications.services import escalate_unacknowledged
from oversight.scheduler import register_job

register_job("notification-escalation", escalate_unacknowledged, 300)
