"""The embedded default: a tiny random-weight Wan VACE pipeline built here, loaded like a Hub model.

Building is deterministic (fixed seed) and takes about a second. The result is saved with
``save_pretrained`` and loaded back by the loader with ``WanVACEPipeline.from_pretrained`` — the same
code path as every Hub model.

>>> from sandbox.models.tiny import build_tiny_pipeline
>>> pipe = build_tiny_pipeline()
>>> type(pipe).__name__
'WanVACEPipeline'
"""

from __future__ import annotations

from pathlib import Path

from sandbox.models.folders import write_folder

# The tiny text encoder has 64 embeddings: these words, three specials, and room to spare.
WORDS: tuple[str, ...] = (
    "a", "an", "the", "of", "on", "in", "with", "and", "to", "is",
    "red", "green", "blue", "yellow", "purple", "orange", "white", "black", "pink", "gray",
    "circle", "square", "triangle", "star", "cat", "dog", "fox", "robot", "person", "face", "ball",
    "moving", "left", "right", "up", "down", "growing", "spinning", "dancing", "running", "flying",
    "background", "sky", "sea", "city", "forest", "night", "day", "rain", "snow",
    "slowly", "quickly", "big", "small",
)
SPECIAL = ("[PAD]", "</s>", "[UNK]")
SEED = 0


def build_tokenizer():
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {tok: i for i, tok in enumerate(SPECIAL + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]",
                                   eos_token="</s>", model_max_length=64)


def build_tiny_pipeline(seed: int = SEED):
    """A ``WanVACEPipeline`` with tiny random weights (about 100k parameters)."""
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanVACEPipeline, WanVACETransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel

    torch.manual_seed(seed)
    tokenizer = build_tokenizer()
    assert len(tokenizer) <= 64, "vocabulary must fit the text encoder's 64 embeddings"
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=64, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4))
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    transformer = WanVACETransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=32, freq_dim=256, ffn_dim=32, num_layers=3, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, vace_layers=[0, 2], vace_in_channels=96,
    )
    scheduler = FlowMatchEulerDiscreteScheduler(shift=7.0)
    return WanVACEPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                           transformer=transformer, scheduler=scheduler)


LORA_DIR = "lora-fast"  # the "fast" preset's LoRA, next to the model (see model_cards/tiny-wan-vace.md)


def save_tiny_lora(pipe, target: Path, seed: int = SEED) -> None:
    """A rank-4 LoRA on the attention projections, saved with ``save_lora_weights``: it exercises the same
    ``load_lora_weights`` path as the real models' few-step LoRAs."""
    import torch
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    torch.manual_seed(seed + 1)
    pipe.transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                            target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    type(pipe).save_lora_weights(target, transformer_lora_layers=get_peft_model_state_dict(pipe.transformer))


def build(target: Path, seed: int = SEED) -> Path:
    """Build and ``save_pretrained`` the tiny model (and its preset LoRA) into ``target``, atomically."""
    target = Path(target)

    def write(tmp: Path) -> None:
        build_tiny_pipeline(seed).save_pretrained(tmp)
        save_tiny_lora(build_tiny_pipeline(seed), tmp / LORA_DIR, seed)

    return write_folder(target, write)


def is_built(target: Path) -> bool:
    return (Path(target) / "model_index.json").is_file() and (Path(target) / LORA_DIR).is_dir()
