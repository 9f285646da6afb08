"""Run a proposal source over a list of images into a proposal file."""
import os.path as osp
import time
from typing import Callable, Dict, List

import cv2

from .image_sources import ImageList
from .proposal_file import Proposal, ProposalFile


def propose_images(images: ImageList,
                   source: Callable,
                   out_file: str,
                   settings: dict,
                   by_image_id: bool = False,
                   save_every: int = 50,
                   progress: bool = True) -> Dict[str, float]:
    """Propose objects in every image not yet in ``out_file``.

    The file is rewritten atomically every ``save_every`` images and at the
    end, so an interrupted run resumes where its last save left off.

    Args:
        images (ImageList): The images.
        source (callable): Maps a BGR image (H, W, 3) uint8 -- or, with
            ``by_image_id``, an image id -- to a list of
            :class:`Proposal`.
        out_file (str): The proposal COCO JSON (created or resumed).
        settings (dict): The source's settings (checked when resuming).
        by_image_id (bool): Call ``source`` with the image id (detector
            results) instead of the pixels.
        save_every (int): Images between two saves.
        progress (bool): Show a tqdm progress bar.

    Returns:
        dict: ``images`` and ``proposals`` in the file, ``new_images``
        done by this call, ``seconds_per_image`` and
        ``cpu_seconds_per_image`` (the source's wall-clock and process CPU
        time per new image, reading excluded).
    """
    from tqdm import tqdm
    out = ProposalFile(out_file, settings)
    if by_image_id and images.image_ids is None:
        raise ValueError('proposals from detector results need the images '
                         'of a COCO JSON (their ids)')
    todo = [i for i, name in enumerate(images.names) if name not in out]
    source_time = source_cpu = 0.0
    done = 0
    bar = tqdm(todo, disable=not progress, unit='img',
               desc=osp.basename(out_file))
    for k, i in enumerate(bar):
        name = images.names[i]
        path = osp.join(images.root, name)
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f'{path}: not a readable image')
        start, start_cpu = time.perf_counter(), time.process_time()
        props: List[Proposal] = source(
            images.image_ids[i] if by_image_id else img)
        source_time += time.perf_counter() - start
        source_cpu += time.process_time() - start_cpu
        out.add(name, img.shape[0], img.shape[1], props)
        done += 1
        bar.set_postfix(proposals=len(props))
        if (k + 1) % save_every == 0:
            out.save()
    out.save()
    stats = dict(out.counts())
    stats['new_images'] = done
    stats['seconds_per_image'] = source_time / done if done else 0.0
    stats['cpu_seconds_per_image'] = source_cpu / done if done else 0.0
    return stats
