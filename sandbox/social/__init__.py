"""The social core: follows, blocks, invites, posts, likes, comments, views, notifications."""

from sandbox.social.accounts import AccountService
from sandbox.social.graph import SocialGraph
from sandbox.social.posts import PostService

__all__ = ["AccountService", "PostService", "SocialGraph"]
