import pytest
from sqlalchemy import func, select

from sandbox.errors import NotFound, PermissionDenied, SandboxError
from sandbox.store.schema import Comment, Like, Post, User
from tests.conftest import make_post


def uid(sb, handle):
    return sb.identity.actor(handle, None).id


def test_follow_unfollow_and_friends(sb_any):
    sb = sb_any
    dev = uid(sb, "dev")
    assert sb.graph.follow(dev, "ben")["relation"] == "following"
    sb.graph.follow(uid(sb, "ben"), "dev")
    assert sb.graph.follow(dev, "ben")["relation"] == "friend", "following twice is idempotent"
    assert sb.graph.unfollow(dev, "ben")["relation"] == "follower"
    with pytest.raises(SandboxError, match="cannot follow yourself"):
        sb.graph.follow(dev, "@dev")
    with pytest.raises(NotFound, match="no user @nobody"):
        sb.graph.follow(dev, "nobody")
    assert "started following you" in [n["text"] for n in sb.posts.notifications(uid(sb, "ben"))]


def test_block_hides_everything_both_ways(sb_any):
    sb = sb_any
    ana, ben = uid(sb, "ana"), uid(sb, "ben")
    post = make_post(sb, "ben", "a fox")
    sb.graph.block(ana, "ben")
    sb.graph.block(ana, "ben")  # idempotent
    with pytest.raises(NotFound):
        sb.posts.like(ana, post)
    with pytest.raises(SandboxError, match="one of you blocked the other"):
        sb.graph.follow(ben, "ana")
    with pytest.raises(NotFound):
        sb.accounts.profile(ben, "ana")
    assert all(i.creator != "ben" for i in sb.feed.page(ana).items)


def test_a_like_button_follows_the_database_not_the_page(sb):
    """A card drawn while a like was on shows "liked"; a click after the like was taken back elsewhere likes
    again instead of "unliking" nothing — the database says which way the button goes."""
    ana, post = uid(sb, "ana"), make_post(sb, "ben", "a fox")
    assert sb.posts.toggle_like(ana, post) == {"post_id": post, "liked": True, "likes": 1}
    assert sb.posts.toggle_like(ana, post) == {"post_id": post, "liked": False, "likes": 0}
    sb.posts.like(ana, post)  # in another tab
    assert sb.posts.toggle_like(ana, post)["liked"] is False
    with pytest.raises(NotFound):
        sb.posts.toggle_like(ana, "p_nothere")


def test_the_feed_shows_a_like_taken_back(sb):
    """The feed shows a like taken back as it shows a like: count and heart."""
    ana, post = uid(sb, "ana"), make_post(sb, "ben", "a fox")

    def card() -> tuple[int, bool]:
        item = next(i for i in sb.feed.page(ana).items if i.post_id == post)
        return item.likes, item.liked

    assert card() == (0, False)
    sb.posts.like(ana, post)
    assert card() == (1, True)
    sb.posts.unlike(ana, post)
    assert card() == (0, False)


def test_nobody_can_take_back_someone_elses_like_or_push_the_count_below_the_likes(sb):
    """An outsider's attack on the count: unlike a post you never liked, over and over, and toggle it back and
    forth — ana's like stays, the count always equals the likes stored, and never goes below zero."""
    from sqlalchemy import func, select

    from sandbox.store.schema import Like

    ana, ben, post = uid(sb, "ana"), uid(sb, "ben"), make_post(sb, "chloe", "a fox")
    sb.posts.like(ana, post)
    for _ in range(3):
        assert sb.posts.unlike(ben, post) == {"post_id": post, "liked": False, "likes": 1}
    assert sb.posts.toggle_like(ben, post)["likes"] == 2
    assert sb.posts.toggle_like(ben, post)["likes"] == 1
    assert sb.posts.unlike(ana, post)["likes"] == 0
    assert sb.posts.unlike(ana, post)["likes"] == 0
    with sb.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Like).where(Like.post_id == post)) == 0


def test_publish_only_own_drafts_and_likes_are_idempotent(sb_any):
    sb = sb_any
    from sandbox.generation import GenerationRequest
    from tests.conftest import SMALL_VIDEO

    ana, ben = uid(sb, "ana"), uid(sb, "ben")
    draft = sb.generation.generate(ana, GenerationRequest(prompt="a cat", seed=1, **SMALL_VIDEO))
    with pytest.raises(NotFound, match="no draft"):
        sb.posts.publish(ben, draft.draft_id, "mine now")
    with pytest.raises(SandboxError, match="`remix_policy` must be one of"):
        sb.posts.publish(ana, draft.draft_id, "x", remix_policy="maybe")
    post = sb.posts.publish(ana, draft.draft_id, "my cat")["post_id"]
    assert sb.posts.like(ben, post)["likes"] == 1
    assert sb.posts.like(ben, post)["likes"] == 1
    with sb.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Like)) == 1
        assert s.get(Post, post).like_count == 1
    assert sb.posts.unlike(ben, post)["likes"] == 0
    kinds = [n["kind"] for n in sb.posts.notifications(ana)]
    assert kinds.count("like") == 1


@pytest.mark.parametrize(("text", "message"), [("", "`comment` is empty"), ("x" * 501, "at most 500 characters")])
def test_bad_comments_write_nothing(sb_any, text, message):
    sb = sb_any
    post = make_post(sb, "ana")
    with pytest.raises(SandboxError, match=message):
        sb.posts.comment(uid(sb, "ben"), post, text)
    with sb.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == 0


def test_html_is_stored_as_text(sb_any):
    sb = sb_any
    post = make_post(sb, "ana", caption="<b>bold</b>")
    c = sb.posts.comment(uid(sb, "ben"), post, "<script>alert(1)</script>")
    assert c["text"] == "<script>alert(1)</script>"
    from sandbox.social.text import escape

    assert escape(c["text"]) == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_delete_own_post_only(sb_any):
    sb = sb_any
    post = make_post(sb, "ana")
    with pytest.raises(PermissionDenied, match="only delete your own"):
        sb.posts.delete(uid(sb, "ben"), post)
    sb.posts.delete(uid(sb, "ana"), post)
    with pytest.raises(NotFound):
        sb.posts.like(uid(sb, "ben"), post)
    assert sb.media.all_files() == [], "its draft goes too: the URL that was public stops working"


def test_invites_and_signup(sb_any):
    sb = sb_any
    ana = uid(sb, "ana")
    codes = sb.accounts.invite_codes(ana)
    assert len(codes) == 3 and sb.accounts.invite_codes(ana) == codes
    new = sb.accounts.signup(codes[0]["code"], "zoe", "Zoé")
    assert new["invited_by"] == "ana"
    with pytest.raises(SandboxError, match="already used"):
        sb.accounts.signup(codes[0]["code"], "zed")
    with pytest.raises(SandboxError, match="not a valid invite code"):
        sb.accounts.signup("nope", "zed")
    for bad, message in [("an", "3–20 characters"), ("<script>", "3–20 characters"), ("ben", "is taken"),
                         ("b3n_", "looks too much like @ben"), ("аna", "3–20 characters")]:
        with pytest.raises(SandboxError, match=message):
            sb.accounts.signup(codes[1]["code"], bad)
    with sb.db.session() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.handle == "zed")) == 0
    with pytest.raises(PermissionDenied):
        sb.accounts.mint_invites(ana)
    assert len(sb.accounts.mint_invites(uid(sb, "mod"), 2)) == 2


def test_profile(sb_any):
    sb = sb_any
    make_post(sb, "ana", caption="one")
    prof = sb.accounts.profile(uid(sb, "ben"), "ana")
    assert prof["friends"] == 2 and prof["followers"] == 3 and [p["caption"] for p in prof["posts"]] == ["one"]


def test_publishing_a_draft_twice_makes_one_post(sb_any):
    """Publish clicked twice made two identical posts: the domain (and the database) allow one per draft,
    also when both requests arrive at the same moment."""
    import threading

    from sandbox.generation import GenerationRequest
    from tests.conftest import SMALL_VIDEO

    sb = sb_any
    ana = uid(sb, "ana")
    draft = sb.generation.generate(ana, GenerationRequest(prompt="a cat", seed=1, **SMALL_VIDEO)).draft_id
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.append(sb.posts.publish(ana, draft, "once"))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    again = sb.posts.publish(ana, draft, "twice")
    assert len({r["post_id"] for r in [*results, again]}) == 1
    assert sorted(r["already_published"] for r in results) == [False, True, True] and again["already_published"]
    with sb.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Post).where(Post.draft_id == draft)) == 1


def test_a_blocked_profile_says_so_and_can_be_unblocked(sb_any):
    sb = sb_any
    ana = uid(sb, "ana")
    sb.graph.block(ana, "emi")
    page = sb.accounts.profile(ana, "emi")  # a newcomer got "blocked @emi", then "Error: no user @emi"
    assert page["blocked"] and page["posts"] == []
    sb.graph.unblock(ana, "emi")
    assert sb.accounts.profile(ana, "emi")["blocked"] is False
