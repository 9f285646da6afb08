"""SSL-MOT: given boxes + a crop embedder trained without identities."""
import warnings
from typing import Optional, Tuple

import torch
from mmengine.runner import load_checkpoint
from torch import Tensor

from qdtrack.ops import RoIAlign
from qdtrack.registry import MODELS

from .unitrack import GivenBoxAppearanceModel


@MODELS.register_module()
class SSLMOT(GivenBoxAppearanceModel):
    """Tracks given boxes with an SSL-MOT crop embedding.

    Each box is cropped from the normalised input image by RoIAlign to
    ``crop_size`` and embedded by a frozen
    :class:`~qdtrack.models.reid.SSLMOTEmbedder` (trained by
    ``tools/train_ssl_mot.py``). The embedding (N, D) goes to the tracker as
    (N, D, 1, 1), so that ``UniTrackTracker(metric='global')`` associates by
    its cosine, in the same association as UniTrack's similarities.

    Args:
        embedder (dict): Config of the ``SSLMOTEmbedder``.
        tracker (dict): Config of the tracker (``UniTrackTracker``).
        checkpoint (str, optional): The embedder's trained weights (a state
            dict saved by ``tools/train_ssl_mot.py``), loaded strictly. None
            starts from the backbone's own weights (ImageNet for
            ``DSRMobileNetV2``) and an untrained projector.
        crop_size (tuple[int, int]): Crop height and width. Defaults to
            (64, 32).
        label (int): Label of the given boxes. Defaults to 0.
        data_preprocessor (dict, optional): Model preprocessing config.
        init_cfg (dict, optional): Initialization config.
    """

    def __init__(self,
                 embedder: dict,
                 tracker: dict,
                 checkpoint: Optional[str] = None,
                 crop_size: Tuple[int, int] = (64, 32),
                 label: int = 0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(tracker, label, data_preprocessor, init_cfg)
        self.embedder = MODELS.build(embedder)
        if checkpoint is None:
            # frozen, so tools/test.py asks for no checkpoint: say it
            warnings.warn('SSLMOT without a checkpoint: the embedder is the '
                          "backbone's own weights and an UNTRAINED "
                          'projector (train one with tools/train_ssl_mot.py)',
                          stacklevel=2)
            self.embedder.backbone.init_weights()
        else:
            load_checkpoint(
                self.embedder, checkpoint, map_location='cpu', strict=True)
        self._freeze('embedder')
        self.crop = RoIAlign(tuple(crop_size), spatial_scale=1.0,
                             sampling_ratio=2, aligned=True)

    @torch.no_grad()
    def point_features(self, img: Tensor, bboxes: Tensor) -> Tensor:
        """Embeddings (N, D, 1, 1) of boxes (N, 4) in the input image."""
        rois = torch.cat([bboxes.new_zeros((len(bboxes), 1)), bboxes],
                         dim=1)
        crops = self.crop(img.float(), rois.float())
        return self.embedder.embed(crops)[:, :, None, None]
