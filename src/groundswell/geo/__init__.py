"""Address points, turfs, turf cutting and walking order. The algorithms
(`turfcut.py`, `routing.py`, `geometry.py`) are pure Python."""
