"""An invisible mark that carries a 32-bit code through the ways people copy videos.

Why our own and not ``invisible-watermark``: its DWT-DCT methods put one bit per 4×4 block of the Haar
band on a grid fixed to the image's corner, so a crop or a resize that moves that grid loses the payload; its
RivaGAN model needs onnxruntime and 256×256 frames; and the package requires ``opencv-python``, which breaks
the project's ``opencv-python-headless`` in the same environment.

How it works (a tiled, synchronised spread-spectrum mark in luma):

- A *tile* of 16×16 cells: 64 cells hold a fixed sync pattern, 192 hold the 48-bit word (32-bit code +
  CRC-16) four times, each cell's sign scrambled. The tile repeats over the frame, its size relative to the
  frame's short side (16 cells per 256 px at the working resolution), so scaling a copy changes nothing.
- The same pattern is added (± ``amplitude`` levels of luma, edges softened) to every frame: the codec keeps
  it in static areas, and frame-rate changes, trims and moving content do not matter — the reader averages
  the frames, so content that moves fades and the mark adds up.
- The reader high-passes the average frame, folds it onto one tile (every tile adds up), finds the sync
  pattern by FFT cross-correlation over every offset (a crop moves the grid), a range of zooms (a crop makes
  the tile bigger relative to the frame) and both orientations (a mirrored copy), then reads the cells at
  that place, votes the three copies with soft values and checks the CRC (trying the least sure bits).

>>> import numpy as np
>>> frames = np.full((6, 256, 256, 3), 120, np.uint8)
>>> marked = embed_mark(frames, 0x1234_ABCD)
>>> read_mark(marked).code == 0x1234_ABCD
True
>>> read_mark(frames).code is None
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

CODE_BITS = 32  # 4 billion codes for the marks table; fewer bits, more copies of each: a surer read
CRC_BITS = 16
WORD_BITS = CODE_BITS + CRC_BITS
CELLS = 16  # the tile is CELLS × CELLS cells
SYNC_CELLS = 64
COPIES = (CELLS * CELLS - SYNC_CELLS) // WORD_BITS  # each word bit is written in this many cells
WORK_SHORT = 256  # the reader resizes frames so that their short side is this many pixels …
CELL_PX = 8  # … where one cell is this many pixels, and one tile 128
TILE_PX = CELLS * CELL_PX
KEY = 0x5A4D  # seeds the cell layout, the sync pattern and the scrambling: the mark's secret
MAX_READ_FRAMES = 96  # frames averaged by the reader (a long upload is subsampled)


@dataclass(frozen=True)
class MarkConfig:
    """How strong the mark is and how hard the reader looks for it.

    >>> MarkConfig(amplitude=2.5).amplitude
    2.5
    """

    amplitude: float = 3.8  # luma levels; ±3.8 with softened edges keeps PSNR ≥ 38 dB against the unmarked frames
    max_zoom: float = 1.4  # the reader tries zooms 1 … max_zoom: a crop to 1/max_zoom of the frame still reads
    zoom_step: float = 0.02
    min_sync_z: float = 4.5  # sync peak (in standard deviations of the correlation surface) to trust a read
    chase_bits: int = 4  # the least sure bits the reader tries flipping before giving up on the CRC

    def __post_init__(self) -> None:
        if not 0.5 <= self.amplitude <= 12:
            raise ValueError(f"`amplitude` must be between 0.5 and 12 luma levels but is {self.amplitude}")
        if not 1.0 <= self.max_zoom <= 2.0:
            raise ValueError(f"`max_zoom` must be between 1 and 2 but is {self.max_zoom}")
        if not 0.005 <= self.zoom_step <= 0.1:
            raise ValueError(f"`zoom_step` must be between 0.005 and 0.1 but is {self.zoom_step}")
        if not 0 <= self.chase_bits <= 8:
            raise ValueError(f"`chase_bits` must be between 0 and 8 (2**n CRC checks) but is {self.chase_bits}")


@dataclass
class MarkReading:
    """What the reader found: the code (None when no mark could be read) and how sure it is."""

    code: int | None
    sync_z: float = 0.0  # strength of the sync peak
    bit_margin: float = 0.0  # the weakest bit's soft value relative to the mean one (0 = a coin toss)
    frames_read: int = 0
    frames_carrying: int = 0  # frames that alone give the same word (≥ 90% of its bits)
    zoom: float = 1.0
    mirrored: bool = False
    corrected_bits: int = 0
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"code": None if self.code is None else format(self.code, "08x"), "sync_z": round(self.sync_z, 1),
                "bit_margin": round(self.bit_margin, 2), "frames_read": self.frames_read,
                "frames_carrying": self.frames_carrying, "zoom": round(self.zoom, 3), "mirrored": self.mirrored,
                "corrected_bits": self.corrected_bits}


# ------------------------------------------------------------------ the code
def crc16(value: int, bits: int = CODE_BITS) -> int:
    """CRC-16/CCITT of ``value``'s ``bits`` bits (MSB first).

    >>> hex(crc16(0))
    '0x84c0'
    """
    crc = 0xFFFF
    for i in range(bits - 1, -1, -1):
        top = ((crc >> 15) & 1) ^ ((value >> i) & 1)
        crc = ((crc << 1) & 0xFFFF) ^ (0x1021 if top else 0)
    return crc


def word_bits(code: int) -> np.ndarray:
    """The 64 bits written for ``code``: the code then its CRC, as ±1."""
    if not 0 <= code < 2**CODE_BITS:
        raise ValueError(f"`code` must be a {CODE_BITS}-bit non-negative integer but is {code}")
    word = (code << CRC_BITS) | crc16(code)
    return np.array([1.0 if (word >> (WORD_BITS - 1 - i)) & 1 else -1.0 for i in range(WORD_BITS)])


def bits_to_code(bits: np.ndarray) -> int | None:
    """The code if the CRC holds, else None."""
    word = 0
    for b in bits:
        word = (word << 1) | int(b > 0)
    code, crc = word >> CRC_BITS, word & (2**CRC_BITS - 1)
    return code if crc16(code) == crc else None


# ------------------------------------------------------------------ the tile
@lru_cache(maxsize=1)
def layout() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(sync cell mask, sync signs, word-bit index per cell (−1 for sync), scramble signs), each CELLS×CELLS."""
    rng = np.random.default_rng(KEY)
    order = rng.permutation(CELLS * CELLS)
    sync_mask = np.zeros(CELLS * CELLS, bool)
    sync_mask[order[:SYNC_CELLS]] = True
    sync_signs = np.zeros(CELLS * CELLS)
    sync_signs[order[:SYNC_CELLS]] = rng.permutation(np.repeat([1.0, -1.0], SYNC_CELLS // 2))
    bit_index = np.full(CELLS * CELLS, -1)
    bit_index[order[SYNC_CELLS:]] = np.arange(CELLS * CELLS - SYNC_CELLS) % WORD_BITS
    scramble = rng.choice([-1.0, 1.0], CELLS * CELLS)
    shape = (CELLS, CELLS)
    return sync_mask.reshape(shape), sync_signs.reshape(shape), bit_index.reshape(shape), scramble.reshape(shape)


def tile_cells(code: int) -> np.ndarray:
    """The ±1 value of every cell of the tile for ``code``."""
    sync_mask, sync_signs, bit_index, scramble = layout()
    bits = word_bits(code)
    return np.where(sync_mask, sync_signs, bits[np.maximum(bit_index, 0)] * scramble)


def _soften(cells_px: np.ndarray) -> np.ndarray:
    """Blur the cell edges a little (wrapping round the tile): less visible, and the codec keeps more of it."""
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(cells_px, sigma=CELL_PX / 5, mode="wrap")


def pattern(code: int, height: int, width: int) -> np.ndarray:
    """The mark for a frame of ``height`` × ``width``: the tile repeated, scaled with the frame. Zero mean,
    peak about ±1.

    >>> pattern(7, 64, 96).shape
    (64, 96)
    """
    from PIL import Image

    tile = _soften(np.kron(tile_cells(code), np.ones((CELL_PX, CELL_PX))))
    scale = WORK_SHORT / min(height, width)
    wh, ww = round(height * scale), round(width * scale)
    work = np.tile(tile, (-(-wh // TILE_PX), -(-ww // TILE_PX)))[:wh, :ww].astype(np.float32)
    return np.asarray(Image.fromarray(work, mode="F").resize((width, height), Image.BILINEAR))


def embed_mark(frames: np.ndarray, code: int, config: MarkConfig | None = None) -> np.ndarray:
    """``frames`` (T, H, W, 3) uint8 with the mark for ``code`` added to every frame's luma."""
    config = config or MarkConfig()
    _, h, w, _ = frames.shape
    delta = np.round(pattern(code, h, w) * config.amplitude).astype(np.int16)  # whole levels: ints are cheaper
    return np.clip(frames.astype(np.int16) + delta[None, :, :, None], 0, 255).astype(np.uint8)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between two uint8 arrays (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


# ------------------------------------------------------------------ the reader
def _luma(frames: np.ndarray) -> np.ndarray:
    f = frames.astype(np.float32)
    return 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]


def _highpass(img: np.ndarray, cell: float) -> np.ndarray:
    """Keep the cell-sized detail and drop the scene's broad shapes; then weight each place by how quiet
    the scene is there (a whitening step), so that textured places — where the scene, not the mark,
    dominates the detail — do not outvote the flat ones."""
    from scipy.ndimage import gaussian_filter

    res = img - gaussian_filter(img, sigma=cell * 1.2, mode="reflect")
    energy = np.sqrt(gaussian_filter(res * res, sigma=cell * 2, mode="reflect"))
    return np.clip(res / (energy + 1.0), -2.0, 2.0)


def _resize(img: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.fromarray(img.astype(np.float32), mode="F").resize((width, height), Image.BILINEAR))


def _fold(res: np.ndarray) -> np.ndarray:
    """Sum the residual onto one tile (position modulo the tile), normalised by how often each place was hit."""
    h, w = res.shape
    ph, pw = -(-h // TILE_PX) * TILE_PX, -(-w // TILE_PX) * TILE_PX
    padded, count = np.zeros((ph, pw), np.float32), np.zeros((ph, pw), np.float32)
    padded[:h, :w], count[:h, :w] = res, 1.0
    shape = (ph // TILE_PX, TILE_PX, pw // TILE_PX, TILE_PX)
    return padded.reshape(shape).sum((0, 2)) / np.maximum(count.reshape(shape).sum((0, 2)), 1.0)


@lru_cache(maxsize=1)
def _sync_spectrum() -> np.ndarray:
    sync_mask, sync_signs, _, _ = layout()
    template = np.kron(np.where(sync_mask, sync_signs, 0.0), np.ones((CELL_PX, CELL_PX)))
    return np.conj(np.fft.fft2(template))


def _cells_at(folded: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Mean of every cell when the tile starts at (dy, dx) of the folded residual."""
    rolled = np.roll(folded, (-dy, -dx), axis=(0, 1))
    return rolled.reshape(CELLS, CELL_PX, CELLS, CELL_PX).mean((1, 3))


def _soft_bits(cells: np.ndarray) -> np.ndarray:
    _, _, bit_index, scramble = layout()
    values = (cells * scramble)[bit_index >= 0]
    return np.bincount(bit_index[bit_index >= 0], weights=values, minlength=WORD_BITS)


def _decode(soft: np.ndarray, chase_bits: int) -> tuple[int | None, int]:
    """The code from soft bits (CRC-checked), flipping up to all combinations of the least sure bits."""
    weakest = np.argsort(np.abs(soft))[:chase_bits]
    hard = np.sign(soft) + (soft == 0)
    for combo in sorted(range(2**chase_bits), key=lambda c: bin(c).count("1")):
        trial = hard.copy()
        for j, i in enumerate(weakest):
            if combo >> j & 1:
                trial[i] = -trial[i]
        code = bits_to_code(trial)
        if code is not None:
            return code, bin(combo).count("1")
    return None, 0


def _residual(luma: np.ndarray, mirrored: bool, zoom: float) -> np.ndarray:
    """High-passed ``luma`` (H, W), mirrored if asked, resized to the working resolution for ``zoom``."""
    h, w = luma.shape
    img = luma[:, ::-1] if mirrored else luma
    res = _highpass(img, CELL_PX * min(h, w) / WORK_SHORT)
    scale = WORK_SHORT / min(h, w) / zoom
    return _resize(res, round(h * scale), round(w * scale))


def read_mark(frames: np.ndarray, config: MarkConfig | None = None) -> MarkReading:
    """Find the mark in ``frames`` (T, H, W, 3) uint8, whatever their size, crop, orientation or frame rate.

    ``zoom``: how much bigger the copy shows the picture than the original did (a crop to 80% shown at any
    size is 1.25).
    """
    config = config or MarkConfig()
    if len(frames) > MAX_READ_FRAMES:
        frames = frames[np.linspace(0, len(frames) - 1, MAX_READ_FRAMES).round().astype(int)]
    luma = _luma(frames)
    if min(luma.shape[1:]) > 2 * WORK_SHORT:  # the cells are ≥ 8 px at twice the working size: read there
        scale = 2 * WORK_SHORT / min(luma.shape[1:])
        size = (round(luma.shape[1] * scale), round(luma.shape[2] * scale))
        luma = np.stack([_resize(one, *size) for one in luma])
    mean = luma.mean(0)
    h, w = mean.shape
    spectrum = _sync_spectrum()
    res = _highpass(mean, CELL_PX * min(h, w) / WORK_SHORT)
    best = None
    for zoom in np.arange(1.0, config.max_zoom + 1e-9, config.zoom_step):
        scale = WORK_SHORT / min(h, w) / zoom
        folded = _fold(_resize(res, round(h * scale), round(w * scale)))
        for mirrored in (False, True):
            # a mirrored picture folds onto the mirrored tile (shifted, and every shift is searched)
            tile = folded[:, ::-1] if mirrored else folded
            corr = np.real(np.fft.ifft2(np.fft.fft2(tile) * spectrum))
            peak = int(np.argmax(corr))
            z = float((corr.flat[peak] - corr.mean()) / (corr.std() + 1e-9))
            if best is None or z > best[0]:
                best = (z, mirrored, float(zoom))
    z, mirrored, zoom = best
    reading = MarkReading(code=None, sync_z=z, frames_read=len(frames), zoom=zoom, mirrored=mirrored)
    if z < config.min_sync_z:
        return reading
    folded = _fold(_residual(mean, mirrored, zoom))
    corr = np.real(np.fft.ifft2(np.fft.fft2(folded) * spectrum))
    dy, dx = divmod(int(np.argmax(corr)), TILE_PX)
    soft = _soft_bits(_cells_at(folded, dy, dx))
    code, corrected = _decode(soft, config.chase_bits)
    reading.bit_margin = float(np.abs(soft).min() / (np.abs(soft).mean() + 1e-9))
    if code is None:
        return reading
    reading.code, reading.corrected_bits = code, corrected
    expected = word_bits(code)
    reading.frames_carrying = sum(
        int(np.mean(np.sign(_soft_bits(_cells_at(_fold(_residual(one, mirrored, zoom)), dy, dx))) == expected) >= 0.9)
        for one in luma)
    return reading
