"""The index: `store` (the only chromadb importer: versions, backends), `embedding` (the only
model loader) and `snapshot` (one version's lexical index, term statistics and sentence
vectors, built once per version and read by retrieval and answering alike)."""
