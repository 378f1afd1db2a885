"""The friends-first feed: candidates → scores (with reasons) → re-ranking (diversity, exploration, steering)."""

from sandbox.feed.ranker import FeedItem, FeedPage, FeedRanker
from sandbox.feed.steering import SteeringIntent, parse_instruction
from sandbox.feed.weights import FeedWeights

__all__ = ["FeedItem", "FeedPage", "FeedRanker", "FeedWeights", "SteeringIntent", "parse_instruction"]
