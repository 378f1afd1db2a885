"""Which unrelated test-image clips of ``bench_provenance.py`` match the image posts, and how: publishes only the
480p image posts (IMAGES[:4], motion 0, as the bench's main() does) and looks up the clips of those images that
``unrelated_videos()`` makes, printing each match (post, by mark or fingerprint, distance). Cheap: no micro
generations. ``python benchmarks/probe_image_false_matches.py``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_provenance import IMAGES, REPO, image_clip, lookup, make_sandbox, publish


def main() -> int:
    from sandbox.generation.video import encode_mp4

    work = Path(tempfile.mkdtemp(prefix="probe-provenance-"))
    sb = make_sandbox(work / "main", REPO / "data" / "models")
    clips = iter(range(1000))
    sb.generation._run_on_gpu = lambda loaded, req, progress, **kw: (
        lambda i: image_clip(IMAGES[i % len(IMAGES)], i // len(IMAGES)))(next(clips))
    posts = {publish(sb, ["ana", "ben", "chloe"][i % 3], f"clip {n}", i)[0]: n for i, n in enumerate(IMAGES[:4])}
    viewer = sb.identity.actor("emi", None).id
    sizes = [(480, 854), (360, 640), (240, 426)]
    for name in IMAGES[:4]:
        for motion in (1, 2, 3, 4, 5):  # the bench's motions for posted images (4 and 5 wrap to 0 and 1)
            for size in sizes:
                path = work / f"{name}-{motion}-{size[0]}.mp4"
                encode_mp4(image_clip(name, motion, 17, *size), path, 8)
                m = lookup(sb, viewer, path)
                named = bool(m and (m["post_id"] or m["draft_id"] or m["private_draft"]))
                fp = (m or {}).get("fingerprint") or {}
                print(f"{name:<10} motion {motion} ({motion % 4}) {size[0]}p  named={named!s:<5} "
                      f"post={posts.get((m or {}).get('post_id'), '-'):<10} by={(m or {}).get('by')} "
                      f"fp_dist={fp.get('distance_bits')} crop={fp.get('crop')}", flush=True)
    sb.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
