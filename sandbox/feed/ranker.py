"""Ranking one page of the feed, in named steps: candidates → filter → score → re-rank → page.

Every item carries its score parts and the reasons a person would understand. Ranking is read-only:
impressions are recorded separately (``PostService.mark_seen`` / ``view``), so the same state always
gives the same order and the weights panel can preview freely.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.feed.steering import SteeringIntent, parse_instruction, topic_similarity
from sandbox.feed.weights import FeedWeights
from sandbox.social.graph import blocked_ids, following_ids, friend_ids
from sandbox.social.posts import may_remix
from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.store.schema import Like, Post, Report, SeeLess, User, View, utcnow

FOLLOWED_CANDIDATES = 300
POPULAR_CANDIDATES = 150
POPULAR_TTL_S = 30.0
NEW_HOURS = 6.0


@dataclass
class FeedItem:
    post_id: str
    creator: str
    creator_name: str
    avatar: str
    caption: str
    prompt: str
    video: str
    created_at: str
    likes: int
    comments: int
    remixes: int
    parent_post_id: str | None
    relation: str
    remix_policy: str = "everyone"
    remix_allowed: bool = True  # may the viewer remix it (the Remix button)
    parent_creator: str | None = None  # "remix of @…"
    parent_removed: bool = False  # the original was deleted: "original removed"
    liked: bool = False  # the viewer likes it (the card's ❤️ toggles)
    score: float = 0.0
    parts: dict[str, float] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class FeedPage:
    items: list[FeedItem]
    understood: str = ""
    notice: str = ""
    remaining: int = 0

    def to_dicts(self) -> list[dict]:
        return [i.to_dict() for i in self.items]


# Ranking reads these columns as plain rows: building ORM objects for hundreds of candidates per page
# (JSON columns included) cost more than all the SQL.
POST_COLUMNS = (Post.id, Post.user_id, Post.caption, Post.prompt, Post.media_sha256, Post.created_at,
                Post.like_count, Post.comment_count, Post.remix_count, Post.dwell_ms, Post.parent_post_id,
                Post.deleted, Post.remix_policy)


@dataclass
class _Candidate:
    post: Any  # a Row of POST_COLUMNS
    author: User
    relation: str
    friends_liked: int = 0
    steer_more: float = 0.0
    steer_less: float = 0.0


class FeedRanker:
    """Ranks pages for a viewer.

    >>> page = sandbox.feed.page(viewer_id, limit=10, instruction="more animals")  # doctest: +SKIP
    >>> page.items[0].reasons  # doctest: +SKIP
    ['from your friend @ben', 'new', 'matches “animals”']
    """

    def __init__(self, db: Database, media: MediaStore, weights: FeedWeights | None = None) -> None:
        self.db = db
        self.media = media
        self.weights = weights or FeedWeights()
        self._popular: tuple[float, list[str]] = (0.0, [])
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """Forget cached popular posts (called when posts or likes change)."""
        with self._lock:
            self._popular = (0.0, [])

    # ------------------------------------------------------------------ steps
    def popular_ids(self, s: Session, cutoff: datetime) -> list[str]:
        with self._lock:
            stamp, ids = self._popular
            if ids and time.monotonic() - stamp < POPULAR_TTL_S:
                return ids
        engagement = Post.like_count + 2 * Post.comment_count + 3 * Post.remix_count
        ids = list(s.scalars(select(Post.id).where(Post.deleted.is_(False), Post.created_at >= cutoff)
                             .order_by(engagement.desc(), Post.created_at.desc()).limit(POPULAR_CANDIDATES)))
        with self._lock:
            self._popular = (time.monotonic(), ids)
        return ids

    def candidates(self, s: Session, viewer_id: str, w: FeedWeights, intent: SteeringIntent,
                   now: datetime) -> list[_Candidate]:
        cutoff = now - timedelta(days=w.window_days)
        following = following_ids(s, viewer_id)
        friends = friend_ids(s, viewer_id)
        authors = friends if intent.only_friends else following
        posts: dict[str, Any] = {}
        if authors:
            # No ORDER BY/LIMIT in SQL: that would steer SQLite to the created_at index and a long scan;
            # the (user_id, created_at) index returns just these authors' recent posts.
            recent = s.execute(select(*POST_COLUMNS).where(Post.user_id.in_(authors), Post.created_at >= cutoff)).all()
            recent = sorted((p for p in recent if not p.deleted), key=lambda p: p.created_at, reverse=True)
            posts.update((p.id, p) for p in recent[:FOLLOWED_CANDIDATES])
        if not intent.only_friends:
            missing = [pid for pid in self.popular_ids(s, cutoff) if pid not in posts]
            if missing:
                for p in s.execute(select(*POST_COLUMNS).where(Post.id.in_(missing))):
                    if not p.deleted:
                        posts[p.id] = p
        # filter: own posts, blocked either way, already seen, "see less" posts
        hidden_authors = blocked_ids(s, viewer_id) | {viewer_id}
        ids = list(posts)
        seen = set(s.scalars(select(View.post_id).where(View.user_id == viewer_id, View.post_id.in_(ids))))
        less = set(s.scalars(select(SeeLess.post_id).where(SeeLess.user_id == viewer_id)))
        reported = set(s.scalars(select(Report.post_id).where(Report.reporter_id == viewer_id)))
        hidden = seen | less | reported
        keep = [p for p in posts.values() if p.user_id not in hidden_authors and p.id not in hidden]
        if not keep:
            return []
        users = {u.id: u for u in s.scalars(select(User).where(User.id.in_({p.user_id for p in keep})))}
        liked = dict(s.execute(select(Like.post_id, func.count()).where(
            Like.user_id.in_(friends), Like.post_id.in_([p.id for p in keep])).group_by(Like.post_id)).all()) \
            if friends else {}

        def rel(uid: str) -> str:
            return "friend" if uid in friends else "following" if uid in following else "stranger"

        return [_Candidate(p, users[p.user_id], rel(p.user_id), int(liked.get(p.id, 0))) for p in keep]

    def steer(self, cands: list[_Candidate], intent: SteeringIntent) -> None:
        texts = [f"{c.post.prompt} {c.post.caption}" for c in cands]

        def relative(sims):  # the best match among the candidates counts fully, whatever its raw cosine
            top = float(sims.max()) if len(sims) else 0.0
            return sims / top if top > 0 else sims

        more, less = relative(topic_similarity(texts, intent.more)), relative(topic_similarity(texts, intent.less))
        for c, m, x in zip(cands, more, less, strict=True):
            c.steer_more, c.steer_less = float(m), float(x)

    @staticmethod
    def score_parts(cands: list[_Candidate], w: FeedWeights, intent: SteeringIntent, see_less_authors: set[str],
                    now: datetime) -> dict[str, np.ndarray]:
        """Every score part for every candidate, vectorised (a page ranks hundreds of candidates)."""
        rel = np.array([{"friend": w.friend, "following": w.following}.get(c.relation, 0.0) for c in cands])
        age_h = np.array([max((now - c.post.created_at).total_seconds() / 3600, 0.0) for c in cands])
        raw = np.array([c.post.like_count + 2 * c.post.comment_count + 3 * c.post.remix_count
                        + c.post.dwell_ms / 10_000 for c in cands], dtype=float)
        return {
            "relation": rel,
            "friends_liked": w.friends_liked * np.minimum([c.friends_liked for c in cands], 3),
            "recency": w.recency * (2.0 if intent.fresh else 1.0) * 0.5 ** (age_h / w.half_life_hours),
            "engagement": w.engagement * np.minimum(np.log1p(raw) / math.log1p(50), 1.5),
            "see_less": np.array([-w.see_less if c.post.user_id in see_less_authors else 0.0 for c in cands]),
            "steering": w.steering * np.array([c.steer_more - c.steer_less for c in cands]),
            "_age_h": age_h, "_raw_engagement": raw,
        }

    def item(self, c: _Candidate, parts: dict[str, np.ndarray], i: int, intent: SteeringIntent) -> FeedItem:
        """The displayed item, with its score parts and the reasons a person would understand."""
        p = c.post
        shown = {k: round(float(v[i]), 4) for k, v in parts.items() if not k.startswith("_")}
        age_h, raw = float(parts["_age_h"][i]), float(parts["_raw_engagement"][i])
        reasons = []
        if c.relation == "friend":
            reasons.append(f"from your friend @{c.author.handle}")
        elif c.relation == "following":
            reasons.append(f"from @{c.author.handle}, whom you follow")
        if c.friends_liked:
            reasons.append(f"{c.friends_liked} friend{'s' if c.friends_liked > 1 else ''} liked this")
        if age_h < NEW_HOURS:
            reasons.append("new")
        if raw >= 20 and age_h < 24 * 7:
            reasons.append("popular this week")
        if c.steer_more > 0.2:
            reasons.append(f"matches “{', '.join(intent.more)}”")
        if c.relation == "stranger" and not reasons:
            reasons.append("suggested: from outside your circle")
        return FeedItem(
            post_id=p.id, creator=c.author.handle, creator_name=c.author.display_name, avatar=c.author.avatar,
            caption=p.caption, prompt=p.prompt, video=str(self.media.path(p.media_sha256)),
            created_at=p.created_at.isoformat(timespec="seconds"), likes=p.like_count, comments=p.comment_count,
            remixes=p.remix_count, parent_post_id=p.parent_post_id, relation=c.relation, remix_policy=p.remix_policy,
            # the viewer's own posts never reach their feed, so the viewer is never the creator here
            remix_allowed=may_remix(p.remix_policy, is_creator=False, is_friend=c.relation == "friend"),
            score=round(sum(shown.values()), 4), parts=shown, reasons=reasons,
        )

    def annotate_parents(self, items: list[FeedItem]) -> None:
        """"remix of @creator", or "original removed" when the parent is gone (one query per page)."""
        ids = {i.parent_post_id for i in items if i.parent_post_id}
        if not ids:
            return
        with self.db.session() as s:
            parents = {pid: (handle, deleted) for pid, handle, deleted in s.execute(
                select(Post.id, User.handle, Post.deleted).join(User, User.id == Post.user_id)
                .where(Post.id.in_(ids))).all()}
        for item in items:
            if item.parent_post_id:
                handle, deleted = parents.get(item.parent_post_id, (None, True))
                item.parent_creator, item.parent_removed = handle, bool(deleted)

    def annotate_likes(self, viewer_id: str, items: list[FeedItem]) -> None:
        """Which items the viewer already likes (one query per page)."""
        if not items:
            return
        with self.db.session() as s:
            liked = set(s.scalars(select(Like.post_id).where(Like.user_id == viewer_id,
                                                             Like.post_id.in_([i.post_id for i in items]))))
        for item in items:
            item.liked = item.post_id in liked

    @staticmethod
    def rerank(order: list[tuple[float, str, str, str, int]], w: FeedWeights) -> list[int]:
        """``order``: (score, post_id, creator, relation, index). Keep an exploration share for strangers,
        then cap runs by one author. Returns candidate indexes in page order."""
        ordered = deque(sorted(order, key=lambda t: (-t[0], t[1])))
        if w.exploration_share > 0:
            every = max(2, round(1 / w.exploration_share))
            strangers = deque(t for t in ordered if t[3] == "stranger")
            rest = deque(t for t in ordered if t[3] != "stranger")
            mixed: list = []
            while strangers or rest:
                slot_for_stranger = (len(mixed) + 1) % every == 0
                if strangers and (slot_for_stranger or not rest or strangers[0][0] > rest[0][0]):
                    mixed.append(strangers.popleft())
                else:
                    mixed.append(rest.popleft())
            ordered = deque(mixed)
        page: list = []
        while ordered:
            run = page[-w.max_consecutive:]
            capped = run[0][2] if len(run) == w.max_consecutive and len({t[2] for t in run}) == 1 else None
            j = next((k for k, t in enumerate(ordered) if t[2] != capped), 0) if capped else 0
            page.append(ordered[j])
            del ordered[j]
        return [t[4] for t in page]

    # ------------------------------------------------------------------ entry point
    def page(self, viewer_id: str, limit: int = 10, offset: int = 0, instruction: str = "",
             weights: FeedWeights | None = None, shown_in_session: int = 0, now: datetime | None = None) -> FeedPage:
        """Rank the viewer's unseen candidates and return ``limit`` items from ``offset``."""
        from sandbox.errors import SandboxError

        if not 1 <= limit <= 50:
            raise SandboxError(f"`limit` must be between 1 and 50 but is {limit}")
        if offset < 0:
            raise SandboxError(f"`offset` must be 0 or more but is {offset}")
        if len(instruction or "") > 200:
            raise SandboxError(f"`instruction` must be at most 200 characters but has {len(instruction)}")
        w = weights or self.weights
        now = now or utcnow()
        intent = parse_instruction(instruction)
        with self.db.session() as s:
            if w.daily_cap:
                today = now.replace(hour=0, minute=0, second=0, microsecond=0)
                watched = s.scalar(select(func.count()).select_from(View).where(
                    View.user_id == viewer_id, View.created_at >= today))
                if watched >= w.daily_cap:
                    return FeedPage([], intent.understood(), f"You've reached today's limit of {w.daily_cap} "
                                                             "videos. See you tomorrow! 🌙")
            cands = self.candidates(s, viewer_id, w, intent, now)
            see_less_authors = set(s.scalars(select(Post.user_id).join(SeeLess, SeeLess.post_id == Post.id)
                                             .where(SeeLess.user_id == viewer_id)))
        if intent.more or intent.less:
            self.steer(cands, intent)
        parts = self.score_parts(cands, w, intent, see_less_authors, now) if cands else {}
        total = sum(v for k, v in parts.items() if not k.startswith("_")) if cands else np.zeros(0)
        order = self.rerank([(float(total[i]), c.post.id, c.post.user_id, c.relation, i)
                             for i, c in enumerate(cands)], w)
        page = [self.item(cands[i], parts, i, intent) for i in order[offset: offset + limit]]
        self.annotate_parents(page)
        self.annotate_likes(viewer_id, page)
        notice = ""
        if not order:
            notice = ("You're all caught up ✨ — nothing new from your circle. Follow more people, "
                      "or make something in the Create tab.")
        elif w.nudge_after and shown_in_session + len(page) >= w.nudge_after:
            notice = "You've been scrolling a while — maybe time for a break? 🌿"
        return FeedPage(page, intent.understood(), notice, max(len(order) - offset - len(page), 0))
