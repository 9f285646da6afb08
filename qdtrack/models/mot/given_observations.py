"""Boxes given to a tracker instead of detected by it ("given observations").

Every method that can track the boxes of an external detector (SORT,
QDTrack's and MASA's embeddings, the ReID plug-ins) reads them from the same
place: the frame's ``public_detections`` metainfo, an array (K, 5) of
``x1, y1, x2, y2, score`` in original image coordinates, which
:class:`~qdtrack.datasets.CocoVideoDataset` attaches from a MOT17
``det.txt`` or a COCO results file (``public_det_file``). With
``public_det_labels=True`` (COCO results) the dataset also attaches each
box's class index as ``public_det_labels`` (K, ), e.g. the TAO category of
a detector's box. Methods compared on identical boxes go through this one
function.
"""
from typing import Tuple

import numpy as np
import torch
from torch import Tensor


def given_observations(frame, label: int = 0,
                       owner: str = 'this model') -> Tuple[Tensor, Tensor,
                                                           Tensor]:
    """The boxes given for one frame.

    Args:
        frame (DetDataSample): A test frame whose metainfo holds
            ``public_detections``.
        label (int): Label of every given box when the frame carries no
            ``public_det_labels``. Defaults to 0.
        owner (str): Named in the error when the boxes are missing.

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``bboxes`` (K, 4) float32 xyxy in
        original image coordinates, ``scores`` (K, ) and ``labels`` (K, )
        long: the frame's ``public_det_labels`` if it has them, else
        ``label``.

    Raises:
        KeyError: the frame carries no ``public_detections``.
        ValueError: ``public_det_labels`` and ``public_detections`` differ
            in length.
    """
    dets = frame.metainfo.get('public_detections')
    if dets is None:
        raise KeyError(
            f'{owner} tracks given boxes and needs "public_detections" in '
            'the frame metainfo: set public_det_file in the test dataset '
            "and add 'public_detections' to PackTrackInputs.meta_keys")
    dets = torch.as_tensor(np.asarray(dets, dtype=np.float32)).reshape(-1, 5)
    given = frame.metainfo.get('public_det_labels')
    if given is None:
        labels = torch.full((len(dets), ), label, dtype=torch.long)
    else:
        labels = torch.as_tensor(np.asarray(given, dtype=np.int64)).reshape(-1)
        if len(labels) != len(dets):
            raise ValueError(
                f'{frame.metainfo.get("img_path")}: {len(labels)} '
                f'public_det_labels for {len(dets)} public_detections')
    return dets[:, :4], dets[:, 4], labels
