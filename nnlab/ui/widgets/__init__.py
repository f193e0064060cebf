"""Widgets shared by the lab screens."""
