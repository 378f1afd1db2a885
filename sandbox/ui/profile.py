"""Profile tab: a user's page, follow / unfollow / block, my notifications, invite codes and sign-up."""

from __future__ import annotations

import gradio as gr

from sandbox.context import Sandbox
from sandbox.errors import SandboxError
from sandbox.social.text import escape
from sandbox.ui.common import acting_user, plural, user_errors
from sandbox.ui.shell import Shell


def profile_markdown(p: dict) -> str:
    head = f"## {p['avatar']} {escape(p['display_name'])} <small>@{escape(p['handle'])}</small>\n"
    if p.get("blocked"):
        return head + "🚫 **You blocked this person**: you do not see each other's posts. Press **Unblock** to undo."
    posts = "\n".join(f"- `{x['post_id']}` {escape(x['caption']) or '<i>no caption</i>'} · {plural(x['likes'], 'like')}"
                      for x in p["posts"]) or "_No posts yet._"
    return (head + f"{escape(p['bio'])}\n\n**{plural(p['followers'], 'follower')}** · **{p['following']}** following · "
            f"**{plural(p['friends'], 'friend')}** · **{plural(p['remix_count'], 'remix', 'remixes')}** of their posts"
            f"\n\n{posts}")


def make_show(sb: Sandbox):
    @user_errors
    def show(user: str, handle: str, request: gr.Request = None) -> tuple[str, str, str]:
        """The page of `handle` (yourself when empty), my notifications and my invite codes. A handle that
        does not exist is said on the page itself: no error badges on three panels."""
        actor = acting_user(sb, user, request)
        try:
            profile_md = profile_markdown(sb.accounts.profile(actor.id, (handle or "").strip() or actor.handle))
        except SandboxError as exc:
            profile_md = f"⚠️ {escape(str(exc))}"
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
        """A refusal is said under the form (and in a toast); the persona switcher, also an output, is left
        untouched — an error here used to leave an error badge on it."""
        if sb.config.identity_mode != "personas":
            return f"⚠️ sign-up is off in {sb.config.identity_mode} mode", gr.skip()
        try:
            new = sb.accounts.signup(code, handle, display_name)
        except SandboxError as exc:
            gr.Warning(str(exc))
            return f"⚠️ {escape(str(exc))}", gr.skip()
        handles = sb.identity.persona_handles()
        return (f"Welcome @{new['handle']}! You and @{new['invited_by']} are now friends.",
                gr.Dropdown(choices=handles, value=new["handle"]))

    return create_account


def build(shell: Shell) -> None:
    """The Profile tab: anyone's page (follow, unfollow, block), my notifications, invites and sign-up."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Profile", id="profile") as tab:
        with gr.Row():
            handle = gr.Textbox(label="Handle", placeholder="leave empty for yourself", scale=3)
            show_btn = gr.Button("Show", scale=0)
        with gr.Row():
            follow_btn = gr.Button("Follow")
            unfollow_btn = gr.Button("Unfollow")
            block_btn = gr.Button("Block", variant="stop")
            unblock_btn = gr.Button("Unblock")
        profile_md = gr.Markdown()
        with gr.Accordion("Delete one of my posts", open=False):
            with gr.Row():
                delete_post_id = gr.Textbox(label="Post id", placeholder="p_…", scale=3)
                delete_post_btn = gr.Button("Delete post", variant="stop", scale=0)
        with gr.Row():
            with gr.Column():
                gr.Markdown("### 🔔 Notifications")
                notifications_md = gr.Markdown()
            with gr.Column():
                gr.Markdown("### ✉️ Invite a friend")
                invites_md = gr.Markdown()
                with gr.Accordion("Sign up with an invite code", open=False):
                    signup_code = gr.Textbox(label="Invite code")
                    signup_handle = gr.Textbox(label="Handle", placeholder="3–20 of a–z 0–9 _")
                    signup_name = gr.Textbox(label="Display name")
                    signup_btn = gr.Button("Create account")
                    signup_result = gr.Markdown()

    show = make_show(sb)
    page = [profile_md, notifications_md, invites_md]
    gr.on([tab.select, show_btn.click, handle.submit, user.change], show, [user, handle], page,
          api_visibility="private", trigger_mode="always_last")
    for btn, action in ((follow_btn, "follow"), (unfollow_btn, "unfollow"), (block_btn, "block"),
                        (unblock_btn, "unblock")):
        btn.click(make_graph_action(sb, action), [user, handle], None,
                  api_visibility="private").then(show, [user, handle], page, api_visibility="private")
    delete_post_btn.click(make_delete_post(sb), [user, delete_post_id], None,
                          api_visibility="private").then(show, [user, handle], page, api_visibility="private")
    signup_btn.click(make_signup(sb), [signup_code, signup_handle, signup_name], [signup_result, user],
                     api_visibility="private")
