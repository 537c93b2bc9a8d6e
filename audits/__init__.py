"""Audits: due diligence at selection, audit campaigns, questionnaires (data), findings, scheduled jobs."""
