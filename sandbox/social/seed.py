"""A believable small world for personas mode: a few posts with likes and comments, made with the
embedded model on first start (a few seconds), so the feed is never empty in a demo."""

from __future__ import annotations

from sqlalchemy import func, select

from sandbox.generation.request import GenerationRequest
from sandbox.store.schema import Post

SEED_POSTS = [
    ("ben", "a small robot dancing in the rain, city background", "rainy day moves 🤖"),
    ("chloe", "a yellow star spinning slowly in the sky over the desert", "desert night"),
    ("ana", "a fox running in the snow at night", "my favourite fox"),
    ("dev", "a rocket flying up into the night sky", "launch day 🚀"),
    ("emi", "a purple circle dancing to music", "beat drop"),
    ("ben", "a cat and a dog playing with a ball", "best friends"),
    ("chloe", "a green forest in the rain", "forest rain, slow camera"),
    ("dev", "a robot walking on the moon", "one small step"),
]
SEED_LIKES = [("ana", 0), ("chloe", 0), ("ana", 1), ("ben", 2), ("chloe", 2), ("emi", 3), ("ana", 5)]
SEED_COMMENTS = [("ana", 0, "love the loop!"), ("ben", 2, "so cozy 🦊"), ("emi", 3, "how many steps was this?")]


def seed_world(sb, size: tuple[int, int, int] = (64, 64, 9), steps: int = 2) -> int:
    """Create the demo posts once (personas mode, empty database). Returns how many posts were made."""
    if sb.config.identity_mode != "personas":
        return 0
    with sb.db.session() as s:
        if s.scalar(select(func.count()).select_from(Post)):
            return 0
    ids = {h: sb.identity.actor(h, None).id for h in {p[0] for p in SEED_POSTS} | {"ana", "emi"}}
    spec = sb.registry.embedded
    w, h, n = size
    post_ids = []
    for i, (handle, prompt, caption) in enumerate(SEED_POSTS):
        req = GenerationRequest(prompt=prompt, seed=100 + i, width=w, height=h, num_frames=n, steps=steps,
                                model=spec.id)
        draft = sb.generation.generate(ids[handle], req)
        post_ids.append(sb.posts.publish(ids[handle], draft.draft_id, caption)["post_id"])
    for handle, i in SEED_LIKES:
        sb.posts.like(ids[handle], post_ids[i])
    for handle, i, text in SEED_COMMENTS:
        sb.posts.comment(ids[handle], post_ids[i], text)
    return len(post_ids)
