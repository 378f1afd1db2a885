"""Every video says it is AI-made: visible watermark, signed C2PA Content Credentials, perceptual-hash
lookup; and abuse is refused: moderation rules and rate limits."""

from sandbox.provenance.credentials import ContentCredentials
from sandbox.provenance.fingerprint import video_fingerprint
from sandbox.provenance.moderation import Moderator
from sandbox.provenance.watermark import WatermarkConfig, apply_watermark

__all__ = ["ContentCredentials", "Moderator", "WatermarkConfig", "apply_watermark", "video_fingerprint"]
