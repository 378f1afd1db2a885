"""An offline twin of ``stabilityai/stable-audio-open-1.0``: the real configuration with every size shrunk
(as diffusers' own StableAudioPipeline tests do), random weights, saved with ``save_pretrained`` and loaded
back through ``StableAudioPipeline.from_pretrained`` — so the sound stage's call signature and output are
exercised with no download. It makes noise, not music.

>>> REAL["transformer"]["num_layers"], shrink(REAL)["transformer"]["num_layers"]
(24, 2)
"""

from __future__ import annotations

from pathlib import Path

from sandbox.models.folders import write_folder

# stabilityai/stable-audio-open-1.0's component configs (the parts that set sizes)
REAL: dict[str, dict] = {
    "vae": {"encoder_hidden_size": 128, "downsampling_ratios": [2, 4, 4, 8, 8], "channel_multiples": [1, 2, 4, 8, 16],
            "decoder_channels": 128, "decoder_input_channels": 64, "audio_channels": 2, "sampling_rate": 44100},
    "transformer": {"sample_size": 1024, "in_channels": 64, "num_layers": 24, "attention_head_dim": 64,
                    "num_attention_heads": 24, "num_key_value_attention_heads": 12, "out_channels": 64,
                    "cross_attention_dim": 768, "time_proj_dim": 256, "global_states_input_dim": 1536,
                    "cross_attention_input_dim": 768},
    "projection_model": {"text_encoder_dim": 768, "conditioning_dim": 768, "min_value": 0, "max_value": 512},
    "scheduler": {"sigma_min": 0.3, "sigma_max": 500.0, "sigma_data": 1.0, "sigma_schedule": "exponential",
                  "prediction_type": "v_prediction", "solver_order": 2, "final_sigmas_type": "zero"},
}


def shrink(real: dict[str, dict]) -> dict[str, dict]:
    """Same structure (stereo, 44.1 kHz, five downsampling stages, v-prediction EDM), tiny widths and depths."""
    return {
        "vae": {**real["vae"], "encoder_hidden_size": 8, "channel_multiples": [1, 1, 1, 1, 1], "decoder_channels": 4,
                "decoder_input_channels": 4},
        "transformer": {**real["transformer"], "sample_size": 128, "in_channels": 4, "out_channels": 4, "num_layers": 2,
                        "attention_head_dim": 8, "num_attention_heads": 2, "num_key_value_attention_heads": 1,
                        "cross_attention_dim": 16, "time_proj_dim": 8, "global_states_input_dim": 16,
                        "cross_attention_input_dim": 8},
        "projection_model": {**real["projection_model"], "text_encoder_dim": 16, "conditioning_dim": 8},
        "scheduler": dict(real["scheduler"]),
    }


def build_twin(seed: int = 0):
    import torch
    from diffusers import AutoencoderOobleck, EDMDPMSolverMultistepScheduler, StableAudioDiTModel, StableAudioPipeline
    from diffusers.pipelines.stable_audio import StableAudioProjectionModel
    from transformers import T5Config, T5EncoderModel

    from sandbox.models.micro_audio.build import build_tokenizer

    torch.manual_seed(seed)
    sizes = shrink(REAL)
    text_encoder = T5EncoderModel(T5Config(vocab_size=64, d_model=16, d_kv=4, d_ff=32, num_layers=1, num_heads=2))
    return StableAudioPipeline(vae=AutoencoderOobleck(**sizes["vae"]), text_encoder=text_encoder,
                               projection_model=StableAudioProjectionModel(**sizes["projection_model"]),
                               tokenizer=build_tokenizer(), transformer=StableAudioDiTModel(**sizes["transformer"]),
                               scheduler=EDMDPMSolverMultistepScheduler(**sizes["scheduler"]))


def build(target: Path, seed: int = 0) -> Path:
    return write_folder(target, lambda tmp: build_twin(seed).save_pretrained(tmp))


def is_built(target: Path) -> bool:
    return (Path(target) / "model_index.json").is_file()
