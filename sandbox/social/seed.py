"""A believable small world for personas mode: a few posts with likes and comments, made with the
embedded model on first start (a few seconds), so the feed is never empty in a demo."""

from __future__ import annotations

from sqlalchemy import func, select

from sandbox.generation.request import GenerationRequest
from sandbox.store.schema import Post

# Prompts from the micro model's world (it follows them); captions are what people would write.
SEED_POSTS = [
    ("ben", "a red circle moving right on a blue background", "rolling through the rain 🤖"),
    ("chloe", "a yellow triangle moving up on a black background", "desert night, a star rising"),
    ("ana", "a orange circle moving left on a green background", "my fox, running home 🦊"),
    ("dev", "a white triangle moving up on a black background", "launch day 🚀"),
    ("emi", "a purple square moving down on a gray background", "beat drop"),
    ("ben", "a green circle moving left on a black background", "the ball, the cat and the dog"),
    ("chloe", "a blue square moving right on a green background", "forest rain, slow camera"),
    ("dev", "a white circle moving down on a blue background", "moon walk, one small step"),
]
SEED_LIKES = [("ana", 0), ("chloe", 0), ("ana", 1), ("ben", 2), ("chloe", 2), ("emi", 3), ("ana", 5)]
SEED_COMMENTS = [("ana", 0, "love the loop!"), ("ben", 2, "so cozy 🦊"), ("emi", 3, "how many steps was this?")]


def seed_world(sb, size: tuple[int, int, int] | None = None, steps: int | None = None) -> int:
    """Create the demo posts once (personas mode, empty database). Returns how many posts were made."""
    if sb.config.identity_mode != "personas":
        return 0
    with sb.db.session() as s:
        if s.scalar(select(func.count()).select_from(Post)):
            return 0
    ids = {h: sb.identity.actor(h, None).id for h in {p[0] for p in SEED_POSTS} | {"ana", "emi"}}
    spec = sb.loader.default_model()
    w, h, n = size or (None, None, None)  # None: the model card's defaults
    post_ids = []
    for i, (handle, prompt, caption) in enumerate(SEED_POSTS[:sb.config.demo_posts]):
        req = GenerationRequest(prompt=prompt, seed=100 + i, width=w, height=h, num_frames=n, steps=steps,
                                model=spec.id)
        draft = sb.generation.generate(ids[handle], req)
        post_ids.append(sb.posts.publish(ids[handle], draft.draft_id, caption)["post_id"])
    for handle, i in SEED_LIKES:
        if i < len(post_ids):
            sb.posts.like(ids[handle], post_ids[i])
    for handle, i, text in SEED_COMMENTS:
        if i < len(post_ids):
            sb.posts.comment(ids[handle], post_ids[i], text)
    return len(post_ids)
