"""How well a model's embeddings separate identities on its test boxes.

    python tools/analysis/embedding_separation.py CONFIG CHECKPOINT \\
        [--cache inputs.npz] [--out separation.json] [--height-bins 30 60]

The test videos of CONFIG go through the model once, as
``tools/analysis/param_search.py`` runs them (the same ``--cache`` file
works for both): the boxes and embeddings handed to the tracker on every
frame are matched to the MOTChallenge ground truth of the config's test
evaluator (``<gt_root>/<video>/gt/gt.txt``, pedestrians with consider flag
1) and summarised by
:func:`qdtrack.evaluation.functional.embedding_separation.
embedding_separation`: the cosine of one object in consecutive frames
(``pos``), of two objects in one frame (``neg``), and the share of
consecutive-frame links where the two boxes are each other's best match
(``rank1``), overall and per box height. Any model whose tracker gets
(N, D) embeddings works (QDTrack's and MASA's track heads, ReID models);
the numbers explain appearance-only association without the tracker's
thresholds, e.g. MASA against QDTrack in docs/masa.md.
"""
import argparse
import inspect
import os.path as osp
import sys
from typing import Dict, List

import numpy as np
import torch

from qdtrack import register_all_modules
from qdtrack.datasets.mot_files import read_mot_gt
from qdtrack.evaluation.functional.embedding_separation import (
    EmbeddedFrame,
    embedding_separation,
)
from qdtrack.evaluation.functional.id_switches import scored_gt_rows
from qdtrack.utils.io import atomic_write_json

# the network pass of param_search.py (and through it tools/test.py's
# config and weight handling), so that both tools share their --cache file
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import param_search  # noqa: E402


def embedded_frames(frames, tracker) -> List[EmbeddedFrame]:
    """The boxes and (N, D) embeddings of recorded tracker calls."""
    signature = inspect.signature(type(tracker).track)
    out = []
    for frame in frames:
        call = signature.bind(None, *frame.args, **frame.kwargs).arguments
        embeds = call.get('embeds', call.get('feats'))
        if embeds is None:
            raise ValueError(f'{type(tracker).__name__} gets no embeddings '
                             '(SORT?): nothing to measure')
        embeds = torch.as_tensor(embeds)
        if embeds.dim() == 4 and embeds.shape[2:] == (1, 1):
            embeds = embeds.flatten(1)
        if embeds.dim() != 2:
            raise ValueError('embedding_separation needs (N, D) embeddings, '
                             f'got {tuple(embeds.shape)} (point features?)')
        meta = frame.meta
        out.append(EmbeddedFrame(
            video=meta['video_name'],
            frame=int(meta.get('mot_frame_id', meta['frame_id'] + 1)),
            bboxes=torch.as_tensor(call['bboxes']).reshape(-1, 4).numpy(),
            embeds=embeds.numpy()))
    return out


def read_ground_truth(cfg, videos) -> Dict[str, np.ndarray]:
    """The scored ground-truth rows of each test video."""
    evaluator = cfg.test_evaluator
    evaluator = evaluator[0] if isinstance(evaluator, list) else evaluator
    if 'gt_root' not in evaluator:
        raise ValueError(f'{cfg.filename}: the test evaluator '
                         f'({evaluator.get("type")}) has no gt_root; '
                         'embedding_separation reads MOTChallenge gt.txt '
                         'files')
    gt_file = evaluator.get('gt_file', 'gt.txt')
    return {v: scored_gt_rows(read_mot_gt(
        osp.join(evaluator['gt_root'], v, 'gt', gt_file))) for v in videos}


def format_result(result: dict) -> str:
    """The summary as a text table."""
    def cell(value, width):
        return f'{"-":>{width}}' if value is None else f'{value:{width}.3f}'
    lines = [f'{"boxes":>12} {"links":>6} {"pos":>6} {"pos p10":>7} '
             f'{"neg":>6} {"neg p10":>7} {"rank1":>6}']
    rows = [('all', result['all'])] + [
        (f'h {k}', v) for k, v in result['by_height'].items()]
    for name, r in rows:
        lines.append(' '.join([
            f'{name:>12}', f'{r["links"]:6d}', cell(r['pos_mean'], 6),
            cell(r['pos_p10'], 7), cell(r.get('neg_mean'), 6),
            cell(r.get('neg_p10'), 7), cell(r['rank1'], 6)]))
    lines.append(f'{result["matched"]} of {result["boxes"]} boxes matched '
                 'to an object')
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Cosines of one object across frames and of two '
        'objects in a frame, on the boxes the tracker gets')
    parser.add_argument('--out', help='write the result as JSON here')
    parser.add_argument('--iou-thr', type=float, default=0.5,
                        help='smallest IoU of a box matched to an object')
    parser.add_argument('--height-bins', type=float, nargs='*',
                        default=[30, 60], help='box heights splitting the '
                        'links (pixels)')
    return param_search.parse_with_pass_arguments(parser, argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    test_tool = param_search._test_tool()
    cfg = test_tool.build_test_cfg(param_search.args_for_test_tool(args))
    runner, frames, _, _, _ = param_search.network_pass(
        test_tool, args, cfg)
    model = getattr(runner.model, 'module', runner.model)
    embedded = embedded_frames(frames, model.tracker)
    gt = read_ground_truth(cfg, sorted({f.video for f in embedded}))
    result = embedding_separation(embedded, gt, args.iou_thr,
                                  args.height_bins)
    print(format_result(result))
    if args.out:
        atomic_write_json(args.out, result, indent=1)
    return result


if __name__ == '__main__':
    main()
