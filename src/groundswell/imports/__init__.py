"""The spreadsheet import wizard: upload, mapping, preview, matching, commit, undo."""
