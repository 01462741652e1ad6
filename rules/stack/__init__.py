"""Cross-layer rules (XL): they read the stream paths linked across the repository."""
