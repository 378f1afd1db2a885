"""One sandbox instance: configuration, database, media, identity, models and the domain services.

>>> from sandbox import Sandbox, SandboxConfig
>>> sb = Sandbox(SandboxConfig(data_dir=tmp_path))  # doctest: +SKIP
>>> ana = sb.identity.actor("ana", None)  # doctest: +SKIP
>>> sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right")).draft_id  # doctest: +SKIP
'd_…'
"""

from __future__ import annotations

from sandbox.cameo.service import CameoConfig, CameoService
from sandbox.cameo.verification import VerificationConfig
from sandbox.config import SandboxConfig
from sandbox.feed.ranker import FeedRanker
from sandbox.generation.ratelimit import RateLimiter
from sandbox.generation.service import GenerationService
from sandbox.identity.auth import IdentityService
from sandbox.models.cards import ModelRegistry
from sandbox.models.loader import ModelLoader
from sandbox.models.placement import Hardware, PlacementConfig, parse_max_memory
from sandbox.models.speed import SpeedConfig
from sandbox.provenance.credentials import ContentCredentials
from sandbox.provenance.moderation import ModerationConfig, Moderator
from sandbox.provenance.service import ProvenanceService
from sandbox.remix.service import RemixService
from sandbox.social import AccountService, PostService, SocialGraph
from sandbox.social.reports import ReportService
from sandbox.store.db import Database
from sandbox.store.media import MediaStore


class Sandbox:
    def __init__(self, config: SandboxConfig | None = None, hardware: Hardware | None = None) -> None:
        self.config = config or SandboxConfig.from_env()
        self.config.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.config.resolved_db_url)
        self.media = MediaStore(self.config.media_dir)
        self.media.sweep_temp()  # a crash mid-write leaves only temp files; they never count
        self.identity = IdentityService(self.db, self.config)
        self.registry = ModelRegistry()
        placement = PlacementConfig(device_map=self.config.device_map,
                                    max_memory=parse_max_memory(self.config.max_memory),
                                    offload=self.config.offload, offload_folder=self.config.data_dir / "offload")
        self.loader = ModelLoader(self.registry, self.config.resolved_models_dir, placement, hardware,
                                  default_model=self.config.model,
                                  speed=SpeedConfig.parse(self.config.speed) if self.config.speed else None)
        self.generation = GenerationService(self.db, self.media, self.loader, self.config.max_prompt_chars)
        self.graph = SocialGraph(self.db)
        self.accounts = AccountService(self.db)
        self.posts = PostService(self.db, self.media)
        self.feed = FeedRanker(self.db, self.media)
        self.posts.on_change.append(self.feed.invalidate)
        self.reports = ReportService(self.db, self.posts)
        self.provenance = ProvenanceService(
            self.db,
            ContentCredentials(self.config.data_dir / "keys", self.config.c2pa_cert, self.config.c2pa_key),
            Moderator(self.db, ModerationConfig.from_files(self.config.banned_terms_file,
                                                           self.config.public_figures_file)))
        self.provenance.attach(self.generation, self.posts)
        self.cameos = CameoService(
            self.db, self.media, MediaStore(self.config.private_dir), self.generation, self.posts,
            CameoConfig(VerificationConfig(max_bytes=self.config.cameo_max_mb * 2**20),
                        keep_uploads=self.config.cameo_keep_uploads))
        self.cameos.text_checks.append(self.provenance.moderator.check)
        self.remixes = RemixService(self.db, self.media, self.generation, self.cameos, self.posts)
        self.generation.rate_limiter = RateLimiter.parse(self.config.rate_limit)

    @classmethod
    def from_env(cls) -> Sandbox:
        """The sandbox the ``SANDBOX_*`` environment variables describe (see README, "Configuration")."""
        return cls(SandboxConfig.from_env())

    def model_status(self, model_id: str | None = None) -> str:
        """"tiny offline model · cpu" — a model (default: the default one) and where it runs."""
        try:
            spec = self.loader.spec_for(model_id)
            available = self.loader.availability(spec)
            if not available.available:
                return f"{spec.label} · unavailable here"
            return f"{spec.label} · {self.loader.placement(spec).label}"
        except Exception as exc:
            return f"model error: {exc}"

    def close(self) -> None:
        self.db.dispose()
