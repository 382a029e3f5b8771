"""One loader per file format, each turning a file's bytes into plain text with its structure."""
