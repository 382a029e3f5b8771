"""Ingestion, in the order a file goes through it: `files` (the corpus folder, hostile-file
limits, sidecars, ids), `formats/` (one loader per format), `structure` and `units` (what each
span of text is), `chunking` (token-sized runs of units), `worker` (every parse bounded in time
and memory), `sync` (into the index by content hash)."""
