"""Feed tab: load, load more, steer, tune weights, analytics, and the card actions."""

from __future__ import annotations

import gradio as gr
import pandas as pd

from sandbox.context import Sandbox
from sandbox.errors import NotFound
from sandbox.feed.analytics import feed_frame, feed_metrics, metrics_figure
from sandbox.feed.weights import FeedWeights
from sandbox.social.text import escape
from sandbox.sound.media import has_audio
from sandbox.ui.common import acting_user, plural, user_errors
from sandbox.ui.players import FEED_VIDEO_CLASS
from sandbox.ui.shell import Shell

PAGE = 6
WEIGHT_SLIDERS = {  # name: (label, minimum, maximum, step)
    "friend": ("friend", 0, 6, 0.25),
    "following": ("following", 0, 6, 0.25),
    "friends_liked": ("per friend who liked", 0, 3, 0.1),
    "recency": ("recency", 0, 6, 0.25),
    "half_life_hours": ("recency half-life (h)", 1, 168, 1),
    "engagement": ("engagement", 0, 6, 0.25),
    "see_less": ("see-less penalty", 0, 6, 0.25),
    "steering": ("steering", 0, 8, 0.25),
    "exploration_share": ("exploration share", 0, 0.5, 0.05),
    "max_consecutive": ("max in a row by one author", 1, 5, 1),
}


def weights_from(values: list) -> FeedWeights:
    return FeedWeights.from_dict(dict(zip(WEIGHT_SLIDERS, values, strict=True)))


def card_markdown(item: dict) -> str:
    reasons = " · ".join(f"`{escape(r)}`" for r in item["reasons"])
    remix = ""
    if item.get("parent_post_id"):
        remix = (" · 🔁 remix — original removed" if item.get("parent_removed") else
                 f" · 🔁 remix of **@{escape(item.get('parent_creator') or '?')}** "
                 f"(`{escape(item['parent_post_id'])}`)")
    sound = " · 🔊 sound" if item.get("video") and has_audio(item["video"]) else " · 🔇 silent"
    return (f"{item['avatar']} **@{escape(item['creator'])}** · {escape(item['creator_name'])}{remix}{sound}  \n"
            f"{escape(item['caption']) or '<i>no caption</i>'}  \n"
            f"<small>why this: {reasons} · score {item['score']:.2f} · {plural(item['remixes'], 'remix', 'remixes')} · "
            f"`{item['post_id']}`</small>")


def cards_state(viewer_id: str, items: list[dict]) -> dict:
    """What the cards are drawn from: whose feed, and its items as the cards show them — the score to its two
    shown decimals, without the ranking's parts (they move with the clock). The cards redraw only when this
    changes (Gradio compares a State's hash), so loading the same feed twice — a persona switch, then opening
    the tab — draws it once, and no card is replaced under the pointer."""
    return {"viewer": viewer_id,
            "items": [{**{k: v for k, v in item.items() if k != "parts"}, "score": round(item["score"], 2)}
                      for item in items]}


def make_load(sb: Sandbox):
    @user_errors
    def load(user: str, instruction: str, *weight_values, request: gr.Request = None):
        """A fresh first page: nothing is marked as seen."""
        actor = acting_user(sb, user, request)
        page = sb.feed.page(actor.id, limit=PAGE, instruction=instruction or "", weights=weights_from(weight_values))
        understood = f"**Understood:** {page.understood}" if page.understood else ""
        return cards_state(actor.id, page.to_dicts()), understood, page.notice

    return load


def make_load_more(sb: Sandbox):
    @user_errors
    def load_more(user: str, instruction: str, shown: dict | None, *weight_values, request: gr.Request = None):
        """Mark what was shown as seen, then append the next unseen items."""
        actor = acting_user(sb, user, request)
        shown = shown or {}
        items = (shown.get("items") or []) if shown.get("viewer") == actor.id else []
        sb.posts.mark_seen(actor.id, [i["post_id"] for i in items])
        page = sb.feed.page(actor.id, limit=PAGE, instruction=instruction or "",
                            weights=weights_from(weight_values), shown_in_session=len(items))
        return (cards_state(actor.id, items + page.to_dicts()),
                page.notice or ("" if page.items else "You're all caught up ✨"))

    return load_more


def make_preview(sb: Sandbox):
    @user_errors
    def preview(user: str, instruction: str, *weight_values, request: gr.Request = None) -> pd.DataFrame:
        """The order these weights give (read-only): watch it change as you move the sliders."""
        actor = acting_user(sb, user, request)
        page = sb.feed.page(actor.id, limit=20, instruction=instruction or "", weights=weights_from(weight_values))
        return pd.DataFrame([{"#": n + 1, "creator": f"@{i.creator}", "relation": i.relation, "score": i.score,
                              **{k: v for k, v in i.parts.items()}, "why": "; ".join(i.reasons)}
                             for n, i in enumerate(page.items)])

    return preview


def make_analytics(sb: Sandbox):
    @user_errors
    def analytics(instruction: str, *weight_values):
        """Feed metrics over every persona's first page, as plots and a table."""
        viewers = {sb.identity.actor(h, None).id: h for h in sb.identity.persona_handles()[:8]} \
            if sb.config.identity_mode == "personas" else {}
        df = feed_frame(sb.feed, viewers, weights=weights_from(weight_values), instruction=instruction or "")
        return metrics_figure(df), feed_metrics(df).round(2)

    return analytics


def build(shell: Shell, remix_post: gr.Textbox) -> None:
    """The Feed tab: steering box, ranking weights, analytics, and one card per post with its actions.
    `remix_post` is the Remix tab's post box: a card's 🔁 fills it and switches to that tab."""
    sb, user = shell.sb, shell.user
    with gr.Tab("Feed", id="feed") as tab:
        with gr.Row():
            instruction = gr.Textbox(label="Steer your feed", scale=4, max_length=200,
                                     placeholder="e.g. more animals, less sport · only my friends today")
            steer_btn = gr.Button("Apply", scale=0)
        understood = gr.Markdown()
        notice = gr.Markdown()
        items_state = gr.State({"viewer": None, "items": []})  # cards_state
        with gr.Accordion("Ranking weights (tune and watch the order change)", open=False):
            weight_inputs = [gr.Slider(lo, hi, value=getattr(FeedWeights(), name), step=step, label=label)
                             for name, (label, lo, hi, step) in WEIGHT_SLIDERS.items()]
            ranking_table = gr.Dataframe(label="Order with these weights", interactive=False, wrap=True)
        with gr.Accordion("Feed analytics", open=False):
            analytics_btn = gr.Button("Compute metrics over every persona's feed")
            analytics_plot = gr.Plot(label="Feed metrics")
            analytics_table = gr.Dataframe(interactive=False)

        @gr.render(inputs=[items_state])  # not on `user`: a switch reloads the state, which redraws once
        def feed_cards(shown: dict):
            items, viewer = shown.get("items") or [], shown.get("viewer")
            if not items:
                gr.Markdown("_Nothing here yet — follow people in the Profile tab or publish from Create._")
            for item in items:
                try:
                    comments = sb.posts.comments(viewer, item["post_id"])
                except NotFound:  # removed since the page was ranked
                    continue
                feed_card(sb, item, comments, user, remix_post, shell.tabs)

        load_more_btn = gr.Button("Load more", variant="secondary")

    load = make_load(sb)
    gr.on([tab.select, steer_btn.click, instruction.submit], load, [user, instruction, *weight_inputs],
          [items_state, understood, notice], api_visibility="private")
    # another persona: their own feed, not the previous persona's steering
    user.change(lambda: "", None, instruction, api_visibility="private").then(
        load, [user, instruction, *weight_inputs], [items_state, understood, notice], api_visibility="private")
    load_more_btn.click(make_load_more(sb), [user, instruction, items_state, *weight_inputs], [items_state, notice],
                        api_visibility="private")
    gr.on([w.release for w in weight_inputs] + [tab.select, steer_btn.click], make_preview(sb),
          [user, instruction, *weight_inputs], ranking_table, api_visibility="private")
    analytics_btn.click(make_analytics(sb), [instruction, *weight_inputs], [analytics_plot, analytics_table],
                        api_visibility="private")


LATEST_COMMENTS = 3


def like_label(liked: bool, likes: int) -> str:
    return f"{'❤️' if liked else '🤍'} {likes}"


def comments_markdown(comments: list[dict]) -> str:
    """The comments, oldest first, as escaped lines."""
    return "\n".join(f"**@{escape(c['user'])}** {escape(c['text'])}  " for c in comments)


def feed_card(sb: Sandbox, item: dict, comments: list[dict], user: gr.Component, remix_post: gr.Textbox,
              tabs: gr.Tabs) -> None:
    """One post: its video, who and why, like / see less / remix, the latest comments (all in "show all"),
    a comment box, and a report with the reporter's reason."""
    with gr.Row(equal_height=False, elem_classes=["feed-card"]):
        gr.Video(item["video"], autoplay=False, loop=True, show_label=False, height=220, interactive=False, scale=1,
                 elem_classes=[FEED_VIDEO_CLASS])  # starts muted, with an unmute toggle (sandbox/ui/players.py)
        with gr.Column(scale=2):
            gr.Markdown(card_markdown(item))
            post = gr.State(item["post_id"])
            with gr.Row():
                like_btn = gr.Button(like_label(item["liked"], item["likes"]), size="sm", min_width=60,
                                     elem_classes=["like-button"])
                less_btn = gr.Button("👎 see less", size="sm", min_width=60)
                if item.get("remix_allowed"):
                    remix_btn = gr.Button("🔁 remix", size="sm", min_width=60)
                    remix_btn.click(lambda pid=item["post_id"]: (pid, gr.Tabs(selected="remix")), None,
                                    [remix_post, tabs], api_visibility="private")
            latest = gr.Markdown(comments_markdown(comments[-LATEST_COMMENTS:]), elem_classes=["card-comments"])
            if len(comments) > LATEST_COMMENTS:
                with gr.Accordion(f"show all {plural(len(comments), 'comment')}", open=False):
                    gr.Markdown(comments_markdown(comments))
            comment_box = gr.Textbox(placeholder="Add a comment…", show_label=False, max_length=500, submit_btn="💬")
            with gr.Accordion("🚩 report", open=False):
                reason = gr.Textbox(placeholder="What is wrong with this post? (admins read this)", show_label=False,
                                    max_length=300, submit_btn="send report")
    like_btn.click(make_toggle_like(sb), [user, post], like_btn, api_visibility="private")
    less_btn.click(make_see_less(sb), [user, post], None, api_visibility="private")
    comment_box.submit(make_comment(sb), [user, post, comment_box], [comment_box, latest], api_visibility="private")
    reason.submit(make_report(sb), [user, post, reason], reason, api_visibility="private")


def make_toggle_like(sb: Sandbox):
    @user_errors
    def toggle_like(user: str, post_id: str, request: gr.Request = None):
        """Like, or take the like back (the database says which); the button shows the new count."""
        done = sb.posts.toggle_like(acting_user(sb, user, request).id, post_id)
        return gr.Button(value=like_label(done["liked"], done["likes"]))

    return toggle_like


def make_see_less(sb: Sandbox):
    @user_errors
    def see_less(user: str, post_id: str, request: gr.Request = None) -> None:
        sb.posts.see_less(acting_user(sb, user, request).id, post_id)
        gr.Info("👎 got it — you'll see less like this")

    return see_less


def make_comment(sb: Sandbox):
    @user_errors
    def comment(user: str, post_id: str, text: str, request: gr.Request = None) -> tuple[str, str]:
        """Post the comment; the card shows the latest comments, this one included."""
        actor = acting_user(sb, user, request)
        sb.posts.comment(actor.id, post_id, text)
        return "", comments_markdown(sb.posts.comments(actor.id, post_id)[-LATEST_COMMENTS:])

    return comment


def make_report(sb: Sandbox):
    @user_errors
    def report(user: str, post_id: str, reason: str, request: gr.Request = None) -> str:
        if not (reason or "").strip():
            raise gr.Error("say in a few words what is wrong with the post — an admin reads it")
        sb.reports.report(acting_user(sb, user, request).id, post_id, reason)
        gr.Info("🚩 reported — it is hidden for you and an admin will look at it")
        return ""

    return report
