"""Consortium training: the cost of every coalition, and fair, stable ways to split it."""
