"""Importing tasks from a file: reading it (``reading``), mapping its columns (``presets``) and
reading its cells (``values``)."""
