"""Feed metrics with pandas, and a picture of them: friend share, author diversity, freshness,
engagement by position."""

from __future__ import annotations

import pandas as pd

from sandbox.feed.ranker import FeedRanker
from sandbox.feed.weights import FeedWeights
from sandbox.store.schema import utcnow


def feed_frame(ranker: FeedRanker, viewers: dict[str, str], limit: int = 20,
               weights: FeedWeights | None = None, instruction: str = "") -> pd.DataFrame:
    """One row per (viewer, position) of each viewer's first page. ``viewers`` maps id → handle."""
    now = utcnow()
    rows = []
    for viewer_id, handle in viewers.items():
        for pos, item in enumerate(ranker.page(viewer_id, limit=limit, weights=weights,
                                               instruction=instruction, now=now).items):
            age_h = (now - pd.Timestamp(item.created_at).to_pydatetime()).total_seconds() / 3600
            rows.append({"viewer": handle, "position": pos + 1, "creator": item.creator,
                         "relation": item.relation, "age_hours": age_h, "likes": item.likes,
                         "comments": item.comments, "score": item.score})
    return pd.DataFrame(rows, columns=["viewer", "position", "creator", "relation", "age_hours", "likes",
                                       "comments", "score"])


def feed_metrics(df: pd.DataFrame) -> pd.DataFrame:
    """Per viewer: friend share, author diversity (distinct authors / items), median freshness."""
    if df.empty:
        return pd.DataFrame(columns=["viewer", "items", "friend_share", "author_diversity", "median_age_hours"])
    g = df.groupby("viewer")
    return pd.DataFrame({
        "items": g.size(),
        "friend_share": g["relation"].apply(lambda r: (r == "friend").mean()),
        "author_diversity": g["creator"].nunique() / g.size(),
        "median_age_hours": g["age_hours"].median(),
    }).reset_index()


def metrics_figure(df: pd.DataFrame):
    """A 2×2 matplotlib figure of the four metrics."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), constrained_layout=True)
    m = feed_metrics(df)
    if df.empty:
        for ax in axes.flat:
            ax.text(0.5, 0.5, "no feed items yet", ha="center", va="center")
            ax.set_axis_off()
        return fig
    m.plot.bar(x="viewer", y="friend_share", ax=axes[0, 0], legend=False, color="#6366f1", ylim=(0, 1),
               title="friend share of the first page")
    m.plot.bar(x="viewer", y="author_diversity", ax=axes[0, 1], legend=False, color="#ec4899", ylim=(0, 1),
               title="author diversity (distinct authors / items)")
    m.plot.bar(x="viewer", y="median_age_hours", ax=axes[1, 0], legend=False, color="#14b8a6",
               title="freshness: median age (hours)")
    by_pos = df.groupby("position")[["likes", "comments"]].mean()
    by_pos.plot(ax=axes[1, 1], marker="o", title="engagement by position")
    axes[1, 1].set_xlabel("position in feed")
    return fig
