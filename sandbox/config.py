"""Runtime configuration, read once from environment variables.

Every variable is documented in README ("Configuration"). Validation happens in
``__post_init__`` so that a typo fails at start with a message, not on the first request.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

IDENTITY_MODES = ("personas", "password", "hf")
DEVICE_MAPS = ("auto", "cpu", "cuda", "balanced")
OFFLOAD_MODES = ("auto", "none", "model", "sequential", "group", "disk")


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def boolean(value: str) -> bool:
    """The one reading of a yes/no setting (environment variables, ``SANDBOX_SPEED`` flags).

    >>> boolean("Yes"), boolean(" off ")
    (True, False)
    """
    word = value.strip().lower()
    if word not in TRUE_WORDS + FALSE_WORDS:
        raise ValueError(f"{value!r} is not one of {TRUE_WORDS + FALSE_WORDS}")
    return word in TRUE_WORDS


def _default_data_dir() -> Path:
    # On a Space with persistent storage attached, /data survives restarts.
    if os.environ.get("SPACE_ID") and Path("/data").is_dir() and os.access("/data", os.W_OK):
        return Path("/data/sandbox")
    return Path("data")


@dataclass
class SandboxConfig:
    """Configuration of one sandbox instance.

    >>> cfg = SandboxConfig(data_dir="/tmp/sb", identity_mode="personas")
    >>> cfg.media_dir.name
    'media'
    """

    # --- storage ---
    data_dir: Path = field(default_factory=_default_data_dir)
    db_url: str | None = None  # None: SQLite file under data_dir

    # --- models and placement ---
    model: str | None = None  # model card id; None: best available (embedded default offline)
    device_map: str = "auto"
    max_memory: str | None = None  # e.g. "cpu=2GiB" or "0=20GiB,1=20GiB,cpu=64GiB"
    offload: str = "auto"
    speed: str | None = None  # e.g. "cache=first_block,vae_tiling"; None: each model card's choice
    parallel: str | None = None  # context parallel over the torchrun processes: "ulysses:2" / "ring:4"
    models_dir: Path | None = None  # where the embedded model is built; default data_dir/models

    # --- identity ---
    identity_mode: str = "personas"
    users: str | None = None  # password mode: "ana:secret,ben:secret2"
    users_file: Path | None = None  # password mode: one "handle:password" per line

    # --- provenance and safety ---
    rate_limit: str | None = "20/60"  # videos per seconds per user; empty: no limit
    action_limits: str | None = "comment=10/60,like=60/60,follow=30/60,view=300/60"  # per user; empty: none
    cost_budget: float | None = 4.0  # queued + running work per user, in default-size videos; None: no budget
    queue_max: int = 64  # jobs waiting in Gradio's queue at once; more are refused ("the queue is full")
    login_limits: str = "account=5/300,address=20/300"  # failed password logins before a wait
    c2pa_cert: Path | None = None  # PEM chain; default: a local CA made on first run
    c2pa_key: Path | None = None
    banned_terms_file: Path | None = None
    public_figures_file: Path | None = None

    # --- cameos ---
    cameo_max_mb: int = 50  # largest cameo clip accepted
    cameo_keep_uploads: bool = False  # keep raw cameo clips (private) after verification
    demo_posts: int = 8  # personas mode, empty database: demo posts made at first start (0 = none)

    # --- serving ---
    host: str = "127.0.0.1"
    port: int = 7860
    generation_concurrency: int = 1
    max_prompt_chars: int = 500
    workers: str = "local"  # where pipelines run: "local" (this process), "auto" (a Ray cluster started here),
    # or a Ray cluster's address "ray://head:10001" (sandbox.generation.workers)
    ray_workers: int | None = None  # Ray worker actors; None: one per GPU of the cluster, else 2 CPU workers
    waiting_max: int | None = None  # jobs waiting for a free worker before "busy"; None: unbounded locally,
    # 4 per worker with Ray

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir)
        if self.models_dir is not None:
            self.models_dir = Path(self.models_dir)
        if self.users_file is not None:
            self.users_file = Path(self.users_file)
        if self.identity_mode not in IDENTITY_MODES:
            raise ValueError(
                f"`SANDBOX_IDENTITY` must be one of {IDENTITY_MODES} but is {self.identity_mode!r}"
            )
        if self.device_map not in DEVICE_MAPS:
            raise ValueError(f"`SANDBOX_DEVICE_MAP` must be one of {DEVICE_MAPS} but is {self.device_map!r}")
        if self.offload not in OFFLOAD_MODES:
            raise ValueError(f"`SANDBOX_OFFLOAD` must be one of {OFFLOAD_MODES} but is {self.offload!r}")
        if self.parallel:
            from sandbox.models.parallel import ParallelConfig

            ParallelConfig.parse(self.parallel)  # a bad value stops the start with the variable's name
        if not 1 <= self.port <= 65535:
            raise ValueError(f"`SANDBOX_PORT` must be between 1 and 65535 but is {self.port}")
        if self.generation_concurrency < 1:
            raise ValueError(
                f"`SANDBOX_GENERATION_CONCURRENCY` must be at least 1 but is {self.generation_concurrency}"
            )
        from sandbox.generation.workers import worker_address

        worker_address(self.workers)  # a typo stops the start with the variable's name
        if self.ray_workers is not None and self.ray_workers < 1:
            raise ValueError(f"`SANDBOX_RAY_WORKERS` must be at least 1 but is {self.ray_workers}")
        if self.waiting_max is not None and self.waiting_max < 0:
            raise ValueError(f"`SANDBOX_WAITING_MAX` must be at least 0 but is {self.waiting_max}")
        if not 0 <= self.demo_posts <= 8:
            raise ValueError(f"`SANDBOX_DEMO_POSTS` must be between 0 and 8 but is {self.demo_posts}")
        if self.cost_budget is not None and self.cost_budget <= 0:
            raise ValueError(f"`SANDBOX_COST_BUDGET` must be above 0 (default-size videos queued and running per "
                             f"person) but is {self.cost_budget}")
        if self.queue_max < 1:
            raise ValueError(f"`SANDBOX_QUEUE_MAX` must be at least 1 but is {self.queue_max}")
        if not 1 <= self.cameo_max_mb <= 500:
            raise ValueError(f"`SANDBOX_CAMEO_MAX_MB` must be between 1 and 500 but is {self.cameo_max_mb}")
        if self.identity_mode == "password" and not (self.users or self.users_file):
            raise ValueError(
                "password identity mode needs users: set `SANDBOX_USERS=\"ana:secret,...\"` "
                "or `SANDBOX_USERS_FILE` to a file of `handle:password` lines"
            )

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def private_dir(self) -> Path:
        """Cameo references and kept uploads: outside the media folder, never served by URL."""
        return self.data_dir / "private"

    @property
    def resolved_models_dir(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def resolved_db_url(self) -> str:
        return self.db_url or f"sqlite:///{(self.data_dir / 'sandbox.db').resolve()}"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SandboxConfig:
        """Read the ``SANDBOX_*`` variables (see README, "Configuration")."""
        env = os.environ if environ is None else environ
        kwargs: dict = {}
        mapping = {
            "SANDBOX_DATA_DIR": ("data_dir", Path),
            "SANDBOX_DB_URL": ("db_url", str),
            "SANDBOX_MODEL": ("model", str),
            "SANDBOX_DEVICE_MAP": ("device_map", str),
            "SANDBOX_MAX_MEMORY": ("max_memory", str),
            "SANDBOX_OFFLOAD": ("offload", str),
            "SANDBOX_SPEED": ("speed", str),
            "SANDBOX_PARALLEL": ("parallel", str),
            "SANDBOX_MODELS_DIR": ("models_dir", Path),
            "SANDBOX_IDENTITY": ("identity_mode", str),
            "SANDBOX_USERS": ("users", str),
            "SANDBOX_USERS_FILE": ("users_file", Path),
            "SANDBOX_HOST": ("host", str),
            "SANDBOX_PORT": ("port", int),
            "SANDBOX_GENERATION_CONCURRENCY": ("generation_concurrency", int),
            "SANDBOX_RATE_LIMIT": ("rate_limit", str),
            "SANDBOX_C2PA_CERT": ("c2pa_cert", Path),
            "SANDBOX_C2PA_KEY": ("c2pa_key", Path),
            "SANDBOX_BANNED_TERMS_FILE": ("banned_terms_file", Path),
            "SANDBOX_PUBLIC_FIGURES_FILE": ("public_figures_file", Path),
            "SANDBOX_CAMEO_MAX_MB": ("cameo_max_mb", int),
            "SANDBOX_CAMEO_KEEP_UPLOADS": ("cameo_keep_uploads", boolean),
            "SANDBOX_DEMO_POSTS": ("demo_posts", int),
            "SANDBOX_ACTION_LIMITS": ("action_limits", str),
            "SANDBOX_COST_BUDGET": ("cost_budget", float),
            "SANDBOX_QUEUE_MAX": ("queue_max", int),
            "SANDBOX_LOGIN_LIMITS": ("login_limits", str),
            "SANDBOX_WORKERS": ("workers", str),
            "SANDBOX_RAY_WORKERS": ("ray_workers", int),
            "SANDBOX_WAITING_MAX": ("waiting_max", int),
        }
        for var, name in (("SANDBOX_RATE_LIMIT", "rate_limit"), ("SANDBOX_ACTION_LIMITS", "action_limits"),
                          ("SANDBOX_COST_BUDGET", "cost_budget")):
            if env.get(var) == "":
                kwargs[name] = None  # explicitly empty: no limit
        for var, (name, cast) in mapping.items():
            value = env.get(var)
            if value not in (None, ""):
                try:
                    kwargs[name] = cast(value)
                except ValueError as exc:
                    raise ValueError(f"`{var}` must be a {cast.__name__} but is {value!r}") from exc
        if "identity_mode" not in kwargs and env.get("SPACE_ID"):
            kwargs["identity_mode"] = "hf"  # on a Space, people sign in with their HF account
        return cls(**kwargs)
