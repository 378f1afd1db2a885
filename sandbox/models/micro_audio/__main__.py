"""``python -m sandbox.models.micro_audio train [--out DIR] [--steps N] [--vae-steps N] [--minutes M] [--dataset N]``
``python -m sandbox.models.micro_audio evaluate [--model DIR] [--samples N] [--steps N] [--json FILE]``
(the card's figures: ``evaluate --samples 80``, 16 steps; the app samples with the card's 8: ``--steps 8``)"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parents[3] / "models" / "micro-sound"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.models.micro_audio")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train the micro audio model from scratch")
    t.add_argument("--out", type=Path, default=DEFAULT_OUT)
    t.add_argument("--steps", type=int)
    t.add_argument("--vae-steps", type=int)
    t.add_argument("--vae-minutes", type=float)
    t.add_argument("--dataset", type=int, help="clips whose latents the DiT trains on")
    t.add_argument("--minutes", type=float, help="time budget for the whole run")
    e = sub.add_parser("evaluate", help="pitch, timbre and direction accuracy on held-out captions")
    e.add_argument("--model", type=Path, default=DEFAULT_OUT)
    e.add_argument("--samples", type=int, default=80, help="clips, cycling over the 40 held-out captions")
    e.add_argument("--steps", type=int, default=16, help="sampling steps (the app uses the card's 8)")
    e.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args(argv)
    if args.command == "train":
        from sandbox.models.micro_audio.config import MicroAudioConfig
        from sandbox.models.micro_audio.train import train

        overrides = {k: v for k, v in {"steps": args.steps, "vae_steps": args.vae_steps,
                                       "vae_budget_min": args.vae_minutes, "dataset": args.dataset,
                                       "time_budget_min": args.minutes}.items() if v is not None}
        train(args.out, replace(MicroAudioConfig(), **overrides))
    else:
        import json

        from sandbox.models.micro_audio.evaluate import evaluate

        scores = evaluate(args.model, samples=args.samples, steps=args.steps)
        print(json.dumps(scores, indent=1))
        if args.json:
            args.json.write_text(json.dumps(scores, indent=1))


if __name__ == "__main__":
    main()
