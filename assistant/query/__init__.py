"""The question read once: `questions` (parts, follow-ups, condensing) and `plan` (the QueryPlan
every later stage takes). Depends on nothing of retrieval or answering."""
