import pytest
import torch
from mmdet.models.task_modules import AssignResult, SamplingResult
from mmdet.models.tracking_heads import (
    QuasiDenseEmbedHead as MMDetQuasiDenseEmbedHead,
)
from torch import nn

from qdtrack.models.track_heads import QuasiDenseEmbedHead
from qdtrack.models.trackers.similarity import (
    bisoftmax_similarity,
    cosine_similarity,
)
from qdtrack.registry import MODELS

AUX = dict(neg_pos_ub=3, pos_margin=0, neg_margin=0.1, hard_mining=True,
           loss_weight=1.0)


def make_sampling_result(gt_bboxes, pos_gt_inds, pos_priors, num_neg):
    """A SamplingResult with given positives (assigned gt index per prior)
    followed by ``num_neg`` negatives far away from everything."""
    pos_gt_inds = torch.as_tensor(pos_gt_inds)
    num_pos = len(pos_gt_inds)
    neg_priors = torch.tensor([[200., 200., 210., 210.]]).repeat(num_neg, 1)
    priors = torch.cat([pos_priors, neg_priors])
    gt_inds = torch.cat([pos_gt_inds + 1, torch.zeros(num_neg).long()])
    assign = AssignResult(
        num_gts=len(gt_bboxes),
        gt_inds=gt_inds,
        max_overlaps=torch.zeros(len(priors)),
        labels=torch.zeros(len(priors)).long())
    return SamplingResult(
        pos_inds=torch.arange(num_pos),
        neg_inds=torch.arange(num_pos, num_pos + num_neg),
        priors=priors,
        gt_bboxes=gt_bboxes,
        assign_result=assign,
        gt_flags=torch.zeros(len(priors), dtype=torch.uint8))


def hand_case():
    """Key gts ids [5, 7, 9]; reference gts ids [9, 5, 11].

    Key positives are assigned to key gts [0, 1, 2, 0]; reference positives
    to reference gts [0, 1, 1, 2], then 2 negatives. Reference RoI 1 is a
    shifted copy of gt 1 (IoU 0.9), RoI 2 is gt 1 itself.
    """
    key_gts = torch.tensor([[0., 0., 10., 10.], [20., 20., 30., 30.],
                            [40., 0., 50., 10.]])
    key_res = make_sampling_result(key_gts, [0, 1, 2, 0],
                                   key_gts[[0, 1, 2, 0]], num_neg=3)
    ref_gts = torch.tensor([[41., 0., 51., 10.], [1., 0., 11., 10.],
                            [60., 60., 70., 70.]])
    ref_priors = torch.stack([
        ref_gts[0],
        torch.tensor([0., 0., 10., 9.]) + torch.tensor([1., 0., 1., 0.]),
        ref_gts[1], ref_gts[2]
    ])
    ref_res = make_sampling_result(ref_gts, [0, 1, 1, 2], ref_priors,
                                   num_neg=2)
    match = torch.tensor([1, -1, 0])
    return key_res, ref_res, match


def test_structure_and_forward():
    head = QuasiDenseEmbedHead()
    convs = list(head.convs)
    assert len(convs) == 4
    for conv in convs:
        assert conv.conv.kernel_size == (3, 3)
        assert conv.conv.out_channels == 256
        assert isinstance(conv.norm, nn.GroupNorm)
        assert conv.norm.num_groups == 32
    assert [fc.out_features for fc in head.fcs] == [1024]
    assert head.fcs[0].in_features == 256 * 7 * 7
    assert head.fc_embed.out_features == 256
    out = head(torch.randn(3, 256, 7, 7))
    assert out.shape == (3, 256)
    assert head.predict(torch.randn(0, 256, 7, 7)).shape == (0, 256)


def test_targets_multi_positive_and_one_positive():
    key_res, ref_res, match = hand_case()
    head = QuasiDenseEmbedHead(num_convs=0, num_fcs=0, in_channels=4,
                               roi_feat_size=1, embed_channels=4)
    targets, weights = head.get_targets([match], [key_res], [ref_res])
    expected = torch.tensor([[0, 1, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0],
                             [1, 0, 0, 0, 0, 0], [0, 1, 1, 0, 0, 0]])
    torch.testing.assert_close(targets[0], expected)
    torch.testing.assert_close(weights[0], torch.tensor([1., 0., 1., 1.]))

    targets, weights = head.get_targets([match], [key_res], [ref_res],
                                        one_positive=True)
    # key RoIs of instance 5 keep only reference RoI 2 (IoU 1 > 0.9)
    expected = torch.tensor([[0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 0, 0],
                             [1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0]])
    torch.testing.assert_close(targets[0], expected)
    torch.testing.assert_close(weights[0], torch.tensor([1., 0., 1., 1.]))


def test_targets_match_mmdet_with_loss_values():
    key_res, ref_res, match = hand_case()
    cfg = dict(num_convs=1, num_fcs=1, in_channels=8, conv_out_channels=8,
               fc_out_channels=16, embed_channels=8, roi_feat_size=3,
               norm_cfg=dict(type='GN', num_groups=4))
    ours = QuasiDenseEmbedHead(
        **cfg,
        loss_track=dict(type='MultiPosCrossEntropyLoss', loss_weight=0.25),
        loss_track_aux=dict(type='MarginL2Loss', **AUX))
    theirs = MMDetQuasiDenseEmbedHead(
        **cfg,
        loss_track=dict(
            type='mmdet.MultiPosCrossEntropyLoss', loss_weight=0.25),
        loss_track_aux=dict(type='mmdet.L2Loss', **AUX))
    ours.init_weights()
    theirs.load_state_dict(ours.state_dict())

    their_targets, _ = theirs.get_targets([match], [key_res], [ref_res])
    our_targets, _ = ours.get_targets([match], [key_res], [ref_res])
    torch.testing.assert_close(our_targets[0].int(), their_targets[0])

    gen = torch.Generator().manual_seed(0)
    # two images: the hand case twice with different features
    key_feats = torch.randn(8, 8, 3, 3, generator=gen)
    ref_feats = torch.randn(12, 8, 3, 3, generator=gen)
    args = (key_feats, ref_feats, [key_res] * 2, [ref_res] * 2, [match] * 2)
    torch.testing.assert_close(ours(key_feats), theirs(key_feats))
    our_losses = ours.loss(*args)
    their_losses = theirs.loss(*args)
    assert set(our_losses) == {'loss_track', 'loss_track_aux'}
    for name in our_losses:
        torch.testing.assert_close(our_losses[name], their_losses[name])
        assert our_losses[name].item() > 0


def test_softmax_temperature_divides_logits():
    head = QuasiDenseEmbedHead(num_convs=0, num_fcs=0, in_channels=2,
                               roi_feat_size=1, softmax_temp=0.5)
    key = torch.tensor([[1., 2.]])
    ref = torch.tensor([[3., 1.], [0., 1.]])
    dists, cos = head.match([key], [ref])
    torch.testing.assert_close(dists[0], torch.tensor([[10., 4.]]))
    expected_cos = torch.tensor([[5 / (5**0.5 * 10**0.5), 2 / 5**0.5]])
    torch.testing.assert_close(cos[0], expected_cos)


def test_gradients_and_registry():
    head = MODELS.build(
        dict(type='QuasiDenseEmbedHead', num_convs=2, in_channels=8,
             conv_out_channels=8, fc_out_channels=16, embed_channels=8,
             roi_feat_size=3, norm_cfg=dict(type='GN', num_groups=4)))
    key_res, ref_res, match = hand_case()
    key_feats = torch.randn(4, 8, 3, 3, requires_grad=True)
    ref_feats = torch.randn(6, 8, 3, 3, requires_grad=True)
    losses = head.loss(key_feats, ref_feats, [key_res], [ref_res], [match])
    sum(losses.values()).backward()
    assert key_feats.grad.abs().sum() > 0 and ref_feats.grad.abs().sum() > 0
    for name, param in head.named_parameters():
        assert param.grad is not None and torch.isfinite(param.grad).all(), \
            name


def test_cosine_trained_head_predicts_its_training_logits():
    """With ``cosine_logits`` the test-time dot products (what bi-softmax
    reads) equal the training logits cosine / tau; without it the raw
    embeddings come back unchanged."""
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(5, 3, 1, 1, generator=gen)
    for cosine, temp in ((True, 0.07), (True, -1), (False, 0.07)):
        head = QuasiDenseEmbedHead(num_convs=0, num_fcs=0, in_channels=3,
                                   roi_feat_size=1, embed_channels=4,
                                   cosine_logits=cosine, softmax_temp=temp)
        raw = head(feats)
        embeds = head.predict(feats)
        dists, _ = head.match([raw[:2]], [raw[2:]])
        if not cosine:
            torch.testing.assert_close(embeds, raw)
            continue
        # the training logits, from the hand formula
        cos = torch.stack([torch.stack([
            torch.dot(a, b) / (a.norm() * b.norm()) for b in raw[2:]])
            for a in raw[:2]])
        logits = cos / temp if temp > 0 else cos
        torch.testing.assert_close(dists[0], logits)
        torch.testing.assert_close(embeds[:2] @ embeds[2:].t(), logits)
        torch.testing.assert_close(
            cosine_similarity(embeds[:2], embeds[2:]), cos)
        # bi-softmax of the test embeddings = of the training logits
        torch.testing.assert_close(
            bisoftmax_similarity(embeds[:2], embeds[2:]),
            (logits.softmax(1) + logits.softmax(0)) / 2)


def nested_case():
    """A whole person (gt 0), its head (gt 1, inside it), a neighbour
    overlapping it by a quarter of either box (gt 2), one far away (gt 3)
    and a key gt (4) whose reference gt has no positive RoI; the
    instances keep their index in both views."""
    gts = torch.tensor([[0., 0., 20., 40.], [0., 0., 20., 10.],
                        [15., 0., 35., 40.], [100., 100., 110., 110.],
                        [150., 150., 160., 160.]])
    key_res = make_sampling_result(gts, [0, 1, 2, 3, 4], gts, num_neg=2)
    ref_res = make_sampling_result(gts, [0, 1, 2, 3], gts[:4], num_neg=2)
    return key_res, ref_res, torch.arange(5)


def test_nested_instances_are_left_out_not_negatives():
    key_res, ref_res, match = nested_case()
    plain = QuasiDenseEmbedHead(num_convs=0, num_fcs=0, in_channels=4,
                                roi_feat_size=1, embed_channels=4)
    targets, weights = plain.get_targets([match], [key_res], [ref_res])
    eye = torch.cat([torch.eye(5, 4).long(), torch.zeros(5, 2).long()], 1)
    torch.testing.assert_close(targets[0], eye)
    head = QuasiDenseEmbedHead(num_convs=0, num_fcs=0, in_channels=4,
                               roi_feat_size=1, embed_channels=4,
                               ignore_nested_iof=0.5)
    targets, weights = head.get_targets([match], [key_res], [ref_res])
    expected = eye.clone()
    expected[0, 1] = expected[1, 0] = -1  # the head lies inside the person
    torch.testing.assert_close(targets[0], expected)
    torch.testing.assert_close(weights[0], torch.tensor([1., 1, 1, 1, 0]))
    left_out = expected == -1
    head.ignore_nested_iof = 0.2  # the neighbour overlaps by 0.25
    targets, _ = head.get_targets([match], [key_res], [ref_res])
    expected[0, 2] = expected[2, 0] = expected[1, 2] = expected[2, 1] = -1
    torch.testing.assert_close(targets[0], expected)

    # the losses read -1 as absent: equal to the loss without those columns
    head = QuasiDenseEmbedHead(
        num_convs=0, num_fcs=0, in_channels=4, roi_feat_size=1,
        embed_channels=4, cosine_logits=True, softmax_temp=0.07,
        loss_track=dict(type='InfoNCELoss'), loss_track_aux=None,
        ignore_nested_iof=0.5)
    torch.manual_seed(0)
    key, ref = torch.randn(5, 4), torch.randn(6, 4)
    ref[1] = key[0]  # the head looks like the whole person
    loss = head.loss_by_feat(key, ref, [key_res], [ref_res], [match])
    logits = (nn.functional.normalize(key, dim=1) @
              nn.functional.normalize(ref, dim=1).t()) / 0.07
    by_hand = []
    for row in range(4):
        keep = [c for c in range(6) if c != row and not left_out[row, c]]
        by_hand.append(torch.logsumexp(
            logits[row, [row] + keep], 0) - logits[row, row])
    torch.testing.assert_close(loss['loss_track'],
                               torch.stack(by_hand).mean())
    head.ignore_nested_iof = None  # the head is now the person's negative
    every_pair = head.loss_by_feat(key, ref, [key_res], [ref_res], [match])
    by_hand = [torch.logsumexp(logits[row, [row] + [
        c for c in range(6) if c != row]], 0) - logits[row, row]
        for row in range(4)]
    torch.testing.assert_close(every_pair['loss_track'],
                               torch.stack(by_hand).mean())
    assert every_pair['loss_track'] > loss['loss_track']


def test_bad_nested_fraction_is_refused():
    with pytest.raises(ValueError, match='ignore_nested_iof'):
        QuasiDenseEmbedHead(ignore_nested_iof=1.5)
