"""Contract clauses: the clause library (data), contract records, .docx rendering and gap analysis."""
