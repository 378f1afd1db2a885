"""Publishing drafts and everything people do with posts: like, comment, view, see less, delete."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.generation.ratelimit import ActionLimits
from sandbox.hooks import OnChange, OnPublished, PublishCheck, TextCheck
from sandbox.social.graph import blocked_ids
from sandbox.social.text import clean_text
from sandbox.store.db import Database, add_once
from sandbox.store.media import MediaStore
from sandbox.store.references import release_media
from sandbox.store.schema import Comment, Draft, Like, Notification, Post, SeeLess, User, View

REMIX_POLICIES = ("everyone", "friends", "nobody")
MAX_DWELL_MS = 10 * 60 * 1000


def may_remix(policy: str, is_creator: bool, is_friend: bool) -> bool:
    """The creator's per-post choice: everyone, friends (mutual follows), or nobody but themselves.

    >>> may_remix("friends", is_creator=False, is_friend=True), may_remix("nobody", False, True)
    (True, False)
    """
    return is_creator or policy == "everyone" or (policy == "friends" and is_friend)


def visible_post(s: Session, viewer_id: str, post_id: str) -> Post:
    """The post, if it exists, is not deleted, and neither side blocked the other."""
    post = s.get(Post, post_id or "")
    if post is None or post.deleted or post.user_id in blocked_ids(s, viewer_id):
        raise NotFound(f"no post {post_id!r}: it does not exist or was removed")
    return post


def notify(s: Session, recipient_id: str, kind: str, actor_id: str, post_id: str | None, text: str) -> None:
    if recipient_id != actor_id:
        s.add(Notification(user_id=recipient_id, kind=kind, actor_id=actor_id, post_id=post_id, text=text))


class PostService:
    def __init__(self, db: Database, media: MediaStore, limits: ActionLimits | None = None, *,
                 check_text: TextCheck | None = None,
                 publish_checks: tuple[PublishCheck, ...] = (), on_published: tuple[OnPublished, ...] = (),
                 on_change: OnChange | None = None) -> None:
        """``check_text`` moderates captions and comments; ``publish_checks`` may refuse a publish inside its
        transaction (cameo consent, the original's remix rules); ``on_published`` records in the same
        transaction (the cameo ledger); ``on_change`` is told when posts or engagement change (the feed);
        ``limits``: comments, likes and views per user per window."""
        self.db = db
        self.media = media
        self.limits = limits or ActionLimits({})
        self.check_text = check_text
        self.publish_checks = tuple(publish_checks)
        self.on_published = tuple(on_published)
        self.on_change = on_change

    def changed(self) -> None:
        """Tell the listener (the feed's caches) that posts or engagement changed."""
        if self.on_change is not None:
            self.on_change()

    def publish(self, actor_id: str, draft_id: str, caption: str = "", remix_policy: str = "everyone") -> dict:
        """Publish a draft as a post. Idempotent: a draft makes at most one post (the database enforces it);
        publishing it again answers with that post and ``already_published: True``."""
        caption = clean_text("caption", caption, required=False)
        if caption and self.check_text is not None:
            self.check_text("caption", caption, actor_id)
        if remix_policy not in REMIX_POLICIES:
            raise SandboxError(f"`remix_policy` must be one of {REMIX_POLICIES} but is {remix_policy!r}")
        try:
            with self.db.session() as s:
                draft = s.get(Draft, draft_id or "")
                if draft is None or draft.user_id != actor_id:  # drafts are private: others' look like missing
                    raise NotFound(f"no draft {draft_id!r} of yours: publish one of your own drafts")
                if (earlier := self.post_of_draft(s, draft.id)) is not None:
                    return earlier
                result = self._publish(s, actor_id, draft, caption, remix_policy)
        except IntegrityError:  # the same draft published at the same moment: the other request won
            with self.db.session() as s:
                earlier = self.post_of_draft(s, draft_id)
            if earlier is None:
                raise
            return earlier
        self.changed()
        return result

    @staticmethod
    def post_of_draft(s: Session, draft_id: str) -> dict | None:
        post = s.scalar(select(Post).where(Post.draft_id == draft_id))
        if post is None:
            return None
        return {"post_id": post.id, "draft_id": draft_id, "caption": post.caption, "remix_policy": post.remix_policy,
                "already_published": True}

    def _publish(self, s: Session, actor_id: str, draft: Draft, caption: str, remix_policy: str) -> dict:
        actor = s.get(User, actor_id)
        for check in self.publish_checks:
            check(s, actor, draft, caption)
        parent_id = (draft.request or {}).get("parent_post_id")
        cameo_ids = list((draft.request or {}).get("cameo_ids") or [])
        post = Post(user_id=actor_id, draft_id=draft.id, media_sha256=draft.media_sha256, caption=caption,
                    prompt=draft.prompt, model_id=draft.model_id, seed=draft.seed, parent_post_id=parent_id,
                    remix_policy=remix_policy, cameo_ids={"ids": cameo_ids})
        s.add(post)
        if parent_id and (parent := s.get(Post, parent_id)) is not None:
            parent.remix_count += 1
            notify(s, parent.user_id, "remix", actor_id, post.id, "remixed your post")
        s.flush()
        for record in self.on_published:
            record(s, post)
        return {"post_id": post.id, "draft_id": draft.id, "caption": caption, "remix_policy": remix_policy,
                "already_published": False}

    def like(self, actor_id: str, post_id: str) -> dict:
        """Idempotent: liking twice counts once."""
        return self._set_like(actor_id, post_id, want=True)

    def unlike(self, actor_id: str, post_id: str) -> dict:
        return self._set_like(actor_id, post_id, want=False)

    def toggle_like(self, actor_id: str, post_id: str) -> dict:
        """What a like button does: like, or take back the like there is — the database says which, not the
        page (a card drawn before the last click would otherwise undo it)."""
        return self._set_like(actor_id, post_id, want=None)

    def _set_like(self, actor_id: str, post_id: str, want: bool | None) -> dict:
        """``want``: like (True), take the like back (False), or the opposite of what the database holds (None)."""
        with self.db.session() as s:
            post = visible_post(s, actor_id, post_id)
            like = s.scalar(select(Like).where(Like.user_id == actor_id, Like.post_id == post.id))
            want = like is None if want is None else want
            if want:
                self.limits.check("like", actor_id)
                if add_once(s, Like(user_id=actor_id, post_id=post.id)):
                    s.execute(update(Post).where(Post.id == post.id).values(like_count=Post.like_count + 1))
                    notify(s, post.user_id, "like", actor_id, post.id, "liked your post")
            elif like is not None:
                s.delete(like)
                s.execute(update(Post).where(Post.id == post.id).values(like_count=Post.like_count - 1))
            s.flush()
            s.refresh(post)
            result = {"post_id": post.id, "liked": want, "likes": post.like_count}
        self.changed()  # the feed's caches: an unlike changes the count as much as a like
        return result

    def comment(self, actor_id: str, post_id: str, text: str) -> dict:
        text = clean_text("comment", text)
        if self.check_text is not None:
            self.check_text("comment", text, actor_id)
        self.limits.check("comment", actor_id)
        with self.db.session() as s:
            post = visible_post(s, actor_id, post_id)
            c = Comment(user_id=actor_id, post_id=post.id, text=text)
            s.add(c)
            s.execute(update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count + 1))
            notify(s, post.user_id, "comment", actor_id, post.id, f"commented: {text[:80]}")
            s.flush()
            return {"comment_id": c.id, "post_id": post.id, "text": text}

    def comments(self, viewer_id: str, post_id: str, limit: int = 50) -> list[dict]:
        with self.db.session() as s:
            post = visible_post(s, viewer_id, post_id)
            hidden = blocked_ids(s, viewer_id)
            rows = s.execute(select(Comment, User.handle).join(User, User.id == Comment.user_id)
                             .where(Comment.post_id == post.id).order_by(Comment.created_at).limit(limit)).all()
            return [{"comment_id": c.id, "user": h, "text": c.text} for c, h in rows if c.user_id not in hidden]

    def view(self, actor_id: str, post_id: str, dwell_ms: int = 0) -> dict:
        if not 0 <= int(dwell_ms) <= MAX_DWELL_MS:
            raise SandboxError(f"`dwell_ms` must be between 0 and {MAX_DWELL_MS} but is {dwell_ms}")
        self.limits.check("view", actor_id)
        with self.db.session() as s:
            post = visible_post(s, actor_id, post_id)
            s.add(View(user_id=actor_id, post_id=post.id, dwell_ms=int(dwell_ms)))
            counted = post.user_id != actor_id  # an author's own views do not make their post popular
            if counted:
                s.execute(update(Post).where(Post.id == post.id)
                          .values(view_count=Post.view_count + 1, dwell_ms=Post.dwell_ms + int(dwell_ms)))
            return {"post_id": post.id, "viewed": True, "counted": counted}

    def mark_seen(self, actor_id: str, post_ids: list[str]) -> int:
        """Record impressions (dwell 0) for posts that were shown: the feed does not repeat them."""
        with self.db.session() as s:
            for pid in post_ids:
                s.add(View(user_id=actor_id, post_id=pid, dwell_ms=0))
            return len(post_ids)

    def see_less(self, actor_id: str, post_id: str) -> dict:
        with self.db.session() as s:
            post = visible_post(s, actor_id, post_id)
            add_once(s, SeeLess(user_id=actor_id, post_id=post.id))
            return {"post_id": post.id, "see_less": True}

    def delete(self, actor_id: str, post_id: str) -> dict:
        """Delete your own post (admins may delete any), and the draft it was published from: a URL that was
        public must stop working. The file goes unless another live post shows the same video."""
        with self.db.session() as s:
            post = s.get(Post, post_id or "")
            actor = s.get(User, actor_id)
            if post is None or post.deleted:
                raise NotFound(f"no post {post_id!r}")
            if post.user_id != actor_id and not (actor and actor.is_admin):
                raise PermissionDenied("you can only delete your own posts")
            post.deleted = True
            sha = post.media_sha256
            if post.draft_id and (draft := s.get(Draft, post.draft_id)) is not None:
                s.delete(draft)
        release_media(self.db, self.media, sha)
        self.changed()
        return {"post_id": post_id, "deleted": True}

    def notifications(self, actor_id: str, limit: int = 30) -> list[dict]:
        with self.db.session() as s:
            hidden = blocked_ids(s, actor_id)
            rows = s.execute(select(Notification, User.handle).join(User, User.id == Notification.actor_id)
                             .where(Notification.user_id == actor_id)
                             .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
            return [{"kind": n.kind, "from": h, "post_id": n.post_id, "text": n.text,
                     "created_at": n.created_at.isoformat(timespec="seconds")}
                    for n, h in rows if n.actor_id not in hidden]
