"""Rewrite ``model_configs/`` from a diffusers source checkout (the conversion scripts hold the real configs).

    python scripts/model_configs_from_diffusers.py /path/to/diffusers [commit]

Each component's JSON carries ``_class_name``, ``_library`` and ``_source`` (file + repo + commit, or the Hub
config.json it reproduces). Text encoder configs are the published ``config.json`` values of their Hub repos
(the conversion scripts load those by id), written out here.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "model_configs"
DIFFUSERS = "github.com/huggingface/diffusers"


def script_functions(path: Path, names: list[str]) -> dict:
    """The named top-level functions of a conversion script, without importing the script (it downloads)."""
    tree = ast.parse(path.read_text())
    scope: dict = {"__builtins__": __builtins__}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in names:
            node.returns = None
            for arg in node.args.args:
                arg.annotation = None
            exec(compile(ast.Module([node], []), str(path), "exec"), scope)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith(("DICT", "REMAP"))
                                                   for t in node.targets):
            for t in node.targets:
                scope[t.id] = {}
    return scope


def literal(path: Path, name: str):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise KeyError(name)


UMT5_XXL = {"_class_name": "UMT5EncoderModel", "_library": "transformers",
            "_source": "config.json of google/umt5-xxl (Hub), loaded by id in scripts/convert_wan_to_diffusers.py",
            "model_type": "umt5", "vocab_size": 256384, "d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": 24,
            "num_heads": 64, "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
            "feed_forward_proj": "gated-gelu", "layer_norm_epsilon": 1e-6, "dropout_rate": 0.1,
            "tie_word_embeddings": False, "is_encoder_decoder": True}
T5_XXL = {"_class_name": "T5EncoderModel", "_library": "transformers",
          "_source": "config.json of google/t5-v1_1-xxl (Hub), loaded by id in scripts/convert_ltx_to_diffusers.py",
          "model_type": "t5", "vocab_size": 32128, "d_model": 4096, "d_kv": 64, "d_ff": 10240, "num_layers": 24,
          "num_heads": 64, "relative_attention_num_buckets": 32, "feed_forward_proj": "gated-gelu",
          "layer_norm_epsilon": 1e-6, "dropout_rate": 0.1, "tie_word_embeddings": False}
GEMMA3_12B = {"_class_name": "Gemma3ForConditionalGeneration", "_library": "transformers",
              "_source": "config.json of google/gemma-3-12b-it (Hub; LTX-2 uses its QAT-unquantized twin "
                         "google/gemma-3-12b-it-qat-q4_0-unquantized, same architecture), loaded by id in "
                         "scripts/convert_ltx2_to_diffusers.py",
              "model_type": "gemma3", "mm_tokens_per_image": 256, "boi_token_index": 255999,
              "eoi_token_index": 256000, "image_token_index": 262144,
              "text_config": {"model_type": "gemma3_text", "vocab_size": 262208, "hidden_size": 3840,
                              "intermediate_size": 15360, "num_hidden_layers": 48, "num_attention_heads": 16,
                              "num_key_value_heads": 8, "head_dim": 256, "query_pre_attn_scalar": 256,
                              "sliding_window": 1024, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
                              "rope_scaling": {"factor": 8.0, "rope_type": "linear"},
                              "max_position_embeddings": 131072},
              "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 1152, "intermediate_size": 4304,
                                "num_hidden_layers": 27, "num_attention_heads": 16, "image_size": 896,
                                "patch_size": 14, "vision_use_head": False}}


def write(card: str, components: dict[str, dict], pipeline: dict) -> None:
    folder = OUT / card
    folder.mkdir(parents=True, exist_ok=True)
    for name, cfg in components.items():
        (folder / f"{name}.json").write_text(json.dumps(cfg, indent=1) + "\n")
    (folder / "pipeline.json").write_text(json.dumps(pipeline, indent=1) + "\n")


def main(repo: Path, commit: str) -> None:
    at = f"@{commit[:12]}" if commit else ""
    wan_py, ltx_py, ltx2_py = (repo / "scripts" / f"convert_{name}_to_diffusers.py" for name in ("wan", "ltx", "ltx2"))
    wan = script_functions(wan_py, ["get_transformer_config"])
    vae22 = literal(wan_py, "vae22_diffusers_config")

    def src(path: Path, what: str) -> str:
        return f"{DIFFUSERS}{at} {path.relative_to(repo)} {what}"

    def wan_transformer(model_type: str, cls: str) -> dict:
        cfg = wan["get_transformer_config"](model_type)
        cfg = cfg[0] if isinstance(cfg, tuple) else cfg
        return {"_class_name": cls, "_library": "diffusers",
                "_source": src(wan_py, f"get_transformer_config({model_type!r}) (Hub: {cfg['model_id']})"),
                **cfg["diffusers_config"]}

    wan21_vae = {"_class_name": "AutoencoderKLWan", "_library": "diffusers",
                 "_source": src(wan_py, "convert_vae(): AutoencoderKLWan() with its defaults (Wan2.1_VAE.pth)")}
    wan22_vae = {"_class_name": "AutoencoderKLWan", "_library": "diffusers",
                 "_source": src(wan_py, "vae22_diffusers_config (Wan2.2_VAE.pth)"), **vae22}

    def unipc(shift: float) -> dict:
        return {"_class_name": "UniPCMultistepScheduler", "_library": "diffusers",
                "_source": src(wan_py, f"__main__: UniPCMultistepScheduler(flow_shift={shift})"),
                "prediction_type": "flow_prediction", "use_flow_sigmas": True, "num_train_timesteps": 1000,
                "flow_shift": shift}

    for card, model_type, cls, vae, shift, pipe_cls, extra in (
            ("wan2.1-t2v-1.3b", "Wan-T2V-1.3B", "WanTransformer3DModel", wan21_vae, 3.0, "WanPipeline", {}),
            ("wan2.1-vace-1.3b", "Wan-VACE-1.3B", "WanVACETransformer3DModel", wan21_vae, 3.0, "WanVACEPipeline", {}),
            ("wan2.1-vace-14b", "Wan-VACE-14B", "WanVACETransformer3DModel", wan21_vae, 3.0, "WanVACEPipeline", {}),
            ("wan2.2-ti2v-5b", "Wan2.2-TI2V-5B", "WanTransformer3DModel", wan22_vae, 5.0, "WanPipeline",
             {"expand_timesteps": True})):
        write(card, {"transformer": wan_transformer(model_type, cls), "vae": vae, "text_encoder": UMT5_XXL,
                     "scheduler": unipc(shift)},
              {"_class_name": pipe_cls, "_source": src(wan_py, "__main__ (pipeline assembly)"), **extra,
               "tokenizer": "google/umt5-xxl"})

    ltx = script_functions(ltx_py, ["get_transformer_config", "get_vae_config"])
    for card, version, pipe_cls, scheduler in (
            ("ltx-video", "0.9.1", "LTXPipeline",
             {"use_dynamic_shifting": True, "base_shift": 0.95, "max_shift": 2.05, "base_image_seq_len": 1024,
              "max_image_seq_len": 4096, "shift_terminal": 0.1}),
            ("ltx-video-0.9.7", "0.9.7", "LTXConditionPipeline", {"use_dynamic_shifting": False})):
        write(card, {
            "transformer": {"_class_name": "LTXVideoTransformer3DModel", "_library": "diffusers",
                            "_source": src(ltx_py, f"get_transformer_config({version!r})"),
                            **ltx["get_transformer_config"](version)},
            "vae": {"_class_name": "AutoencoderKLLTXVideo", "_library": "diffusers",
                    "_source": src(ltx_py, f"get_vae_config({version!r})"), **ltx["get_vae_config"](version)},
            "text_encoder": T5_XXL,
            "scheduler": {"_class_name": "FlowMatchEulerDiscreteScheduler", "_library": "diffusers",
                          "_source": src(ltx_py, f"__main__: scheduler for {version}"), **scheduler}},
            {"_class_name": pipe_cls, "_source": src(ltx_py, "__main__ (pipeline assembly)"),
             "tokenizer": "google/t5-v1_1-xxl"})

    names = {"transformer": ("get_ltx2_transformer_config", "LTX2VideoTransformer3DModel", "diffusers"),
             "connectors": ("get_ltx2_connectors_config", "LTX2TextConnectors", "diffusers.pipelines.ltx2"),
             "vae": ("get_ltx2_video_vae_config", "AutoencoderKLLTX2Video", "diffusers"),
             "audio_vae": ("get_ltx2_audio_vae_config", "AutoencoderKLLTX2Audio", "diffusers"),
             "vocoder": ("get_ltx2_vocoder_config", "LTX2Vocoder", "diffusers.pipelines.ltx2.vocoder")}
    ltx2 = script_functions(ltx2_py, [f for f, _, _ in names.values()])
    components = {}
    for name, (fn, cls, library) in names.items():
        cfg = ltx2[fn]("2.0")
        cfg = cfg[0] if isinstance(cfg, tuple) else cfg
        components[name] = {"_class_name": cls, "_library": library,
                            "_source": src(ltx2_py, f"{fn}('2.0') (Hub: {cfg['model_id']})"), **cfg["diffusers_config"]}
    components["text_encoder"] = GEMMA3_12B
    components["scheduler"] = {"_class_name": "FlowMatchEulerDiscreteScheduler", "_library": "diffusers",
                               "_source": src(ltx2_py, "__main__: scheduler of the non-distilled checkpoint"),
                               "use_dynamic_shifting": True, "base_shift": 0.95, "max_shift": 2.05,
                               "base_image_seq_len": 1024, "max_image_seq_len": 4096, "shift_terminal": 0.1}
    write("ltx-2", components, {"_class_name": "LTX2Pipeline", "_source": src(ltx2_py, "__main__ (pipeline assembly)"),
                                "tokenizer": "google/gemma-3-12b-it-qat-q4_0-unquantized"})


if __name__ == "__main__":
    repo = Path(sys.argv[1])
    commit = sys.argv[2] if len(sys.argv) > 2 else subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    main(repo, commit)
