"""SimpleReID model, BN-neck head, preprocessing and the crop helper."""
import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmdet.structures import ReIDDataSample

from qdtrack.models.losses import LabelSmoothCrossEntropyLoss
from qdtrack.registry import MODELS
from qdtrack.utils.box_crops import crop_boxes


def small_reid(num_classes=3, **head):
    return MODELS.build(dict(
        type='SimpleReID',
        crop_size=(32, 16),
        backbone=dict(type='mmdet.MobileNetV2', out_indices=(7, ),
                      widen_factor=0.25),
        head=dict(type='BNNeckReIDHead', in_channels=1280,
                  num_classes=num_classes, **head)))


def samples(labels):
    out = []
    for label in labels:
        s = ReIDDataSample()
        s.set_gt_label(label)
        out.append(s)
    return out


def test_label_smooth_cross_entropy_hand_computed():
    logits = torch.tensor([[2.0, 0.0]])
    loss = LabelSmoothCrossEntropyLoss(label_smoothing=0.2)(
        logits, torch.tensor([0]))
    logp = torch.log_softmax(logits, dim=1)[0]
    expected = -(0.9 * logp[0] + 0.1 * logp[1])  # targets 1-0.2+0.1, 0.1
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    with pytest.raises(ValueError):
        LabelSmoothCrossEntropyLoss(label_smoothing=1.0)


def test_loss_and_predict_through_the_data_preprocessor():
    torch.manual_seed(0)
    model = small_reid(
        loss_triplet=dict(type='mmdet.TripletLoss', margin=0.3))
    imgs = [torch.randint(0, 256, (1, 3, 32, 16), dtype=torch.uint8)
            for _ in range(4)]
    data = model.data_preprocessor(
        dict(inputs=imgs, data_samples=samples([0, 0, 1, 2])), True)
    assert data['inputs'].shape == (4, 3, 32, 16)
    model.train()
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_cls', 'accuracy', 'loss_triplet'}
    # an untrained classifier (std 0.001) is near uniform over 3 classes
    assert losses['loss_cls'].item() == pytest.approx(np.log(3), abs=0.05)
    losses['loss_cls'].backward()
    assert model.head.bn.bias.grad is None  # BN-neck bias is frozen
    assert model.backbone.conv1.conv.weight.grad is not None
    model.eval()
    out = model(**model.data_preprocessor(
        dict(inputs=imgs, data_samples=samples([0, 0, 1, 2]))),
        mode='predict')
    feats = torch.stack([s.pred_feature for s in out]).detach()
    assert feats.shape == (4, 1280)
    np.testing.assert_allclose(feats.norm(dim=1), 1.0, rtol=1e-5)
    # embed_crops (tracker path) equals the dataset path
    crops = torch.cat(imgs).float()
    with torch.no_grad():
        torch.testing.assert_close(model.embed_crops(crops), feats)


def test_labels_beyond_num_classes_are_reported():
    model = small_reid(num_classes=2)
    data = model.data_preprocessor(dict(
        inputs=[torch.zeros(1, 3, 32, 16, dtype=torch.uint8)] * 2,
        data_samples=samples([0, 5])), True)
    with pytest.raises(ValueError, match='num_classes'):
        model(**data, mode='loss')


def test_normalize_matches_imagenet_statistics():
    model = small_reid()
    crop = torch.zeros(1, 3, 2, 2)
    crop[:, 0] = 255.0  # blue in BGR
    out = model.data_preprocessor.normalize(crop)
    # RGB order after the flip: channel 2 is blue
    assert out[0, 2, 0, 0].item() == pytest.approx((255 - 103.53) / 57.375)
    assert out[0, 0, 0, 0].item() == pytest.approx(-123.675 / 58.395)


def test_crop_boxes_equals_cv2_resize_on_exact_downscale():
    rng = np.random.default_rng(0)
    img = rng.uniform(0, 255, (60, 80, 3)).astype(np.float32)
    x1, y1, x2, y2 = 10, 4, 30, 44  # 20 x 40 -> 10 x 20
    ref = cv2.resize(img[y1:y2, x1:x2], (10, 20),
                     interpolation=cv2.INTER_LINEAR)
    out = crop_boxes(torch.from_numpy(img).permute(2, 0, 1),
                     torch.tensor([[x1, y1, x2, y2]]), (20, 10))
    np.testing.assert_allclose(out[0].permute(1, 2, 0).numpy(), ref,
                               rtol=1e-5, atol=1e-3)
    assert crop_boxes(torch.zeros(3, 5, 5), torch.zeros(0, 4),
                      (4, 2)).shape == (0, 3, 4, 2)


def test_crop_boxes_reads_zero_far_outside():
    img = torch.full((1, 10, 10), 7.0)
    out = crop_boxes(img, torch.tensor([[-20., 0., -10., 10.]]), (2, 2))
    assert out.abs().max().item() == 0
    # a unit-scale crop inside the image returns the pixels
    img = torch.arange(100.).reshape(1, 10, 10)
    out = crop_boxes(img, torch.tensor([[2., 3., 5., 7.]]), (4, 3))
    torch.testing.assert_close(out[0, 0], img[0, 3:7, 2:5])


def test_tensor_mode_is_normalised_embedding():
    model = small_reid().eval()
    x = torch.randn(2, 3, 32, 16)
    emb = model(x)
    f_i = model.head(model.extract_feat(x))[1]
    torch.testing.assert_close(emb, F.normalize(f_i, dim=1))
