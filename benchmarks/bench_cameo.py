"""The cameo check under attack, and how fast it is: one run prints

1. the attack table — per attack class, clips tried and refused (targets: >= 95% refused, 100% for copies of
   another user's face) and genuine clips passed (target >= 90%), through the real CameoService;
2. descriptor distances (dlib scale) that justify the uniqueness threshold: frames of one genuine clip,
   edited copies of a face (mirrored, rotated, zoomed, tinted, cropped), and different people;
3. the time to verify a 10 s clip on this CPU (target < 5 s).

``--per-class N`` (default 10) and ``--genuine N`` (default 20) set the sweep; needs ``flite``.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def distances() -> dict[str, list[float]]:
    import numpy as np

    from sandbox.cameo.faces import distance, face_models
    from sandbox.cameo.samples import COPIES, IDENTITIES, edited, identity_image

    models = face_models()

    def descriptor(image: np.ndarray) -> np.ndarray:
        face = models.faces(image, upsample=1)[0]
        return models.descriptor(image, face)

    originals = {name: descriptor(identity_image(name)) for name in IDENTITIES}
    copies = [distance(originals[name], descriptor(edited(identity_image(name), edit)))
              for name in IDENTITIES for edit in COPIES]
    people = [distance(originals[a], originals[b]) for a, b in itertools.combinations(IDENTITIES, 2)]
    people += [distance(originals[a], descriptor(edited(identity_image(b), edit)))
               for a, b in itertools.permutations(IDENTITIES, 2) for edit in COPIES]
    return {"copies of one face (edited)": copies, "different people": people}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--genuine", type=int, default=20)
    args = parser.parse_args()

    from sandbox.cameo.attacks import ATTACK_CLASSES, GENUINE, VICTIM_LOOK, attempt, table
    from sandbox.cameo.challenge import Challenge
    from sandbox.cameo.faces import face_models
    from sandbox.cameo.samples import flite_available, write_clip
    from sandbox.cameo.verification import verify_clip
    from sandbox.config import SandboxConfig
    from sandbox.context import Sandbox
    from sandbox.models.placement import Hardware

    if not flite_available():
        print("flite is not installed (apt-get install flite): cannot speak the challenge digits")
        return 1
    tmp = Path(tempfile.mkdtemp(prefix="sandbox-cameobench-"))
    face_models()  # load once, outside the timings

    # --- 3. speed: a 10 s clip
    challenge = Challenge("left, then right", "4719")
    ten = write_clip("genuine", challenge, tmp / "ten.mp4", min_seconds=10.0)
    times, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        report = verify_clip(ten, challenge)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # wall time depends on what else runs on the machine; CPU time of this process (ffmpeg decoding runs in a
    # child process and is not in it) is what one free core would take
    print(f"verify a 10 s clip (320x240, {len(report.traces.get('times', []))} frames looked at): wall median "
          f"{statistics.median(times):.2f} s, CPU median {statistics.median(cpu):.2f} s of {len(times)} runs "
          f"({'passed' if report.passed else 'REJECTED'}; target < 5 s); load average "
          f"{__import__('os').getloadavg()[0]:.1f} on {__import__('os').cpu_count()} cores", flush=True)

    # --- 2. distances
    print("\ndescriptor distances (dlib scale; the uniqueness threshold is 0.6):")
    for name, values in distances().items():
        print(f"  {name}: n={len(values)} min {min(values):.2f} median {statistics.median(values):.2f} "
              f"max {max(values):.2f}", flush=True)

    # --- 1. the attack table
    sb = Sandbox(SandboxConfig(data_dir=tmp / "data", models_dir=tmp / "models", rate_limit=None),
                 hardware=Hardware(gpu_memory=(), cpu_memory=24 * 2**30))
    rows: dict[str, list[int]] = {}
    failures: list[str] = []
    t0 = time.perf_counter()
    for i in range(args.genuine):
        outcome = attempt(sb, GENUINE, i, tmp, attacker="chloe")
        rows.setdefault(GENUINE, [0, 0])
        rows[GENUINE][0] += outcome.accepted
        rows[GENUINE][1] += 1
        if not outcome.accepted:
            failures.append(f"{GENUINE} #{i}:\n{outcome.detail}")
    ana = sb.identity.actor("ana", None)
    issued = sb.cameos.issue_challenge(ana.id)
    victim = write_clip("genuine", Challenge.parse(issued["text"]), tmp / "victim.mp4", look=VICTIM_LOOK)
    assert sb.cameos.create(ana.id, victim, issued["challenge_id"])["status"] == "verified"
    for attack in ATTACK_CLASSES:
        for i in range(args.per_class):
            outcome = attempt(sb, attack, i, tmp)
            row = rows.setdefault(attack, [0, 0])
            row[0] += not outcome.accepted
            row[1] += 1
            if outcome.accepted:
                failures.append(f"{attack} #{i} ACCEPTED:\n{outcome.detail}")
    sb.close()
    print(f"\nattack table ({time.perf_counter() - t0:.0f} s):")
    print(table(rows))
    for failure in failures:
        print("\n" + failure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
