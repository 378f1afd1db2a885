"""Who may use a cameo — the one place that decides. Called where the data is: at generation (before the
pipeline runs and again before the draft is saved), at publish, and for remixes of videos that show a cameo.

Policies, from closed to open (the owner may always use their own verified cameo, also while paused):

==========  =================================================================
only_me     nobody else
approved    users on the owner's approved list
mutuals     the approved list, and mutual follows (friends)
everyone    anyone
==========  =================================================================

Whatever the policy, these are refused: users the owner revoked, users blocked by or blocking the owner,
everyone but the owner while the cameo is paused, and everyone (owner too) once the cameo is deleted or was
never verified.

>>> POLICIES
('only_me', 'approved', 'mutuals', 'everyone')
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.errors import PermissionDenied
from sandbox.social.graph import blocked_ids, friend_ids
from sandbox.store.schema import Cameo, CameoAccess, User

POLICIES = ("only_me", "approved", "mutuals", "everyone")


def access_of(s: Session, cameo_id: str, user_id: str) -> str | None:
    """``approved``, ``revoked`` or None: what the owner said about this user."""
    return s.scalar(select(CameoAccess.status).where(CameoAccess.cameo_id == cameo_id,
                                                     CameoAccess.user_id == user_id))


def use_refusal(s: Session, cameo: Cameo, actor_id: str) -> str | None:
    """Why ``actor_id`` may not use ``cameo`` right now, or None when they may."""
    owner = s.get(User, cameo.owner_id)
    who = f"@{owner.handle}" if owner else "this user"
    if cameo.status != "verified":
        return f"{who}'s cameo is not available (it was {cameo.status})"
    if actor_id == cameo.owner_id:
        return None
    if cameo.paused:
        return f"{who} has paused their cameo"
    if actor_id in blocked_ids(s, cameo.owner_id):
        return f"{who}'s cameo is not available to you"
    access = access_of(s, cameo.id, actor_id)
    if access == "revoked":
        return f"{who} has revoked your access to their cameo"
    if cameo.policy == "everyone":
        return None
    if cameo.policy in ("approved", "mutuals") and access == "approved":
        return None
    if cameo.policy == "mutuals" and actor_id in friend_ids(s, cameo.owner_id):
        return None
    needs = {"only_me": "only they may use it", "approved": "only people they approved may use it",
             "mutuals": "only their friends (mutual follows) and people they approved may use it"}[cameo.policy]
    return f"{who}'s cameo is not shared with you: {needs}. Ask them to approve you"


def check_use(s: Session, cameo: Cameo, actor_id: str) -> None:
    """Raise :class:`PermissionDenied` unless ``actor_id`` may use ``cameo`` now."""
    reason = use_refusal(s, cameo, actor_id)
    if reason:
        raise PermissionDenied(reason)
