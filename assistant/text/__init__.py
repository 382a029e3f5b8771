"""The base text-analysis layer: pure functions that find dates, names, places and numbers.

It imports nothing from the rest of `assistant` except `assistant.types`/`assistant.errors`."""
