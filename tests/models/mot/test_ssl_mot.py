"""SSL-MOT as a whole model: crop embeddings in UniTrack's association."""
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from mmcv.ops import roi_align
from mmengine.config import Config

# the same folder (pytest puts it on the path)
from test_unitrack import make_frame

from qdtrack.models.mot import SSLMOT
from qdtrack.registry import MODELS

CONFIG = Path(__file__).parents[3] / \
    'configs/ssl_mot/ssl-mot_mobilenetv2_toy.py'


def test_embeddings_of_crops_and_checkpoint(tmp_path):
    cfg = Config.fromfile(CONFIG).model
    # frozen, so no checkpoint is demanded: the untrained projector is said
    with pytest.warns(UserWarning, match='UNTRAINED projector'):
        model = MODELS.build(cfg)
    assert isinstance(model, SSLMOT)
    assert not any(p.requires_grad for p in model.parameters())
    img = torch.randn(1, 3, 96, 128)
    boxes = torch.tensor([[8., 10., 40., 90.], [50.5, 3., 70., 33.]])
    feats = model.point_features(img, boxes)
    assert feats.shape == (2, 128, 1, 1)
    crops = roi_align(img, torch.cat([torch.zeros(2, 1), boxes], 1),
                      (64, 32), 1.0, 2, 'avg', True)
    torch.testing.assert_close(feats[:, :, 0, 0],
                               model.embedder.embed(crops))
    torch.testing.assert_close(feats.flatten(1).norm(dim=1),
                               torch.ones(2))
    # a trained checkpoint is loaded strictly into the embedder
    state = {k: v + 1 if v.is_floating_point() else v
             for k, v in model.embedder.state_dict().items()}
    path = tmp_path / 'embedder.pth'
    buf = io.BytesIO()
    torch.save(state, buf)
    path.write_bytes(buf.getvalue())
    loaded = MODELS.build(dict(cfg, checkpoint=str(path)))
    key = 'projector.0.weight'
    torch.testing.assert_close(loaded.embedder.state_dict()[key], state[key])


def test_tracks_given_boxes():
    model = MODELS.build(Config.fromfile(CONFIG).model)
    model.eval()
    start = np.array([[10, 20, 30, 70], [80, 15, 104, 75]], dtype=float)
    for t in range(3):
        boxes = start + np.array([[2 * t, 0, 2 * t, 0],
                                  [-2 * t, 1, -2 * t, 1]])
        order = [1, 0] if t % 2 else [0, 1]
        data = make_frame(model, t, boxes, order)
        with torch.no_grad():
            pred = model(**data, mode='predict')[0][0].pred_track_instances
        for obj in order:
            box = pred.bboxes[pred.instances_id == obj][0]
            torch.testing.assert_close(
                box, torch.tensor(boxes[obj] * 2, dtype=torch.float32),
                atol=4.0, rtol=0)
