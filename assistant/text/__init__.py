"""The base text-analysis layer: pure functions that find things in text. Today `dates.py`
(month names, date patterns' parts, the one human date formatter); the name, number and place
detectors still live with their callers (issue 25, item 3, is not finished).

It imports nothing from the rest of `assistant`."""
