"""A small believable world for local demos: personas and who follows whom."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    handle: str
    display_name: str
    avatar: str
    bio: str
    is_admin: bool = False


PERSONAS: tuple[Persona, ...] = (
    Persona("ana", "Ana Lima", "🦊", "Makes tiny films about foxes and rain."),
    Persona("ben", "Ben Okafor", "🐙", "Animator. Loves loops."),
    Persona("chloe", "Chloé Martin", "🌵", "Desert light, slow cameras."),
    Persona("dev", "Dev Patel", "🚀", "Space, robots, anything that flies."),
    Persona("emi", "Emi Sato", "🎧", "Music videos from prompts."),
    Persona("mod", "Moderator", "🛡️", "Reviews reports. Admin of this sandbox.", is_admin=True),
)

# (follower, followee). Both directions = friends (mutuals).
FOLLOWS: tuple[tuple[str, str], ...] = (
    ("ana", "ben"), ("ben", "ana"),        # friends
    ("ana", "chloe"), ("chloe", "ana"),    # friends
    ("ben", "chloe"), ("chloe", "ben"),    # friends
    ("dev", "ana"),                        # dev follows ana, one way
    ("emi", "dev"), ("dev", "emi"),        # friends
    ("ana", "emi"),                        # ana follows emi, one way
)
