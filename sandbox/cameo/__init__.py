"""Cameos: a user's verified likeness that others may cast into videos only as the owner allows.

Where things are: ``verification`` (is this one live face?), ``consent`` (who may use a cameo — the one
place that decides), ``service`` (create, settings, use, ledger, take-downs).
"""
