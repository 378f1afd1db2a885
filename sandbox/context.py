"""One sandbox instance: configuration, database, media, identity, models and the domain services.

>>> from sandbox import Sandbox, SandboxConfig
>>> sb = Sandbox(SandboxConfig(data_dir=tmp_path))  # doctest: +SKIP
>>> ana = sb.identity.actor("ana", None)  # doctest: +SKIP
>>> sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle moving right")).draft_id  # doctest: +SKIP
'd_…'
"""

from __future__ import annotations

from sandbox.cameo.characters import CharacterConfig
from sandbox.cameo.service import CameoConfig, CameoService
from sandbox.cameo.verification import VerificationConfig
from sandbox.config import SandboxConfig
from sandbox.feed.ranker import FeedRanker
from sandbox.generation.fairness import FairGate
from sandbox.generation.jobs import JobRegistry
from sandbox.generation.ratelimit import ActionLimits, RateLimiter
from sandbox.generation.service import GenerationService
from sandbox.generation.workers import WAITING_PER_WORKER, RayWorkers
from sandbox.identity.auth import IdentityService
from sandbox.identity.throttle import LoginThrottle
from sandbox.models.cards import ModelRegistry
from sandbox.models.loader import ModelLoader
from sandbox.models.parallel import ParallelConfig
from sandbox.models.placement import Hardware, PlacementConfig, parse_max_memory
from sandbox.models.speed import SpeedConfig
from sandbox.provenance.credentials import ContentCredentials
from sandbox.provenance.fingerprint import video_fingerprint
from sandbox.provenance.moderation import ModerationConfig, Moderator
from sandbox.provenance.service import ProvenanceService
from sandbox.remix.service import RemixService
from sandbox.social import AccountService, PostService, SocialGraph
from sandbox.social.reports import ReportService
from sandbox.sound.cards import SoundRegistry
from sandbox.sound.service import SoundService
from sandbox.store.db import Database
from sandbox.store.media import MediaStore
from sandbox.storyboard.service import StoryboardService


class Sandbox:
    """Every service of one sandbox, built in dependency order with explicit arguments: reading this
    constructor tells what generating or publishing does (moderation, watermark, credentials, fingerprint,
    rate limit; cameo consent, remix rules, the cameo ledger, the feed's caches)."""

    def __init__(self, config: SandboxConfig | None = None, hardware: Hardware | None = None,
                 loader: ModelLoader | None = None) -> None:
        """``loader``: how models are found and loaded (``None``: every card of the registry, from
        ``config.models_dir``, placed by ``config``); the app, the in-process workers and storyboards all load
        through this one."""
        self.config = config = config or SandboxConfig.from_env()
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = Database(config.resolved_db_url)
        self.media = MediaStore(config.media_dir)
        self.media.sweep_temp()  # a crash mid-write leaves only temp files; they never count
        self.identity = IdentityService(self.db, config)
        self.login_throttle = LoginThrottle.parse(config.login_limits)

        # models
        # where pipelines run: this process, or the workers of a Ray cluster (an unreachable one stops the start
        # here); the app then places models by the workers' hardware
        ray_workers = RayWorkers.from_config(config) if config.workers != "local" else None
        if ray_workers is not None and hardware is None:
            hardware = ray_workers.hardware
        self.loader = loader or ModelLoader(
            ModelRegistry(), config.resolved_models_dir,
            PlacementConfig(device_map=config.device_map, max_memory=parse_max_memory(config.max_memory),
                            offload=config.offload, offload_folder=config.data_dir / "offload"),
            hardware, default_model=config.model,
            speed=SpeedConfig.parse(config.speed) if config.speed else None,
            parallel=ParallelConfig.parse(config.parallel))
        self.registry = self.loader.registry

        # trust: moderation of every text, and what every video carries
        self.moderator = Moderator(self.db, ModerationConfig.from_files(config.banned_terms_file,
                                                                        config.public_figures_file))
        self.provenance = ProvenanceService(
            self.db, ContentCredentials(config.data_dir / "keys", config.c2pa_cert, config.c2pa_key))

        # making videos: check the prompt and the rate, run, mark, sign, fingerprint, save the draft
        self.generation = GenerationService(
            self.db, self.media, self.loader, max_prompt_chars=config.max_prompt_chars,
            check_text=self.moderator.check, mark=self.provenance.mark,
            invisible_mark=self.provenance.marks, sign=self.provenance.sign,
            fingerprint=video_fingerprint, rate_limiter=RateLimiter.parse(config.rate_limit),
            sound=SoundService(SoundRegistry(), config.resolved_models_dir),
            gate=FairGate(ray_workers.slots if ray_workers else config.generation_concurrency, config.cost_budget,
                          config.waiting_max if config.waiting_max is not None or not ray_workers
                          else WAITING_PER_WORKER * ray_workers.count),
            workers=ray_workers)
        self.workers = self.generation.workers
        self.jobs = JobRegistry(self.generation.gate)  # my jobs: place in line, progress, cancel, reorder
        self.feed = FeedRanker(self.db, self.media)
        self.cameos = CameoService(
            self.db, self.media, MediaStore(config.private_dir), self.generation,
            CameoConfig(VerificationConfig(max_bytes=config.cameo_max_mb * 2**20),
                        CharacterConfig(VerificationConfig(max_seconds=10.0, max_bytes=config.cameo_max_mb * 2**20)),
                        keep_uploads=config.cameo_keep_uploads),
            check_text=self.moderator.check, on_change=self.feed.invalidate)
        self.remixes = RemixService(self.db, self.media, self.generation, self.cameos,
                                    claims_of=self.provenance.claims_of)
        self.storyboards = StoryboardService(self.db, self.media, MediaStore(config.private_dir), self.generation,
                                             self.cameos, self.remixes)
        # a take-down deletes a media file after its rows: the storyboard working copies no draft names go too
        self.media.before_delete.append(self.storyboards.release_orphaned_working_copies)

        # people: graph, accounts, posts (publish = moderation + consent + remix rules, then the ledger)
        action_limits = ActionLimits.parse(config.action_limits)  # comments, likes, follows, views per user
        self.graph = SocialGraph(self.db, action_limits)
        self.accounts = AccountService(self.db)
        self.posts = PostService(
            self.db, self.media, action_limits, check_text=self.moderator.check,
            publish_checks=(self.cameos.check_publish, self.remixes.check_publish),
            on_published=(self.cameos.record_post_uses,), on_change=self.feed.invalidate)
        self.reports = ReportService(self.db, self.posts)

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
        self.workers.close()
        self.db.dispose()
