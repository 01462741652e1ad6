"""The nginx document model and kind handler."""
