"""Rendering: compiled DOCX templates, layout passes, output packages."""
