"""The sound stage: one path for the three sources a video card can name.

- ``sound: joint`` — the video pipeline returned sound itself (LTX-2: ``LTX2PipelineOutput.audio``, a
  (batch, channels, n) tensor or array at ``pipe.vocoder.config.output_sampling_rate``); ``joint_track`` turns
  it into a :class:`Soundtrack`.
- ``sound: <sound card id>`` — a text-to-audio pipeline (``StableAudioPipeline``) makes the sound from the
  sound prompt (default: the video prompt) for exactly the video's duration; embedded (the micro sound model,
  shipped), Hub (when its weights are in the local cache) or, offline, the card's tiny random twin.
- no ``sound:`` — silent.

>>> service = SoundService(SoundRegistry(), models_dir=tmp_path)  # doctest: +SKIP
>>> spec = service.registry.get("micro-sound")  # doctest: +SKIP
>>> track = service.make(spec, "a red circle moving right", seconds=1.125, seed=0)  # doctest: +SKIP
>>> track.seconds  # doctest: +SKIP
1.125
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sandbox.errors import ModelUnavailable, SandboxError
from sandbox.sound.cards import JOINT, SoundRegistry, SoundSpec
from sandbox.sound.media import Soundtrack

REPO = Path(__file__).resolve().parents[2]


@dataclass
class LoadedSound:
    pipe: object
    spec: SoundSpec
    label: str  # "micro sound model", "Stable Audio Open 1.0 (offline twin)"
    repo_id: str  # what the credentials name: the twin names itself, not the real model
    lock: threading.Lock
    twin: bool = False


def joint_track(audio, sample_rate: int, model: str, revision: str, prompt: str = "") -> Soundtrack:
    """A joint model's sound (``PipelineOutput.audio``: (batch, channels, n) or (channels, n) or (n,),
    torch or numpy) as a :class:`Soundtrack` of the first video in the batch."""
    samples = audio.detach().float().cpu().numpy() if hasattr(audio, "detach") else np.asarray(audio, np.float32)
    if samples.ndim == 3:
        samples = samples[0]
    if samples.ndim == 1:
        samples = samples[None]
    return Soundtrack(samples.astype(np.float32), int(sample_rate), model, revision, prompt)


def joint_sample_rate(pipe) -> int:
    """The sample rate of a joint pipeline's ``output.audio``: LTX-2's vocoder says it (24 kHz)."""
    vocoder = getattr(pipe, "vocoder", None)
    if vocoder is not None and "output_sampling_rate" in vocoder.config:
        return int(vocoder.config.output_sampling_rate)
    return int(getattr(pipe, "audio_sampling_rate", 24000))


class SoundService:
    def __init__(self, registry: SoundRegistry, models_dir: Path) -> None:
        self.registry = registry
        self.models_dir = Path(models_dir)
        self._cache: dict[str, LoadedSound] = {}
        self._cache_lock = threading.Lock()

    def source_for(self, sound: str | None) -> SoundSpec | str | None:
        """A video card's ``sound:`` value → the sound card, ``"joint"``, or None (silent)."""
        if not sound or sound == "none":
            return None
        return JOINT if sound == JOINT else self.registry.get(sound)

    def _source(self, spec: SoundSpec) -> tuple[str, str, str]:
        """(path or repo id to load, label, repo id for the credentials)."""
        if spec.shipped:
            path = REPO / spec.shipped
            if not (path / "model_index.json").is_file():
                raise ModelUnavailable(f"{spec.label}: its weights are missing from {spec.shipped}; rebuild them "
                                       "with `python -m sandbox.models.micro_audio train`")
            return str(path), spec.label, spec.repo_id
        from huggingface_hub import try_to_load_from_cache

        if isinstance(try_to_load_from_cache(spec.repo_id, "model_index.json", revision=spec.revision), str):
            return spec.repo_id, spec.label, spec.repo_id
        if not spec.twin:  # never download a sound model behind the user's back
            raise ModelUnavailable(f"{spec.label} ({spec.repo_id}) is not in the local Hugging Face cache; fetch it "
                                   f"with `hf download {spec.repo_id}`")
        builder = importlib.import_module(spec.twin)
        path = self.models_dir / f"{spec.id}-twin"
        if not builder.is_built(path):
            builder.build(path)
        return str(path), f"{spec.label} (offline twin)", f"sandbox-local/{spec.id}-twin"

    def load(self, spec: SoundSpec) -> LoadedSound:
        with self._cache_lock:
            if spec.id not in self._cache:
                import diffusers
                import torch

                source, label, repo_id = self._source(spec)
                kwargs = {} if Path(source).exists() else {"revision": spec.revision, "local_files_only": True}
                try:
                    pipe = getattr(diffusers, spec.pipeline_class).from_pretrained(source, **kwargs)
                except Exception as exc:
                    raise ModelUnavailable(f"could not load the sound model {label}: {exc.__class__.__name__}: "
                                           f"{str(exc)[:160]}") from exc
                if torch.cuda.is_available():
                    pipe.to("cuda")
                pipe.set_progress_bar_config(disable=True)
                self._cache[spec.id] = LoadedSound(pipe, spec, label, repo_id, threading.Lock(),
                                                   twin=repo_id != spec.repo_id)
            return self._cache[spec.id]

    def make(self, spec: SoundSpec, prompt: str, seconds: float, seed: int) -> Soundtrack:
        """Text to sound for exactly ``seconds`` (cut or padded to the sample), at the model's sample rate."""
        import torch

        loaded = self.load(spec)
        pipe = loaded.pipe
        longest = pipe.transformer.config.sample_size * pipe.vae.hop_length / pipe.vae.config.sampling_rate
        if seconds <= 0:
            raise SandboxError(f"the video must last more than 0 s to get sound but lasts {seconds} s")
        # a random twin only exercises the call: 2 steps without guidance say as much as 100
        steps, guidance = (2, 1.0) if loaded.twin else (spec.steps, spec.guidance)
        with loaded.lock:
            audio = pipe(prompt, audio_end_in_s=min(seconds, longest), num_inference_steps=steps,
                         guidance_scale=guidance, generator=torch.Generator(pipe.device).manual_seed(int(seed)),
                         output_type="np").audios
        track = Soundtrack(np.asarray(audio[0], np.float32), int(pipe.vae.config.sampling_rate), loaded.repo_id,
                           spec.revision, prompt)
        return track.fitted(seconds)
