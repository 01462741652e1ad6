"""The python document model and kind handler."""
