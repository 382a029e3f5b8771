"""Evaluation as definition, run and report: `metrics` (the question set and pure scoring),
`run` (asking a set through an assistant), `report` (report.json/.md/.png and comparisons)."""
