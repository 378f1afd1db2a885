"""Cameos: a user's verified likeness (or a character: a pet or an object) that others may cast into videos
only as the owner allows.

Where things are: ``challenge`` (what the server asks the person to do on camera), ``verification`` (did
one live person do it? — with ``faces`` (dlib) and ``speech`` (pocketsphinx)), ``characters`` (pets and
objects), ``consent`` (who may use a cameo — the one place that decides), ``service`` (create, settings,
use, ledger, likeness, take-downs), ``samples`` and ``attacks`` (clips made in code for tests, benchmarks
and demos).
"""
