"""The base text-analysis layer: pure functions that find things in text, in one place.

- `dates.py`: month and day names, years, date phrases and date cells, whether a text says
  when, and the one human date formatter (every date a person reads).
- `numbers.py`: numbers as written, counts and amounts of money (not dates), years.
- `names.py`: a question's names, a claim's names, a person's name, topic names for example
  questions, initials and acronyms, and the word lists they share (titles, institutions).
- `places.py`: general geography (countries, regions, cities) and the place a sentence opens with.
- `aliases.py`: other names a question may use: general adjectives of nationality, merged
  with each corpus's own `aliases.yaml`.

What kind of answer a question asks for (a number, a date, a person ...) is read by
`assistant/query/plan.py` with these. It imports nothing from the rest of `assistant`."""
