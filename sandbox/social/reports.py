"""Reports: anyone can report a post; it is hidden from the reporter at once and queued for admins."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.social.posts import PostService, visible_post
from sandbox.social.text import clean_text
from sandbox.store.db import Database, add_once
from sandbox.store.schema import Post, Report, User

ACTIONS = ("take_down", "dismiss")


class ReportService:
    def __init__(self, db: Database, posts: PostService) -> None:
        self.db = db
        self.posts = posts

    def report(self, actor_id: str, post_id: str, reason: str) -> dict:
        reason = clean_text("reason", reason, max_chars=300)
        with self.db.session() as s:
            post = visible_post(s, actor_id, post_id)
            if post.user_id == actor_id:
                raise SandboxError("you cannot report your own post; delete it instead")
            add_once(s, Report(post_id=post.id, reporter_id=actor_id, reason=reason))  # once is enough
        self.posts.changed()
        return {"post_id": post_id, "reported": True, "hidden_for_you": True}

    def _admin(self, s, actor_id: str) -> User:
        actor = s.get(User, actor_id)
        if actor is None or not actor.is_admin:
            raise PermissionDenied("only admins can review reports")
        return actor

    def queue(self, actor_id: str) -> list[dict]:
        with self.db.session() as s:
            self._admin(s, actor_id)
            rows = s.execute(select(Report, Post, User.handle).join(Post, Post.id == Report.post_id)
                             .join(User, User.id == Report.reporter_id).where(Report.status == "open")
                             .order_by(Report.created_at)).all()
            creators = dict(s.execute(select(User.id, User.handle).where(
                User.id.in_({p.user_id for _, p, _ in rows}))).all()) if rows else {}
            return [{"report_id": r.id, "post_id": p.id, "caption": p.caption, "prompt": p.prompt,
                     "creator": creators.get(p.user_id, "?"), "video": str(self.posts.media.path(p.media_sha256)),
                     "reported_by": h, "reason": r.reason, "reported_at": r.created_at.isoformat(timespec="minutes")}
                    for r, p, h in rows]

    def resolve(self, actor_id: str, report_id: int, action: str) -> dict:
        if action not in ACTIONS:
            raise SandboxError(f"`action` must be one of {ACTIONS} but is {action!r}")
        with self.db.session() as s:
            self._admin(s, actor_id)
            report = s.get(Report, int(report_id))
            if report is None:
                raise NotFound(f"no report {report_id}")
            post_id = report.post_id
            for r in s.scalars(select(Report).where(Report.post_id == post_id, Report.status == "open")):
                r.status = "taken_down" if action == "take_down" else "dismissed"
        if action == "take_down":
            self.posts.delete(actor_id, post_id)
        return {"report_id": int(report_id), "post_id": post_id, "status": action}
