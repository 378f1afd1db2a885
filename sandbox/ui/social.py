"""API functions for the social core and the feed. Each is registered with ``gr.api`` under its name,
takes the acting ``user`` first (see ``sandbox.identity.auth``), and returns plain JSON."""

from __future__ import annotations

from collections.abc import Callable

import gradio as gr

from sandbox.context import Sandbox
from sandbox.errors import PermissionDenied
from sandbox.ui.common import acting_user, user_errors


def api_functions(sb: Sandbox) -> dict[str, Callable]:
    """``{api_name: function}`` for every social and feed action."""

    def feed(user: str = "", limit: int = 10, instruction: str = "", request: gr.Request = None) -> list[dict]:
        """Rank the next `limit` unseen posts for `user`, steered by `instruction` (e.g. "more animals").
        Each item has post_id, creator, video, score, parts (score parts) and reasons."""
        actor = acting_user(sb, user, request)
        return sb.feed.page(actor.id, limit=int(limit), instruction=instruction or "").to_dicts()

    def publish(user: str = "", draft_id: str = "", caption: str = "", remix_policy: str = "everyone",
                request: gr.Request = None) -> dict:
        """Publish one of your drafts as a post. remix_policy: everyone | friends | nobody."""
        return sb.posts.publish(acting_user(sb, user, request).id, draft_id, caption, remix_policy)

    def follow(user: str = "", handle: str = "", request: gr.Request = None) -> dict:
        """Follow @handle. Two follows both ways make friends."""
        return sb.graph.follow(acting_user(sb, user, request).id, handle)

    def unfollow(user: str = "", handle: str = "", request: gr.Request = None) -> dict:
        """Stop following @handle."""
        return sb.graph.unfollow(acting_user(sb, user, request).id, handle)

    def block(user: str = "", handle: str = "", request: gr.Request = None) -> dict:
        """Block @handle: you never see each other's posts, and follows both ways are removed."""
        return sb.graph.block(acting_user(sb, user, request).id, handle)

    def unblock(user: str = "", handle: str = "", request: gr.Request = None) -> dict:
        """Unblock @handle."""
        return sb.graph.unblock(acting_user(sb, user, request).id, handle)

    def like(user: str = "", post_id: str = "", request: gr.Request = None) -> dict:
        """Like a post (liking twice counts once)."""
        return sb.posts.like(acting_user(sb, user, request).id, post_id)

    def unlike(user: str = "", post_id: str = "", request: gr.Request = None) -> dict:
        """Take a like back."""
        return sb.posts.unlike(acting_user(sb, user, request).id, post_id)

    def comment(user: str = "", post_id: str = "", text: str = "", request: gr.Request = None) -> dict:
        """Comment on a post (plain text, at most 500 characters; always shown escaped)."""
        return sb.posts.comment(acting_user(sb, user, request).id, post_id, text)

    def comments(user: str = "", post_id: str = "", request: gr.Request = None) -> list[dict]:
        """The comments of a post."""
        return sb.posts.comments(acting_user(sb, user, request).id, post_id)

    def view(user: str = "", post_id: str = "", dwell_ms: int = 0, request: gr.Request = None) -> dict:
        """Record that `user` watched a post for `dwell_ms` milliseconds (the feed will not repeat it)."""
        return sb.posts.view(acting_user(sb, user, request).id, post_id, int(dwell_ms))

    def see_less(user: str = "", post_id: str = "", request: gr.Request = None) -> dict:
        """Hide this post and rank its author lower for `user`."""
        return sb.posts.see_less(acting_user(sb, user, request).id, post_id)

    def delete_post(user: str = "", post_id: str = "", request: gr.Request = None) -> dict:
        """Delete one of your posts (admins: any post)."""
        return sb.posts.delete(acting_user(sb, user, request).id, post_id)

    def profile(user: str = "", handle: str = "", request: gr.Request = None) -> dict:
        """A user's profile: posts, followers, following, friends, remix count."""
        actor = acting_user(sb, user, request)
        return sb.accounts.profile(actor.id, handle or actor.handle)

    def notifications(user: str = "", request: gr.Request = None) -> list[dict]:
        """New followers, likes, comments and remixes of your posts, newest first."""
        return sb.posts.notifications(acting_user(sb, user, request).id)

    def invite_codes(user: str = "", request: gr.Request = None) -> list[dict]:
        """Your invite codes (each works once)."""
        return sb.accounts.invite_codes(acting_user(sb, user, request).id)

    def mint_invites(user: str = "", count: int = 5, request: gr.Request = None) -> list[str]:
        """Admins: make more invite codes."""
        return sb.accounts.mint_invites(acting_user(sb, user, request).id, int(count))

    def signup(code: str = "", handle: str = "", display_name: str = "") -> dict:
        """Create an account with an invite code (personas mode; in password and hf mode accounts come
        from SANDBOX_USERS or Hugging Face sign-in)."""
        if sb.config.identity_mode != "personas":
            raise PermissionDenied(f"sign-up is off in {sb.config.identity_mode} mode: accounts come from "
                                   + ("SANDBOX_USERS" if sb.config.identity_mode == "password" else "HF sign-in"))
        return sb.accounts.signup(code, handle, display_name)

    fns = [feed, publish, follow, unfollow, block, unblock, like, unlike, comment, comments, view, see_less,
           delete_post, profile, notifications, invite_codes, mint_invites, signup]
    return {fn.__name__: user_errors(fn) for fn in fns}
