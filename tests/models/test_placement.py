import pytest

from sandbox.models.placement import Hardware, PlacementConfig, choose_placement, parse_max_memory

GiB = 2**30
H100 = 80 * GiB


@pytest.mark.parametrize(
    ("model_gb", "gpus", "config", "kind", "label"),
    [
        (18, (), PlacementConfig(), "cpu", "cpu"),
        (18, (H100,), PlacementConfig(), "cuda", "cuda:0"),
        (18, (16 * GiB,), PlacementConfig(), "model_offload", "cuda:0 + model CPU offload"),
        (40, (24 * GiB, 24 * GiB), PlacementConfig(), "balanced", "cuda:0,1 balanced"),
        (18, (H100, H100), PlacementConfig(device_map="balanced"), "balanced", "cuda:0,1 balanced"),
        (18, (H100,), PlacementConfig(offload="group"), "group_offload", "cuda:0 + group offload"),
        (18, (H100,), PlacementConfig(device_map="cpu"), "cpu", "cpu"),
        (18, (), PlacementConfig(max_memory={"cpu": 4 * GiB}), "disk_offload", "cpu + disk offload"),
        (18, (H100,), PlacementConfig(max_memory={0: 8 * GiB}), "model_offload", "cuda:0 + model CPU offload"),
    ],
)
def test_policy(model_gb, gpus, config, kind, label):
    p = choose_placement(int(model_gb * 1e9), Hardware(gpu_memory=gpus, cpu_memory=64 * GiB), config)
    assert (p.kind, p.label) == (kind, label)


def test_balanced_passes_max_memory_per_device():
    p = choose_placement(30 * 10**9, Hardware(gpu_memory=(24 * GiB, 24 * GiB)),
                         PlacementConfig(max_memory={0: 20 * GiB, "cpu": 64 * GiB}))
    assert p.device_map == "balanced"
    assert p.max_memory == {0: 20 * GiB, 1: 24 * GiB, "cpu": 64 * GiB}


def test_offloaded_large_videos_tile_the_vae():
    assert choose_placement(18 * 10**9, Hardware(gpu_memory=(16 * GiB,)), PlacementConfig()).vae_tiling


def test_cuda_requested_without_gpu_is_a_clear_error():
    with pytest.raises(ValueError, match="no CUDA GPU"):
        choose_placement(10**9, Hardware(), PlacementConfig(device_map="cuda"))


def test_parse_max_memory():
    assert parse_max_memory("0=20GiB, 1=10GiB,cpu=1GB") == {0: 20 * GiB, 1: 10 * GiB, "cpu": 10**9}
    assert parse_max_memory(None) == {}
    with pytest.raises(ValueError, match="must look like `cpu=2GiB`"):
        parse_max_memory("lots")
    with pytest.raises(ValueError, match="size for 'cpu' must be like `2GiB`"):
        parse_max_memory("cpu=many")
