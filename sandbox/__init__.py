"""sandbox: a prototyping sandbox for a social app in which every video is AI-made.

The package is usable without Gradio: build a :class:`~sandbox.context.Sandbox` and call its services.

>>> from sandbox import Sandbox, SandboxConfig
>>> from sandbox.generation import GenerationRequest
>>> sb = Sandbox(SandboxConfig(data_dir=tmp_path))  # doctest: +SKIP
>>> ana = sb.identity.actor("ana", None)  # doctest: +SKIP
>>> sb.generation.generate(ana.id, GenerationRequest(prompt="a red circle")).video_path  # doctest: +SKIP
"""

from sandbox.config import SandboxConfig
from sandbox.errors import SandboxError

__version__ = "0.1.0"
__all__ = ["Sandbox", "SandboxConfig", "SandboxError", "__version__"]


def __getattr__(name: str):  # lazy: importing torch/diffusers is slow and not always needed
    if name == "Sandbox":
        from sandbox.context import Sandbox

        return Sandbox
    raise AttributeError(name)
