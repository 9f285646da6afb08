"""SAM without torchvision: the stand-ins and a tiny random SAM."""
import sys

import numpy as np
import pytest
import torch

from qdtrack.datasets.masa import sam_import
from qdtrack.datasets.masa.proposal_file import mask_to_box


def _reference_batched_nms(boxes, scores, idxs, thr):
    """Greedy NMS per category, written out (torchvision's definition)."""
    order = np.argsort(-scores, kind='stable')
    keep = []
    for i in order:
        ok = True
        for j in keep:
            if idxs[j] != idxs[i]:
                continue
            x1 = max(boxes[i, 0], boxes[j, 0])
            y1 = max(boxes[i, 1], boxes[j, 1])
            x2 = min(boxes[i, 2], boxes[j, 2])
            y2 = min(boxes[i, 3], boxes[j, 3])
            inter = max(0, x2 - x1) * max(0, y2 - y1)
            union = ((boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])
                     + (boxes[j, 2] - boxes[j, 0]) *
                     (boxes[j, 3] - boxes[j, 1]) - inter)
            if inter / union > thr:
                ok = False
                break
        if ok:
            keep.append(i)
    return keep


def test_batched_nms_matches_the_definition():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 50, (60, 2))
    wh = rng.uniform(5, 30, (60, 2))
    boxes = np.concatenate([xy, xy + wh], 1).astype(np.float32)
    scores = rng.permutation(60).astype(np.float32) / 60
    idxs = rng.integers(0, 3, 60)
    keep = sam_import.batched_nms(torch.from_numpy(boxes),
                                  torch.from_numpy(scores),
                                  torch.from_numpy(idxs), iou_threshold=0.3)
    assert keep.dtype == torch.int64
    assert keep.tolist() == _reference_batched_nms(boxes, scores, idxs, 0.3)
    assert 10 < len(keep) < 60
    empty = sam_import.batched_nms(torch.zeros(0, 4), torch.zeros(0),
                                   torch.zeros(0), 0.7)
    assert empty.shape == (0, )


def test_box_area_and_resize():
    boxes = torch.tensor([[0., 0., 2., 3.], [1., 1., 5., 2.]])
    assert sam_import.box_area(boxes).tolist() == [6., 4.]
    img = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
    out = np.array(sam_import.resize(sam_import.to_pil_image(img), (8, 12)))
    assert out.shape == (8, 12, 3)
    with pytest.raises(TypeError, match='uint8'):
        sam_import.to_pil_image(img.astype(np.float32))


def test_import_leaves_no_stand_in_behind():
    before = {k for k in sys.modules if k.startswith('torchvision')}
    sam = sam_import.import_segment_anything()
    after = {k for k in sys.modules if k.startswith('torchvision')}
    assert after == before
    amg = sys.modules['segment_anything.automatic_mask_generator']
    assert amg.batched_nms is sam_import.batched_nms
    assert sam.SamAutomaticMaskGenerator is amg.SamAutomaticMaskGenerator
    transforms = sys.modules['segment_anything.utils.transforms']
    resizer = transforms.ResizeLongestSide(32)
    img = np.zeros((12, 20, 3), np.uint8)
    assert resizer.apply_image(img).shape == (19, 32, 3)


def tiny_sam(img_size=64, dim=16):
    """A randomly initialised SAM built from the package's own classes."""
    sam = sam_import.import_segment_anything()
    from segment_anything.modeling import (
        ImageEncoderViT,
        MaskDecoder,
        PromptEncoder,
        Sam,
        TwoWayTransformer,
    )
    torch.manual_seed(0)
    patch = 16
    grid = img_size // patch
    model = Sam(
        image_encoder=ImageEncoderViT(
            img_size=img_size, patch_size=patch, embed_dim=dim, depth=1,
            num_heads=2, out_chans=dim, use_rel_pos=True, window_size=0,
            global_attn_indexes=(0, )),
        prompt_encoder=PromptEncoder(
            embed_dim=dim, image_embedding_size=(grid, grid),
            input_image_size=(img_size, img_size), mask_in_chans=4),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=1, embedding_dim=dim,
                                          mlp_dim=32, num_heads=2),
            transformer_dim=dim, iou_head_depth=2, iou_head_hidden_dim=16))
    assert sam.sam_model_registry  # the package itself, imported
    return model.eval()


def test_tiny_random_sam_proposals():
    from qdtrack.datasets.masa import SAMProposals
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    src = SAMProposals(model=tiny_sam(), points_per_side=4,
                       pred_iou_thresh=0.0, stability_score_thresh=0.0,
                       min_mask_region_area=4)
    props = src(img)
    assert len(props) > 0
    assert [p.score for p in props] == sorted(
        (p.score for p in props), reverse=True)
    boxes = []
    for p in props:
        assert p.mask.shape == (48, 64) and p.mask.dtype == bool
        assert p.bbox.tolist() == mask_to_box(p.mask).tolist()
        boxes.append(p.bbox - np.array([0, 0, 1, 1]))  # SAM's inclusive
    boxes = np.array(boxes, dtype=np.float32)
    scores = np.array([p.score for p in props], np.float32)
    # the generator's box NMS at 0.7 already removed every duplicate
    assert len(_reference_batched_nms(boxes, scores, np.zeros(len(boxes)),
                                      0.7)) == len(boxes)
    again = src(img)
    assert [p.bbox.tolist() for p in again] == [p.bbox.tolist()
                                                for p in props]
    assert src.settings()['points_per_side'] == 4


def test_paper_settings_and_missing_checkpoint(tmp_path):
    from qdtrack.datasets.masa import SAMProposals
    src = SAMProposals(model=tiny_sam())
    gen = src.generator
    assert (gen.point_grids[0].shape, gen.pred_iou_thresh,
            gen.box_nms_thresh, gen.min_mask_region_area) == (
                (32 * 32, 2), 0.88, 0.7, 100)
    with pytest.raises(FileNotFoundError, match='SAM checkpoint not found'):
        SAMProposals(str(tmp_path / 'sam_vit_b.pth'), 'vit_b')
