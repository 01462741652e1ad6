"""The litellm document model and kind handler."""
