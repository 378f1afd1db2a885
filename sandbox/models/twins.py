"""Tiny random-weight twins of the real Hub models, built from their shipped configs with the sizes shrunk.

The way diffusers' own pipeline tests build tiny components: the real component classes and the real
configs (``model_configs/<card>/``), with widths, depths and vocabularies cut down so that a whole
generation takes a second on a CPU. A twin is saved with ``save_pretrained`` and loaded back by the loader
with the card's pipeline class (``<PipelineClass>.from_pretrained(folder)``) — the code path of the real model;
only the sizes differ. Tokenizers are word-level ones built here (no download).

What is shrunk: transformer widths and depths (same block types, attention layout, patch sizes, latent
channels, VACE in-channels, LTX-2's audio stream), text encoders (same classes: UMT5, T5, Gemma 3 with its
vision tower), the LTX-2 connectors and vocoder, and the VAEs' channel widths (Wan: same block layout;
LTX video VAEs: the one-level layout diffusers' tests use, since the real 32× compression needs 1024-pixel
frames to keep more than one latent pixel).

>>> from sandbox.models.twins import twin_configs
>>> twin_configs("wan2.1-vace-14b")["transformer"]["vace_layers"]
[0, 2]
"""

from __future__ import annotations

from pathlib import Path

from sandbox.models.arch import RealArch
from sandbox.models.folders import write_folder

TEXT_DIM = 32  # the twins' text encoders' width
VOCAB = 64  # the word-level tokenizer of sandbox.models.tiny fits in 64 embeddings

_WAN_TRANSFORMER = {"num_attention_heads": 2, "attention_head_dim": 12, "ffn_dim": 32, "num_layers": 2,
                    "text_dim": TEXT_DIM, "rope_max_seq_len": 32}
_T5 = {"vocab_size": VOCAB, "d_model": TEXT_DIM, "d_kv": 8, "d_ff": 64, "num_layers": 2, "num_heads": 4}
_LTX_VAE = {"latent_channels": 8, "block_out_channels": [8, 8, 8, 8], "decoder_block_out_channels": [8, 8, 8, 8],
            "layers_per_block": [1, 1, 1, 1, 1], "decoder_layers_per_block": [1, 1, 1, 1, 1],
            "spatio_temporal_scaling": [True, True, False, False],
            "decoder_spatio_temporal_scaling": [True, True, False, False],
            "decoder_inject_noise": [False, False, False, False, False],
            "upsample_residual": [False, False, False, False], "upsample_factor": [1, 1, 1, 1],
            "down_block_types": ["LTXVideoDownBlock3D"] * 4, "downsample_type": ["conv"] * 4,
            "timestep_conditioning": False, "patch_size": 1, "patch_size_t": 1,
            "spatial_compression_ratio": None, "temporal_compression_ratio": None}
_LTX2_VAE = {"latent_channels": 4, "block_out_channels": [8], "decoder_block_out_channels": [8],
             "layers_per_block": [1], "decoder_layers_per_block": [1, 1], "spatio_temporal_scaling": [True],
             "decoder_spatio_temporal_scaling": [True], "decoder_inject_noise": [False, False],
             "down_block_types": ["LTX2VideoDownBlock3D"], "downsample_type": ["spatial"],
             "upsample_type": ["spatiotemporal"], "upsample_residual": [False], "upsample_factor": [1],
             "timestep_conditioning": False, "patch_size": 1, "patch_size_t": 1,
             "spatial_compression_ratio": None, "temporal_compression_ratio": None}
_GEMMA3 = {"text_config": {"model_type": "gemma3_text", "vocab_size": VOCAB, "hidden_size": 32,
                           "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
                           "num_key_value_heads": 1, "head_dim": 8, "query_pre_attn_scalar": 8, "sliding_window": 16,
                           "max_position_embeddings": 256},
           "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 16, "intermediate_size": 32,
                             "num_hidden_layers": 1, "num_attention_heads": 2, "image_size": 28, "patch_size": 14,
                             "vision_use_head": False},
           "mm_tokens_per_image": 4, "boi_token_index": 61, "eoi_token_index": 62, "image_token_index": 63}


def twin_configs(card: str) -> dict[str, dict]:
    """Each component's real config with the sizes shrunk (everything else as shipped)."""
    arch = RealArch.load(card)
    out: dict[str, dict] = {}
    for name, component in arch.components.items():
        config = dict(component.config)
        cls = component.class_name
        if cls in ("WanTransformer3DModel", "WanVACETransformer3DModel"):
            config.update(_WAN_TRANSFORMER)
            if cls == "WanVACETransformer3DModel":
                config.update(num_layers=3, vace_layers=[0, 2])
        elif cls == "AutoencoderKLWan":
            if config.get("z_dim", 16) == 48:  # Wan 2.2: keep z_dim 48, the patchified input and the residual blocks
                config.update(base_dim=8, decoder_base_dim=8, num_res_blocks=1)
            else:
                config.update(base_dim=3, dim_mult=[1, 1, 1, 1], num_res_blocks=1)
        elif cls in ("UMT5EncoderModel", "T5EncoderModel"):
            config.update(_T5)
        elif cls == "LTXVideoTransformer3DModel":
            config.update(num_attention_heads=2, attention_head_dim=8, cross_attention_dim=16, num_layers=2,
                          caption_channels=TEXT_DIM, in_channels=8, out_channels=8)
        elif cls == "AutoencoderKLLTXVideo":
            config.update(_LTX_VAE)
        elif cls == "AutoencoderKLLTX2Video":
            config.update(_LTX2_VAE)
        elif cls == "Gemma3ForConditionalGeneration":
            config = {"model_type": "gemma3", **_GEMMA3}
        elif cls == "LTX2TextConnectors":
            text = _GEMMA3["text_config"]
            config.update(caption_channels=text["hidden_size"], text_proj_in_factor=text["num_hidden_layers"] + 1,
                          video_connector_num_attention_heads=4, video_connector_attention_head_dim=8,
                          video_connector_num_layers=1, video_connector_num_learnable_registers=None,
                          audio_connector_num_attention_heads=4, audio_connector_attention_head_dim=8,
                          audio_connector_num_layers=1, audio_connector_num_learnable_registers=None,
                          connector_rope_base_seq_len=32, rope_double_precision=False)
        elif cls == "LTX2VideoTransformer3DModel":
            config.update(in_channels=4, out_channels=4, num_attention_heads=2, attention_head_dim=8,
                          cross_attention_dim=16, audio_in_channels=4, audio_out_channels=4,
                          audio_num_attention_heads=2, audio_attention_head_dim=4, audio_cross_attention_dim=8,
                          num_layers=2, caption_channels=_GEMMA3["text_config"]["hidden_size"],
                          rope_double_precision=False)
        elif cls == "AutoencoderKLLTX2Audio":
            config.update(base_channels=4, ch_mult=[1], num_res_blocks=1, resolution=32, latent_channels=2,
                          mel_bins=8)
        elif cls == "LTX2Vocoder":
            config.update(in_channels=2 * 8, hidden_channels=32, upsample_kernel_sizes=[4, 4], upsample_factors=[2, 2],
                          resnet_kernel_sizes=[3], resnet_dilations=[[1, 3, 5]], output_sampling_rate=16000)
        out[name] = config
    return out


def build_twin_pipeline(card: str, seed: int = 0):
    """The card's pipeline class assembled from twin components with random weights."""
    import diffusers
    import torch

    from sandbox.models.tiny import build_tokenizer

    arch = RealArch.load(card)
    configs = twin_configs(card)
    parts: dict = {}
    for name, component in arch.components.items():
        torch.manual_seed(seed)
        parts[name] = component.instantiate(configs[name])
        if hasattr(parts[name], "tie_weights"):
            parts[name].tie_weights()
    parts["tokenizer"] = build_tokenizer()
    pipeline_cls = getattr(diffusers, arch.pipeline_class)
    import inspect

    accepted = set(inspect.signature(pipeline_cls.__init__).parameters)
    for optional in accepted - set(parts) - {"self"} - set(arch.pipeline_kwargs):
        parameter = inspect.signature(pipeline_cls.__init__).parameters[optional]
        if parameter.default is inspect.Parameter.empty:
            raise ValueError(f"{arch.pipeline_class} needs a `{optional}` component that model_configs/{card} lacks")
        parts[optional] = parameter.default
    return pipeline_cls(**parts, **arch.pipeline_kwargs)


def build(card: str, target: Path, seed: int = 0) -> Path:
    """Build and ``save_pretrained`` the twin of ``card`` into ``target``, atomically."""
    return write_folder(target, lambda tmp: build_twin_pipeline(card, seed).save_pretrained(tmp))


def is_built(target: Path) -> bool:
    return (Path(target) / "model_index.json").is_file()
