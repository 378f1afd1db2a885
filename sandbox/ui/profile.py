"""Profile tab callbacks and the Create tab's publish button."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.social.text import escape
from sandbox.ui.common import acting_user, user_errors


def make_publish(sb: Sandbox):
    @user_errors
    def publish_draft(user: str, draft_id: str, caption: str, remix_policy: str, request: gr.Request = None) -> None:
        actor = acting_user(sb, user, request)
        post = sb.posts.publish(actor.id, (draft_id or "").strip(), caption, remix_policy)
        gr.Info(f"Published {post['post_id']} — your friends will see it first in their feeds")

    return publish_draft


def make_show(sb: Sandbox):
    @user_errors
    def show(user: str, handle: str, request: gr.Request = None) -> tuple[str, str, str]:
        actor = acting_user(sb, user, request)
        p = sb.accounts.profile(actor.id, (handle or "").strip() or actor.handle)
        posts = "\n".join(f"- `{x['post_id']}` {escape(x['caption']) or '<i>no caption</i>'} · ❤️ {x['likes']}"
                          for x in p["posts"]) or "_No posts yet._"
        profile_md = (f"## {p['avatar']} {escape(p['display_name'])} <small>@{escape(p['handle'])}</small>\n"
                      f"{escape(p['bio'])}\n\n**{p['followers']}** followers · **{p['following']}** following · "
                      f"**{p['friends']}** friends · **{p['remix_count']}** remixes of their posts\n\n{posts}")
        notes = sb.posts.notifications(actor.id)
        notes_md = "\n".join(f"- **@{escape(n['from'])}** {escape(n['text'])}" for n in notes) or "_Nothing new._"
        codes = sb.accounts.invite_codes(actor.id)
        invites_md = "\n".join(f"- `{c['code']}` {'~~used~~' if c['used'] else 'unused'}" for c in codes)
        return profile_md, notes_md, invites_md

    return show


def make_graph_action(sb: Sandbox, action: str):
    @user_errors
    def act(user: str, handle: str, request: gr.Request = None) -> None:
        if not (handle or "").strip():
            raise gr.Error("type a handle first: whom do you want to " + action + "?")
        actor = acting_user(sb, user, request)
        getattr(sb.graph, action)(actor.id, handle)
        gr.Info(f"{action}ed @{handle.strip().lstrip('@')}")

    return act


def make_delete_post(sb: Sandbox):
    @user_errors
    def delete_my_post(user: str, post_id: str, request: gr.Request = None) -> None:
        actor = acting_user(sb, user, request)
        sb.posts.delete(actor.id, (post_id or "").strip())
        gr.Info("Post deleted: it is gone from every feed")

    return delete_my_post


def make_signup(sb: Sandbox):
    @user_errors
    def create_account(code: str, handle: str, display_name: str):
        from sandbox.errors import PermissionDenied

        if sb.config.identity_mode != "personas":
            raise PermissionDenied(f"sign-up is off in {sb.config.identity_mode} mode")
        new = sb.accounts.signup(code, handle, display_name)
        handles = sb.identity.persona_handles()
        return (f"Welcome @{new['handle']}! You and @{new['invited_by']} are now friends.",
                gr.Dropdown(choices=handles, value=new["handle"]))

    return create_account
