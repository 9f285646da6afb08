"""MASA's training data: proposals on unlabeled images, two-view dataset.

Proposal sources (``make_proposals``): :class:`FelzenszwalbProposals`
(weight-free), :class:`SAMProposals` (SAM "everything" masks),
:class:`DetectorResultProposals` (any detector's COCO results) and
:class:`MASAProposals` (a trained MASA model's own boxes: self-training).
"""
from .detector_proposals import DetectorResultProposals
from .felzenszwalb_proposals import FelzenszwalbProposals
from .image_sources import (
                            ImageList,
                            images_in_coco_json,
                            images_in_folder,
                            sample_video,
)
from .masa_proposals import MASAProposals
from .proposal_file import (
                            Proposal,
                            ProposalFile,
                            ProposalFileError,
                            encode_mask,
                            mask_to_box,
)
from .proposal_recall import proposal_recall
from .propose import propose_images
from .sam_proposals import SAMProposals

__all__ = [
    'DetectorResultProposals', 'FelzenszwalbProposals', 'ImageList',
    'MASAProposals',
    'Proposal', 'ProposalFile', 'ProposalFileError', 'SAMProposals',
    'encode_mask', 'images_in_coco_json', 'images_in_folder', 'mask_to_box',
    'proposal_recall', 'propose_images', 'sample_video'
]
