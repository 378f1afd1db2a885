"""A micro Wan VACE model trained here on a world made in code, so that offline videos follow the prompt.

``python -m sandbox.models.micro train`` builds it (VAE, then text encoder + transformer with flow matching)
and ``save_pretrained``s it to ``models/micro-wan-vace``; ``python -m sandbox.models.micro evaluate`` scores
colour, shape and direction on held-out captions. The loader reads it with ``WanVACEPipeline.from_pretrained``
like any Hub model.
"""
