"""Efforts, scripts, walk lists and door visits; the offline canvasser app."""
