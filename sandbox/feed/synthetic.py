"""Synthetic worlds for ranking tests and the feed benchmark, generated with numpy and bulk-loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import insert

from sandbox.feed.steering import TOPIC_WORDS
from sandbox.store.db import Database
from sandbox.store.schema import Follow, Like, Post, User, View, utcnow

TOPICS = list(TOPIC_WORDS)
PLACEHOLDER_SHA = "0" * 64  # synthetic posts have no media file


@dataclass
class World:
    user_ids: list[str]
    n_posts: int
    n_interactions: int
    post_topics: np.ndarray


def _chunks(rows: list[dict], size: int = 50_000):
    for i in range(0, len(rows), size):
        yield rows[i: i + size]


def _bulk(conn, table, columns: list[str], rows: list[tuple]) -> None:
    """executemany straight through the driver on SQLite (10x faster for millions of rows); Core elsewhere."""
    if conn.dialect.name == "sqlite":
        marks = ",".join("?" * len(columns))
        conn.connection.driver_connection.executemany(
            f"INSERT INTO {table.__tablename__} ({','.join(columns)}) VALUES ({marks})", rows)
    else:
        conn.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows])


def build_world(db: Database, n_users: int = 1000, n_posts: int = 10_000, n_interactions: int = 100_000,
                follows_per_user: int = 20, days: float = 14.0, seed: int = 0, now: datetime | None = None,
                chunk: int = 200_000) -> World:
    """A random world: users, a follow graph (half of follows returned), posts on topics, likes and views.

    Engagement counters on posts match the likes and views inserted.
    """
    rng = np.random.default_rng(seed)
    now = now or utcnow()
    uids = [f"u_{i:010d}" for i in range(n_users)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":  # a throwaway bulk load: durability per statement is not needed
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
        for rows in _chunks([{"id": u, "handle": f"user{i}", "display_name": f"User {i}", "bio": "", "avatar": "🙂",
                              "is_admin": False, "created_at": now} for i, u in enumerate(uids)]):
            conn.execute(insert(User), rows)
        a = np.repeat(np.arange(n_users), follows_per_user)
        b = rng.integers(0, n_users, size=a.size)
        back = rng.random(a.size) < 0.5
        pairs = np.unique(np.concatenate([np.stack([a, b], 1), np.stack([b[back], a[back]], 1)]), axis=0)
        pairs = pairs[pairs[:, 0] != pairs[:, 1]]
        for i in range(0, len(pairs), chunk):
            conn.execute(insert(Follow), [{"follower_id": uids[x], "followee_id": uids[y], "created_at": now}
                                          for x, y in pairs[i: i + chunk]])

        authors = rng.integers(0, n_users, size=n_posts)
        topics = rng.integers(0, len(TOPICS), size=n_posts)
        ages = rng.random(n_posts) * days * 24 * 3600
        n_likes = n_interactions // 5
        like_user = rng.integers(0, n_users, size=n_likes)
        like_post = np.minimum(rng.zipf(1.6, size=n_likes) - 1, n_posts - 1)  # a few posts get most likes
        like_post = rng.permutation(n_posts)[like_post]
        lk = np.unique(np.stack([like_user, like_post], 1), axis=0)
        likes = np.bincount(lk[:, 1], minlength=n_posts)
        n_views = n_interactions - len(lk)
        view_user = rng.integers(0, n_users, size=n_views)
        view_post = rng.integers(0, n_posts, size=n_views)
        dwell = rng.integers(500, 15_000, size=n_views)
        views = np.bincount(view_post, minlength=n_posts)
        dwell_sum = np.bincount(view_post, weights=dwell, minlength=n_posts).astype(np.int64)
        words = {t: TOPIC_WORDS[t] for t in TOPICS}
        post_cols = ["id", "user_id", "media_sha256", "caption", "prompt", "model_id", "seed", "remix_policy",
                     "cameo_ids", "like_count", "comment_count", "remix_count", "view_count", "dwell_ms", "deleted",
                     "created_at"]
        empty_cameos = '{"ids": []}' if conn.dialect.name == "sqlite" else {"ids": []}
        for i in range(0, n_posts, chunk):
            rows = []
            for j in range(i, min(i + chunk, n_posts)):
                t = TOPICS[topics[j]]
                w = words[t]
                rows.append((f"p_{j:010d}", uids[authors[j]], PLACEHOLDER_SHA, f"{w[j % len(w)]} #{t}",
                             f"a {w[(j // 3) % len(w)]} and a {w[(j // 7) % len(w)]}", "synthetic", j, "everyone",
                             empty_cameos, int(likes[j]), 0, 0, int(views[j]), int(dwell_sum[j]), False,
                             now - timedelta(seconds=float(ages[j]))))
            _bulk(conn, Post, post_cols, rows)
        for i in range(0, len(lk), chunk):
            _bulk(conn, Like, ["user_id", "post_id", "created_at"],
                  [(uids[u], f"p_{p:010d}", now) for u, p in lk[i: i + chunk].tolist()])
        long_ago = now - timedelta(days=30)
        for i in range(0, n_views, chunk):
            _bulk(conn, View, ["user_id", "post_id", "dwell_ms", "created_at"],
                  [(uids[u], f"p_{p:010d}", d, long_ago) for u, p, d in zip(
                      view_user[i: i + chunk].tolist(), view_post[i: i + chunk].tolist(),
                      dwell[i: i + chunk].tolist(), strict=True)])
    return World(uids, n_posts, len(lk) + n_views, topics)
