"""Our CPU RoIAlign against mmcv's on the same inputs."""
import multiprocessing as mp

import pytest
import torch
from mmcv.ops import RoIAlign as MMCVRoIAlign
from mmcv.ops import roi_align

from qdtrack.ops import (
    RoIAlign,
    roi_align_forward_cpu,
    use_cpu_roi_align,
)


def _rois(num, batch, width, height, seed=0):
    """Random RoIs in image coordinates, plus edge cases."""
    gen = torch.Generator().manual_seed(seed)
    xy = torch.rand(num, 2, generator=gen) * torch.tensor([width, height])
    wh = torch.rand(num, 2, generator=gen) * torch.tensor(
        [width, height]) * 0.5 + 1
    inds = torch.randint(0, batch, (num, 1), generator=gen).float()
    rois = torch.cat([inds, xy, xy + wh], dim=1)
    edge = torch.tensor([
        [0, -3., -2., 50., 40.],  # starts outside the image
        [0, width - 20., height - 20., width + 5., height + 5.],  # ends out
        [0, 0., 0., 0.5, 0.5],  # smaller than a feature pixel
        [0, 10., 10., 10., 10.],  # empty
        [batch - 1, 0., 0., width, height],  # the whole image
    ])
    return torch.cat([rois, edge])


@pytest.mark.parametrize('sampling_ratio', [0, 1, 2])
@pytest.mark.parametrize('aligned', [True, False])
@pytest.mark.parametrize('channels_last', [False, True])
def test_equals_mmcv(sampling_ratio, aligned, channels_last):
    torch.manual_seed(0)
    feats = torch.randn(2, 16, 19, 27)
    rois = _rois(60, 2, 27 * 4, 19 * 4)
    ref = roi_align(feats, rois, (7, 6), 0.25, sampling_ratio, 'avg',
                    aligned)
    if channels_last:
        feats = feats.contiguous(memory_format=torch.channels_last)
    out = roi_align_forward_cpu(feats, rois, (7, 6), 0.25, sampling_ratio,
                                aligned)
    assert out.shape == ref.shape == (65, 16, 7, 6)
    assert out.is_contiguous()
    # same float32 operations in the same order
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-6)
    assert ref.abs().sum() > 0
    if aligned and sampling_ratio == 0:  # an empty RoI has no sample
        assert (ref[-2] == 0).all()


def test_threads_do_not_change_results():
    feats = torch.randn(1, 8, 30, 40)
    rois = _rois(200, 1, 160, 120, seed=1)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = roi_align_forward_cpu(feats, rois, 7, 0.25, 0)
        torch.set_num_threads(2)
        two = roi_align_forward_cpu(feats, rois, 7, 0.25, 0)
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(one, two)


def test_errors_and_empty():
    feats = torch.randn(1, 4, 8, 8)
    assert roi_align_forward_cpu(feats, torch.zeros(0, 5), 7).shape == (0, 4,
                                                                        7, 7)
    with pytest.raises(ValueError, match='x2 < x1'):
        roi_align_forward_cpu(feats, torch.tensor([[0, 5., 0., 1., 3.]]), 7)
    with pytest.raises(ValueError, match='non-finite'):
        roi_align_forward_cpu(feats, torch.tensor([[0, 0., 0., 4., 1e40]]),
                              7)
    with pytest.raises(ValueError, match='batch indices'):
        roi_align_forward_cpu(feats, torch.tensor([[1, 0., 0., 4., 4.]]), 7)
    with pytest.raises(ValueError, match=r'\(R, 5\)'):
        roi_align_forward_cpu(feats, torch.zeros(3, 4), 7)
    with pytest.raises(ValueError, match='float32'):
        roi_align_forward_cpu(feats.double(), torch.zeros(1, 5), 7)


def test_training_uses_mmcv_and_inference_ours():
    layer = RoIAlign(7, 0.5, 2)
    feats = torch.randn(1, 4, 16, 16, requires_grad=True)
    rois = torch.tensor([[0, 2., 3., 20., 25.], [0, 0., 0., 31., 31.]])
    ref = MMCVRoIAlign(7, 0.5, 2)
    # a gradient is needed: mmcv's op with its backward, same gradients
    layer(feats, rois).sum().backward()
    grad = feats.grad.clone()
    feats.grad = None
    ref(feats, rois).sum().backward()
    assert torch.equal(grad, feats.grad)
    # none is: our kernel, channels-last features read in place
    with torch.no_grad():
        nhwc = feats.contiguous(memory_format=torch.channels_last)
        torch.testing.assert_close(layer(nhwc, rois), ref(feats, rois),
                                   rtol=0, atol=1e-6)
    with torch.no_grad():
        # an error only our kernel raises shows which one ran
        with pytest.raises(ValueError, match='batch indices'):
            layer(feats, torch.tensor([[3, 0., 0., 4., 4.]]))


def test_module_falls_back_to_mmcv():
    feats = torch.randn(1, 4, 16, 16)
    rois = torch.tensor([[0, 2., 3., 20., 25.], [0, 0., 0., 31., 31.]])
    # max pooling and float64 are mmcv's
    max_layer = RoIAlign(7, 0.5, 2, pool_mode='max')
    assert torch.equal(max_layer(feats, rois),
                       MMCVRoIAlign(7, 0.5, 2, pool_mode='max')(feats, rois))
    layer = RoIAlign(7, 0.5, 2)
    assert torch.equal(layer(feats.double(), rois.double()),
                       MMCVRoIAlign(7, 0.5, 2)(feats.double(),
                                               rois.double()))
    # mmcv's op gets NCHW memory even from a channels-last input
    nhwc = feats.contiguous(memory_format=torch.channels_last).double()
    assert torch.equal(layer(nhwc, rois.double()),
                       MMCVRoIAlign(7, 0.5, 2)(feats.double(),
                                               rois.double()))


def test_use_cpu_roi_align_replaces_layers():
    model = torch.nn.Sequential(
        torch.nn.ModuleList([MMCVRoIAlign(7, 0.25, 0),
                             MMCVRoIAlign(7, 0.125, 0)]),
        MMCVRoIAlign((3, 5), 1.0, 2, aligned=False))
    state = model.state_dict()
    assert use_cpu_roi_align(model) == 3
    layers = [m for m in model.modules() if isinstance(m, MMCVRoIAlign)]
    assert len(layers) == 3 and all(type(m) is RoIAlign for m in layers)
    assert [m.spatial_scale for m in layers] == [0.25, 0.125, 1.0]
    assert layers[2].output_size == (3, 5) and not layers[2].aligned
    assert model.state_dict().keys() == state.keys()
    assert use_cpu_roi_align(model) == 0


def _child_result(queue, feats, rois):
    # a numpy copy: tensors would travel as shared memory handles
    queue.put(roi_align_forward_cpu(feats, rois, 7, 0.25, 0).numpy().copy())


@pytest.mark.skipif('fork' not in mp.get_all_start_methods(),
                    reason='needs the fork start method')
def test_forked_child_can_use_it():
    # with numba's OpenMP layer a forked child using the kernel aborted;
    # ours runs on a thread pool that each process makes for itself
    feats = torch.randn(1, 8, 20, 20)
    rois = _rois(20, 1, 80, 80)
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        parent = roi_align_forward_cpu(feats, rois, 7, 0.25, 0)
        ctx = mp.get_context('fork')
        queue = ctx.Queue()
        child = ctx.Process(target=_child_result,
                            args=(queue, feats, rois))
        child.start()
        result = queue.get(timeout=120)
        child.join(timeout=60)
    finally:
        torch.set_num_threads(threads)
    assert child.exitcode == 0
    assert torch.equal(torch.from_numpy(result), parent)
