"""BN-neck ReID head: embedding, batch norm, identity classifier."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.losses import accuracy
from mmdet.structures import ReIDDataSample
from mmengine.model import BaseModule
from torch import Tensor, nn

from qdtrack.registry import MODELS


@MODELS.register_module()
class BNNeckReIDHead(BaseModule):
    """ReID head with a BN-neck (Luo et al., "Bag of Tricks", 2019).

    Pooled feature -> optional linear embedding -> ``f_t`` -> BatchNorm1d
    (bias frozen at 0) -> ``f_i`` -> bias-free linear classifier over the
    identities. The classification loss reads ``f_i``'s logits, the
    optional triplet loss reads ``f_t``; the test embedding is ``f_i``,
    L2-normalised (cosine distance = Euclidean ranking).

    mmdet 3.3's ``LinearReIDHead`` needs mmpretrain and embeds with the
    pre-BN feature; this head needs neither.

    Args:
        in_channels (int): Channels of the pooled feature.
        num_classes (int): Number of identities (pseudo-label count:
            ``metainfo['num_ids']`` of the pseudo-label file).
        embed_channels (int, optional): Width of a linear embedding before
            the BN; None uses the pooled feature. Defaults to None.
        loss_cls (dict, optional): Classification loss. None:
            label-smoothed cross-entropy (eps 0.1).
        loss_triplet (dict, optional): Triplet loss on ``f_t``, e.g.
            ``dict(type='mmdet.TripletLoss', margin=0.3)``. Defaults to None.
        normalize (bool): L2-normalise the test embedding. Defaults to True.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_classes: int,
                 embed_channels: Optional[int] = None,
                 loss_cls: Optional[dict] = None,
                 loss_triplet: Optional[dict] = None,
                 normalize: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if num_classes < 1:
            raise ValueError(f'num_classes must be >= 1, got {num_classes}')
        self.num_classes = int(num_classes)
        self.embed = (nn.Linear(in_channels, embed_channels)
                      if embed_channels else nn.Identity())
        self.out_channels = embed_channels or in_channels
        self.bn = nn.BatchNorm1d(self.out_channels)
        self.bn.bias.requires_grad_(False)
        self.classifier = nn.Linear(self.out_channels, num_classes,
                                    bias=False)
        nn.init.normal_(self.classifier.weight, std=0.001)
        self.loss_cls = MODELS.build(loss_cls or dict(
            type='LabelSmoothCrossEntropyLoss', label_smoothing=0.1))
        self.loss_triplet = (MODELS.build(loss_triplet)
                             if loss_triplet else None)
        self.normalize = normalize

    def forward(self, feats: Tuple[Tensor]) -> Tuple[Tensor, Tensor]:
        """Pre-BN and post-BN features.

        Args:
            feats (tuple[Tensor]): Pooled features; the last one (N, C) is
                used.

        Returns:
            tuple[Tensor, Tensor]: ``f_t`` and ``f_i``, each (N, D).
        """
        f_t = self.embed(feats[-1].flatten(1))
        return f_t, self.bn(f_t)

    def loss(self, feats: Tuple[Tensor],
             data_samples: List[ReIDDataSample]) -> dict:
        """Classification (and triplet) losses and top-1 accuracy."""
        f_t, f_i = self(feats)
        labels = torch.cat([s.gt_label.label for s in data_samples]).to(
            f_i.device).long()
        if labels.numel() and int(labels.max()) >= self.num_classes:
            raise ValueError(
                f'identity {int(labels.max())} >= num_classes '
                f'{self.num_classes}: set the head\'s num_classes to the '
                'number of identities (metainfo num_ids of the dataset)')
        cls_score = self.classifier(f_i)
        losses = dict(loss_cls=self.loss_cls(cls_score, labels),
                      accuracy=accuracy(cls_score, labels))
        if self.loss_triplet is not None:
            losses['loss_triplet'] = self.loss_triplet(f_t, labels)
        return losses

    def embed_feats(self, feats: Tuple[Tensor]) -> Tensor:
        """Test embeddings (N, D) (``f_i``, L2-normalised if set)."""
        f_i = self(feats)[1]
        return F.normalize(f_i, dim=1) if self.normalize else f_i

    def predict(
        self,
        feats: Tuple[Tensor],
        data_samples: Optional[List[ReIDDataSample]] = None
    ) -> List[ReIDDataSample]:
        """Put each embedding (D, ) in ``pred_feature`` of its sample."""
        embeds = self.embed_feats(feats)
        if data_samples is None:
            data_samples = [ReIDDataSample() for _ in range(len(embeds))]
        for sample, embed in zip(data_samples, embeds):
            sample.pred_feature = embed
        return data_samples
