"""Plots and pictures for the terminal: frames become figure specs, specs become styled text."""
