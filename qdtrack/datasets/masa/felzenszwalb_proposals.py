"""Weight-free proposals: graph-based segmentation over a few scales.

Stands in for SAM's "everything" masks where no checkpoint is available, so
that MASA's whole pipeline runs on a fresh CPU machine. For each scale
parameter, scikit-image's ``felzenszwalb`` segments the image; adjacent
regions are then merged greedily, most similar first, as in selective search
(Uijlings et al., 2013), with two similarities (colour + size + fill, and
size + fill for objects of several colours). Every region and every merge is
a candidate. Candidates that are
tiny, huge, or thin are removed; each is scored by the colour contrast
between its pixels and a ring around it (object-like regions stand out from
their surroundings) or, with ``score='boundary'``, by how sharply the image
changes along its outline (a whole object is bounded by strong edges all
round, a piece of a larger region is not), and boxes overlapping a better
one with IoU > 0.7 are suppressed (mmcv NMS, as SAM's generator does).
"""
import heapq
import math
from typing import List, Sequence

import cv2
import numpy as np
import torch

from .proposal_file import Proposal, mask_to_box


def _integral(img: np.ndarray) -> np.ndarray:
    """Summed-area table (H+1, W+1, C) of an (H, W, C) image."""
    table = img.astype(np.float64).cumsum(0).cumsum(1)
    return np.pad(table, ((1, 0), (1, 0), (0, 0)))


def _box_sums(table: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Per-channel sums (N, C) of integer boxes (N, 4) ``x1, y1, x2, y2``."""
    x1, y1, x2, y2 = boxes.T
    return (table[y2, x2] - table[y1, x2] - table[y2, x1] + table[y1, x1])


def _merge_greedily(regions: list, borders: dict, total: float,
                    colour_weight: float) -> tuple:
    """Merge adjacent regions, most similar pair first, down to one.

    Args:
        regions (list): ``(size, r, g, b, x1, y1, x2, y2)`` per region (colour
            sums, box).
        borders (dict): ``(a, b) -> (difference sum, pixel pairs)`` of each
            pair of adjacent regions (``a < b``), as :func:`_borders` gives.
        total (float): Image area.
        colour_weight (float): Weight of the colour similarity.

    Returns:
        tuple: The merged regions (same form), the two parts of each
        (indices into the input regions followed by the merged ones), and
        the border of each merged region with the rest of the image
        (difference sum, pixel pairs).
    """
    regions = list(regions)
    neighbours = [dict() for _ in regions]
    for (a, b), stats in borders.items():
        neighbours[a][b] = stats
        neighbours[b][a] = stats
    outline = [(sum(s for s, _ in n.values()), sum(c for _, c in n.values()))
               for n in neighbours]
    norm = colour_weight / (255.0 * math.sqrt(3.0))

    def similarity(a, b):
        sa, ra, ga, ba, ax1, ay1, ax2, ay2 = regions[a]
        sb, rb, gb, bb, bx1, by1, bx2, by2 = regions[b]
        colour = math.sqrt((ra / sa - rb / sb)**2 + (ga / sa - gb / sb)**2 +
                           (ba / sa - bb / sb)**2)
        union = (max(ax2, bx2) - min(ax1, bx1)) * (max(ay2, by2) -
                                                   min(ay1, by1))
        return colour_weight - colour * norm + 2.0 - (union + 0.0) / total

    heap = [(-similarity(a, b), a, b) for a, b in borders]
    heapq.heapify(heap)
    first = len(regions)
    alive = [True] * first
    parts = []
    while heap:
        _, a, b = heapq.heappop(heap)
        if not (alive[a] and alive[b]):
            continue
        sa, ra, ga, ba, ax1, ay1, ax2, ay2 = regions[a]
        sb, rb, gb, bb, bx1, by1, bx2, by2 = regions[b]
        new = len(regions)
        regions.append((sa + sb, ra + rb, ga + gb, ba + bb, min(ax1, bx1),
                        min(ay1, by1), max(ax2, bx2), max(ay2, by2)))
        parts.append((a, b))
        # the shared border becomes the merged region's inside
        shared = neighbours[a][b]
        outline.append((outline[a][0] + outline[b][0] - 2 * shared[0],
                        outline[a][1] + outline[b][1] - 2 * shared[1]))
        alive[a] = alive[b] = False
        alive.append(True)
        near = {}
        for old in (a, b):
            for c, (diff, count) in neighbours[old].items():
                if c not in (a, b):
                    prev = near.get(c, (0.0, 0))
                    near[c] = (prev[0] + diff, prev[1] + count)
        neighbours[a] = neighbours[b] = None
        neighbours.append(near)
        for c, stats in near.items():
            neighbours[c].pop(a, None)
            neighbours[c].pop(b, None)
            neighbours[c][new] = stats
            heapq.heappush(heap, (-similarity(new, c), new, c))
    return regions[first:], parts, outline[first:]


def _borders(labels: np.ndarray, rgb: np.ndarray) -> dict:
    """Colour differences across the borders between adjacent regions.

    Args:
        labels (np.ndarray): Region labels (H, W), ``0 .. n - 1``.
        rgb (np.ndarray): The segmented image (H, W, 3).

    Returns:
        dict: ``(a, b) -> (sum, count)`` for each adjacent pair ``a < b``:
        the Euclidean RGB difference summed over the 4-neighbour pixel
        pairs that straddle their border, and the number of those pairs.
    """
    n = int(labels.max()) + 1
    img = rgb.astype(np.float64)
    first = np.concatenate([labels[:, :-1].ravel(), labels[:-1].ravel()])
    second = np.concatenate([labels[:, 1:].ravel(), labels[1:].ravel()])
    diff = np.concatenate([
        np.linalg.norm(img[:, :-1] - img[:, 1:], axis=2).ravel(),
        np.linalg.norm(img[:-1] - img[1:], axis=2).ravel()])
    cross = first != second
    low = np.minimum(first[cross], second[cross])
    high = np.maximum(first[cross], second[cross])
    codes, index = np.unique(low * n + high, return_inverse=True)
    sums = np.bincount(index, diff[cross])
    counts = np.bincount(index)
    return {(int(c // n), int(c % n)): (float(s), int(k))
            for c, s, k in zip(codes, sums, counts)}


class _Lazy:
    """The initial regions of a merged region, listed only when needed."""

    def __init__(self, node: int, num_leaves: int, parts: list) -> None:
        self.node, self.num_leaves, self.parts = node, num_leaves, parts

    def __iter__(self):
        stack = [self.node]
        while stack:
            i = stack.pop()
            if i < self.num_leaves:
                yield i
            else:
                stack.extend(self.parts[i - self.num_leaves])


class FelzenszwalbProposals:
    """Class-agnostic proposals from multi-scale graph-based segmentation.

    Args:
        scales (Sequence[float]): ``scale`` values of
            ``skimage.segmentation.felzenszwalb`` (larger: larger regions).
        sigma (float): Gaussian pre-smoothing of the segmentation.
        min_region (int): ``min_size`` of the segmentation, in pixels of the
            working image.
        merge_adjacent (bool): Also propose the greedy merges of adjacent
            regions.
        max_side (int): The image is segmented at most this large (longest
            side); boxes and masks are mapped back to the input size.
        min_area (float): Smallest box area, as a fraction of the image.
        max_area (float): Largest box area, as a fraction of the image.
        min_side (float): Smallest box side in input pixels.
        max_aspect (float): Largest ratio of the long to the short box side.
        ring (float): Width of the contrast ring around a box, as a fraction
            of the box side (``score='contrast'`` only).
        score (str): The object cue of the score. ``'contrast'``: the
            mean-colour distance between the region and a ring around its
            box; ``'boundary'``: the mean RGB difference between the two
            pixels of each 4-neighbour pair that straddles the region's
            outline (edges on the image border not counted), both in
            [0, 1].
        area_weight (float): The score is ``cue * sqrt(fill) *
            (box area / image area) ** area_weight``. 0 scores by the cue
            and fill alone, which favours small segments (parts of
            objects); a positive weight ranks larger regions higher before
            NMS and the ``max_per_image`` cut (whole objects over their
            parts, but also pieces of the background).
        nms_iou (float): NMS IoU threshold.
        max_per_image (int): Keep at most this many proposals.
        with_masks (bool): Return region masks (input size).
    """

    def __init__(self,
                 scales: Sequence[float] = (150, 450),
                 sigma: float = 0.8,
                 min_region: int = 20,
                 merge_adjacent: bool = True,
                 max_side: int = 640,
                 min_area: float = 2e-4,
                 max_area: float = 0.4,
                 min_side: float = 4,
                 max_aspect: float = 8.0,
                 ring: float = 0.2,
                 score: str = 'contrast',
                 area_weight: float = 0.0,
                 nms_iou: float = 0.7,
                 max_per_image: int = 200,
                 with_masks: bool = True) -> None:
        self.scales = tuple(float(s) for s in scales)
        self.sigma = sigma
        self.min_region = min_region
        self.merge_adjacent = merge_adjacent
        self.max_side = max_side
        self.min_area = min_area
        self.max_area = max_area
        self.min_side = min_side
        self.max_aspect = max_aspect
        self.ring = ring
        if score not in ('contrast', 'boundary'):
            raise ValueError(
                f"score is 'contrast' or 'boundary', got {score!r}")
        self.score = score
        if area_weight < 0:
            raise ValueError(f'area_weight is >= 0, got {area_weight}')
        self.area_weight = area_weight
        self.nms_iou = nms_iou
        self.max_per_image = max_per_image
        self.with_masks = with_masks

    def settings(self) -> dict:
        """The source name and settings (stored in the proposal file).

        ``score`` and ``area_weight`` are stored only when not the
        defaults, so that files written before they existed resume with the
        same settings.
        """
        out = dict(source='felzenszwalb', scales=list(self.scales),
                   sigma=self.sigma, min_region=self.min_region,
                   merge_adjacent=self.merge_adjacent,
                   max_side=self.max_side, min_area=self.min_area,
                   max_area=self.max_area, min_side=self.min_side,
                   max_aspect=self.max_aspect, ring=self.ring,
                   nms_iou=self.nms_iou, max_per_image=self.max_per_image,
                   with_masks=self.with_masks)
        if self.score != 'contrast':
            out['score'] = self.score
        if self.area_weight:
            out['area_weight'] = self.area_weight
        return out

    # ----------------------------------------------------------- candidates
    def _candidates(self, labels: np.ndarray, rgb: np.ndarray) -> tuple:
        """Regions and, with ``merge_adjacent``, their greedy merges.

        Adjacent regions are merged most-similar first, as in selective
        search, once with colour + size + fill similarity and once with
        size + fill only (objects made of differently coloured parts);
        every region formed is a candidate.

        Returns:
            tuple: Boxes (N, 4) int64 in working-image pixels, sizes (N, ),
            colour sums (N, 3), the member labels of each candidate, and
            its border with the rest of the image (N, 2): colour difference
            sum and pixel pairs (see :func:`_borders`).
        """
        from scipy import ndimage
        n = int(labels.max()) + 1
        flat = labels.ravel()
        sizes = np.bincount(flat, minlength=n).astype(np.float64)
        sums = np.stack([
            np.bincount(flat, rgb[..., c].ravel().astype(np.float64),
                        minlength=n) for c in range(3)], 1)
        slices = ndimage.find_objects(labels + 1, max_label=n)
        boxes = np.array([[s[1].start, s[0].start, s[1].stop, s[0].stop]
                          for s in slices], dtype=np.int64)
        members = [[i] for i in range(n)]
        borders = _borders(labels, rgb)
        outline = np.zeros((n, 2))
        for (a, b), stats in borders.items():
            outline[a] += stats
            outline[b] += stats
        if not self.merge_adjacent or n < 2:
            return boxes, sizes, sums, members, outline
        regions = [(float(sizes[i]), *sums[i].tolist(), *boxes[i].tolist())
                   for i in range(n)]
        merged_all, outline_all = [], [outline]
        for colour_weight in (1.0, 0.0):
            merged, parts, merged_outline = _merge_greedily(
                regions, borders, labels.size, colour_weight)
            merged_all += merged
            outline_all.append(np.array(merged_outline).reshape(-1, 2))
            members += [_Lazy(n + k, n, parts) for k in range(len(merged))]
        merged_all = np.array(merged_all, dtype=np.float64).reshape(-1, 8)
        sizes = np.concatenate([sizes, merged_all[:, 0]])
        sums = np.concatenate([sums, merged_all[:, 1:4]])
        boxes = np.concatenate([boxes, merged_all[:, 4:].astype(np.int64)])
        return boxes, sizes, sums, members, np.concatenate(outline_all)

    def __call__(self, img: np.ndarray) -> List[Proposal]:
        """Propose objects in one image.

        Args:
            img (np.ndarray): BGR image (H, W, 3), uint8.

        Returns:
            list[Proposal]: At most ``max_per_image`` proposals by
            decreasing score; boxes in input pixels.
        """
        from mmcv.ops import nms
        from skimage.segmentation import felzenszwalb
        height, width = img.shape[:2]
        factor = min(1.0, self.max_side / max(height, width))
        work = img if factor == 1.0 else cv2.resize(
            img, (round(width * factor), round(height * factor)),
            interpolation=cv2.INTER_AREA)
        wh, ww = work.shape[:2]
        rgb = np.ascontiguousarray(work[..., ::-1])
        table = _integral(rgb)
        all_boxes, all_scores, all_masks = [], [], []
        for scale in self.scales:
            labels = felzenszwalb(rgb, scale=scale, sigma=self.sigma,
                                  min_size=self.min_region).astype(np.int64)
            boxes, sizes, sums, members, outline = self._candidates(
                labels, rgb)
            keep = self._plausible(boxes, wh, ww, factor)
            if not keep.any():
                continue
            idx = np.flatnonzero(keep)
            boxes, cand_size, cand_sum = boxes[idx], sizes[idx], sums[idx]
            bw = boxes[:, 2] - boxes[:, 0]
            bh = boxes[:, 3] - boxes[:, 1]
            # a region filling its box is more object-like than a sliver
            fill = cand_size / np.maximum(bw * bh, 1)
            if self.score == 'boundary':
                cue = outline[idx, 0] / np.maximum(outline[idx, 1], 1) / (
                    255.0 * np.sqrt(3.0))
            else:
                cue = self._contrast(table, boxes, cand_size, cand_sum, wh,
                                     ww)
            scores = cue * np.sqrt(fill) * (
                bw * bh / float(ww * wh))**self.area_weight
            all_boxes.append(boxes)
            all_scores.append(scores)
            all_masks += [(labels, members[i]) for i in idx]
        if not all_boxes:
            return []
        boxes = np.concatenate(all_boxes).astype(np.float32) / factor
        scores = np.concatenate(all_scores).astype(np.float32)
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
        _, keep = nms(torch.from_numpy(boxes), torch.from_numpy(scores),
                      self.nms_iou)
        keep = keep[:self.max_per_image].numpy()
        proposals = []
        for i in keep:
            mask = None
            if self.with_masks:
                labels, group = all_masks[i]
                mask = np.isin(labels, list(group))
                if factor != 1.0:
                    mask = cv2.resize(mask.astype(np.uint8), (width, height),
                                      interpolation=cv2.INTER_NEAREST) > 0
                if not mask.any():
                    continue
                box = mask_to_box(mask)
            else:
                box = boxes[i]
            proposals.append(Proposal(box, float(scores[i]), mask))
        return proposals

    def _contrast(self, table: np.ndarray, boxes: np.ndarray,
                  size: np.ndarray, colour_sum: np.ndarray, wh: int,
                  ww: int) -> np.ndarray:
        """Mean-colour distance (N, ) between candidates and a ring around
        their boxes (``ring`` of the box side wide), in [0, 1]."""
        bw = boxes[:, 2] - boxes[:, 0]
        bh = boxes[:, 3] - boxes[:, 1]
        pad_x = np.ceil(bw * self.ring).astype(np.int64)
        pad_y = np.ceil(bh * self.ring).astype(np.int64)
        outer = np.stack([
            np.maximum(boxes[:, 0] - pad_x, 0),
            np.maximum(boxes[:, 1] - pad_y, 0),
            np.minimum(boxes[:, 2] + pad_x, ww),
            np.minimum(boxes[:, 3] + pad_y, wh)], 1)
        outer_area = ((outer[:, 2] - outer[:, 0]) *
                      (outer[:, 3] - outer[:, 1])).astype(np.float64)
        ring_count = np.maximum(outer_area - size, 1.0)
        ring_mean = (_box_sums(table, outer) - colour_sum) / ring_count[:,
                                                                        None]
        in_mean = colour_sum / size[:, None]
        return np.linalg.norm(in_mean - ring_mean, axis=1) / (
            255.0 * np.sqrt(3.0))

    def _plausible(self, boxes: np.ndarray, wh: int, ww: int,
                   factor: float) -> np.ndarray:
        """Mask (N, ) of candidates that are neither tiny, huge nor thin."""
        bw = (boxes[:, 2] - boxes[:, 0]) / factor
        bh = (boxes[:, 3] - boxes[:, 1]) / factor
        area = bw * bh / ((wh / factor) * (ww / factor))
        aspect = np.maximum(bw, bh) / np.maximum(np.minimum(bw, bh), 1e-6)
        return ((bw >= self.min_side) & (bh >= self.min_side)
                & (area >= self.min_area) & (area <= self.max_area)
                & (aspect <= self.max_aspect))
