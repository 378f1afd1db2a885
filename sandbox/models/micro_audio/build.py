"""The micro audio pipeline's architecture (untrained): the classes of ``stabilityai/stable-audio-open-1.0``
(``StableAudioPipeline``: Oobleck VAE, T5 encoder, projection model, DiT, EDM DPM-Solver), much smaller."""

from __future__ import annotations

from sandbox.models.micro_audio.config import MicroAudioConfig

TOKENS = 16  # captions of the world are ≤ 11 words


def build_tokenizer(model_max_length: int = TOKENS):
    """The word-level tokenizer of the video models' world (``sandbox.models.tiny``), padded to fewer tokens."""
    from sandbox.models.tiny import build_tokenizer as build_words

    tokenizer = build_words()
    tokenizer.model_max_length = model_max_length
    return tokenizer


def build_scheduler(config: MicroAudioConfig):
    from diffusers import EDMDPMSolverMultistepScheduler

    return EDMDPMSolverMultistepScheduler(sigma_min=config.sigma_min, sigma_max=config.sigma_max, sigma_data=1.0,
                                          sigma_schedule="exponential", prediction_type="v_prediction",
                                          solver_order=2, final_sigmas_type="zero")


def build_vae(config: MicroAudioConfig):
    from diffusers import AutoencoderOobleck

    from sandbox.models.micro_audio.world import SAMPLE_RATE

    return AutoencoderOobleck(encoder_hidden_size=2 * config.latent_channels,  # mean and scale
                              downsampling_ratios=list(config.downsampling_ratios),
                              channel_multiples=list(config.channel_multiples),
                              decoder_channels=config.decoder_channels,
                              decoder_input_channels=config.latent_channels, audio_channels=2,
                              sampling_rate=SAMPLE_RATE)


def build_untrained(config: MicroAudioConfig, vae=None):
    """A ``StableAudioPipeline`` with fresh weights in the micro sizes (``vae``: a trained one to reuse)."""
    import torch
    from diffusers import StableAudioDiTModel, StableAudioPipeline
    from diffusers.pipelines.stable_audio import StableAudioProjectionModel
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(config.seed)
    text_encoder = T5EncoderModel(T5Config(vocab_size=64, d_model=config.text_dim, d_kv=8, d_ff=64, num_layers=2,
                                           num_heads=4, dropout_rate=0.0))
    projection = StableAudioProjectionModel(text_encoder_dim=config.text_dim, conditioning_dim=config.conditioning_dim,
                                            min_value=0, max_value=4)
    transformer = StableAudioDiTModel(
        sample_size=config.sample_size, in_channels=config.latent_channels, out_channels=config.latent_channels,
        num_layers=config.layers, attention_head_dim=config.head_dim, num_attention_heads=config.heads,
        num_key_value_attention_heads=config.heads // 2, cross_attention_dim=config.heads * config.head_dim,
        time_proj_dim=64, global_states_input_dim=2 * config.conditioning_dim,
        cross_attention_input_dim=config.conditioning_dim,
    )
    return StableAudioPipeline(vae=vae if vae is not None else build_vae(config), text_encoder=text_encoder,
                               projection_model=projection, tokenizer=build_tokenizer(), transformer=transformer,
                               scheduler=build_scheduler(config))
