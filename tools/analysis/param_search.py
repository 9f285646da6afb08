"""Grid search over tracker settings, running the network once.

    python tools/analysis/param_search.py CONFIG CHECKPOINT \\
        --grid init_score_thr=0.7,0.8,0.9 match_score_thr=0.3,0.5 \\
        [--work-dir DIR] [--cache inputs.npz] [--sort-key HOTA]

The test videos of CONFIG go through the model once, as ``tools/test.py``
runs them (same config handling, strict checkpoint loading, evaluators):
what the model hands its tracker on every frame (boxes, scores, labels,
embeddings) is recorded (:mod:`qdtrack.apis.tracker_replay`). Each setting
of the grid then builds the config's tracker with those values, replays the
recorded frames through it alone and scores the result with the config's
test evaluator, so every setting gets the numbers ``tools/test.py`` would
print for it. A key without a dot is a ``model.tracker`` argument
(``memo_tracklet_frames`` and the other mmdet names work too); keys under
``test_evaluator.`` (e.g. ``interpolate_max_gap``) may also vary. Other
keys change the network's output and are refused.

Writes ``<work_dir>/param_search.json`` (settings sorted best first, their
metrics, the time of the network pass and of each replay) and the result
files of each setting under ``<work_dir>/param_search/setting_<i>/``.

The recorded inputs are kept in memory: about frames x detections per frame
x (embedding size + 10) x 4 bytes, e.g. 280 MB for MOT17 half-val (about
2650 frames) with 100 detections of 256-d embeddings per frame (the toy
validation set: 7 MB compressed in ``--cache``).
"""
import argparse
import copy
import importlib.util
import inspect
import itertools
import os.path as osp
import sys
import time
from typing import Dict, List, Sequence, Tuple

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from qdtrack import register_all_modules
from qdtrack.apis.tracker_replay import (
    TrackerInputsHook,
    describe_file,
    load_tracker_inputs,
    replay,
    save_tracker_inputs,
)
from qdtrack.models.trackers.mmdet_compat import MMDET_ARG_ALIASES
from qdtrack.registry import MODELS
from qdtrack.utils.io import atomic_write_json

#: Tracker argument -> its other name (ours <-> mmdet's).
ALIASES = {**MMDET_ARG_ALIASES,
           **{v: k for k, v in MMDET_ARG_ALIASES.items()}}
#: Metrics shown in the table (those the evaluator reports).
TABLE_METRICS = ('HOTA', 'MOTA', 'IDF1', 'IDSW', 'mMOTA', 'mIDF1',
                 'TETA', 'AP50')
#: Metrics where lower is better (sorted ascending).
LOWER_IS_BETTER = ('IDSW', 'FP', 'FN', 'Frag', 'ML')


def _test_tool():
    """tools/test.py as a module (its config and weight handling)."""
    path = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                    'test.py')
    spec = importlib.util.spec_from_file_location('qdtrack_test_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_grid(items: Sequence[str]) -> Dict[str, list]:
    """``key=v1,v2`` items as full config keys and parsed values.

    Args:
        items (Sequence[str]): ``key=v1,v2,...``; a key without a dot is
            an argument of ``model.tracker``.

    Returns:
        dict[str, list]: Config key -> values (ints, floats, bools, None or
        strings, as ``--cfg-options`` parses them).

    Raises:
        ValueError: A malformed item, a repeated key or a key outside
            ``model.tracker.`` and ``test_evaluator.``.
    """
    grid: Dict[str, list] = {}
    for item in items:
        key, sep, values = item.partition('=')
        key = key.strip()
        if not sep or not key or not values.strip():
            raise ValueError(f'--grid {item!r}: expected key=v1,v2,...')
        if '.' not in key:
            key = 'model.tracker.' + key
        if not key.startswith(('model.tracker.', 'test_evaluator.')):
            raise ValueError(
                f'--grid {key}: only tracker (model.tracker.*) and '
                'evaluator (test_evaluator.*) settings can be searched '
                'without running the network again; change other keys '
                'with --cfg-options')
        if key in grid:
            raise ValueError(f'--grid {key} given twice')
        grid[key] = [DictAction._parse_int_float_bool(v.strip())
                     for v in values.split(',')]
    return grid


def settings(grid: Dict[str, list]) -> List[Dict[str, object]]:
    """Every combination of the grid's values (the last key varies
    fastest)."""
    keys = list(grid)
    return [dict(zip(keys, values))
            for values in itertools.product(*grid.values())]


def check_tracker_keys(cfg: Config, grid: Dict[str, list]) -> None:
    """Fail early on a tracker argument the tracker class does not take."""
    tracker_cfg = cfg.model.get('tracker')
    if tracker_cfg is None:
        raise ValueError('the config\'s model has no tracker to search')
    cls = MODELS.get(tracker_cfg['type'])
    if cls is None:
        raise ValueError(f'unknown tracker type {tracker_cfg["type"]!r}')
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind == p.VAR_KEYWORD for p in params.values()):
        return
    for key in grid:
        if key.startswith('model.tracker.'):
            name = key[len('model.tracker.'):]
            if '.' not in name and name not in params:
                raise ValueError(
                    f'--grid {key}: {cls.__name__} has no argument '
                    f'{name!r}; it takes '
                    f'{", ".join(p for p in params if p != "self")}')


def short_name(key: str) -> str:
    """``model.tracker.x`` -> ``x``; other keys unchanged."""
    return key[len('model.tracker.'):] if key.startswith(
        'model.tracker.') else key


def metric_name(metrics: dict, wanted: str) -> str:
    """The metrics key for ``wanted`` (``'HOTA'`` -> ``'motchallenge/
    HOTA'``)."""
    if wanted in metrics:
        return wanted
    found = [k for k in metrics if k.split('/')[-1] == wanted]
    if not found:
        raise ValueError(f'no metric {wanted!r}; the evaluator reports '
                         f'{", ".join(sorted(metrics))}')
    return found[0]


def evaluate_setting(runner, cfg: Config, frames, setting: dict,
                     out_dir: str) -> dict:
    """Replay the recorded frames with one setting and score them.

    Args:
        runner (Runner): The runner of the network pass (its dataset).
        cfg (Config): The test config of the network pass.
        frames (list[TrackerInputs]): The recorded frames.
        setting (dict): Config key -> value.
        out_dir (str): Folder for the setting's result files.

    Returns:
        dict: The metrics, as the config's test evaluator reports them.
    """
    cfg = copy.deepcopy(cfg)
    for key in setting:  # a value under one name replaces the other's
        partner = ALIASES.get(short_name(key))
        if key.startswith('model.tracker.') and partner:
            cfg.model.tracker.pop(partner, None)
    cfg.merge_from_dict(setting)
    evaluators = cfg.test_evaluator if isinstance(
        cfg.test_evaluator, list) else [cfg.test_evaluator]
    for ev in evaluators:
        if 'outfile_dir' in ev:
            ev['outfile_dir'] = out_dir
    tracker = MODELS.build(cfg.model.tracker)
    evaluator = runner.build_evaluator(evaluators)
    dataset = runner.test_dataloader.dataset
    evaluator.dataset_meta = dataset.metainfo
    for sample in replay(frames, tracker):
        evaluator.process(data_samples=[sample], data_batch=None)
    return evaluator.evaluate(len(dataset))


def _cache_key(args, cfg: Config) -> dict:
    """What the recorded inputs depend on (checked when a cache is read)."""
    model = copy.deepcopy(cfg.model)
    model.pop('tracker', None)
    return dict(
        model=Config(dict(model=model)).pretty_text,
        dataset=Config(dict(d=cfg.test_dataloader.dataset)).pretty_text,
        checkpoint=describe_file(args.checkpoint)
        if args.checkpoint else 'random weights')


def network_pass(test_tool, args, cfg: Config
                 ) -> Tuple[Runner, list, dict, float, bool]:
    """Run the test videos through the model once, recording the tracker's
    inputs (or read them from ``--cache``).

    Returns:
        tuple: The runner, the recorded frames, the metrics of the config's
        own tracker setting (empty when read from the cache), the seconds
        spent and whether the frames came from the cache.
    """
    runner = Runner.from_cfg(cfg)
    key = _cache_key(args, cfg)
    if args.cache and osp.isfile(args.cache):
        if not args.checkpoint:  # refuses untrained weights not asked for
            test_tool.load_weights(runner, args)
        start = time.perf_counter()
        frames = load_tracker_inputs(args.cache, key)
        runner.logger.info(f'read the inputs of {len(frames)} frames from '
                           f'{args.cache}')
        return runner, frames, {}, time.perf_counter() - start, True
    test_tool.load_weights(runner, args)
    test_tool.check_test_inputs(runner)
    hook = TrackerInputsHook()
    runner.register_hook(hook)
    start = time.perf_counter()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    if args.cache:
        save_tracker_inputs(args.cache, hook.frames, key)
        runner.logger.info(f'tracker inputs of {len(hook.frames)} frames '
                           f'written to {args.cache}')
    return runner, hook.frames, metrics, seconds, False


def format_table(rows: List[dict], keys: Sequence[str],
                 columns: Sequence[str]) -> str:
    """Settings and metrics as an aligned text table."""
    head = [short_name(k) for k in keys] + [c.split('/')[-1]
                                            for c in columns]
    lines = []
    for row in rows:
        cells = [str(row['setting'][k]) for k in keys]
        if 'error' in row:
            cells += ['error: ' + row['error']]
        else:
            cells += [f'{row["metrics"][c]:.3f}'.rstrip('0').rstrip('.')
                      for c in columns]
        lines.append(cells)
    widths = [max(len(h), *(len(r[i]) for r in lines if i < len(r)))
              for i, h in enumerate(head)]
    out = ['  '.join(h.rjust(w) for h, w in zip(head, widths))]
    out += ['  '.join(c.rjust(w) for c, w in zip(r, widths)) for r in lines]
    return '\n'.join(out)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Grid search over tracker settings; the network runs '
        'once, the tracker once per setting')
    parser.add_argument('--grid', nargs='+', required=True,
                        metavar='KEY=V1,V2',
                        help='values to try; a key without a dot is a '
                        'model.tracker argument')
    parser.add_argument('--sort-key', default='HOTA',
                        help='metric to sort by (default HOTA; IDSW, FP, FN '
                        'sort ascending)')
    return parse_with_pass_arguments(parser, argv)


def parse_with_pass_arguments(parser: argparse.ArgumentParser,
                              argv=None) -> argparse.Namespace:
    """Add the options of the network pass (:func:`network_pass`) to a
    tool's parser and parse; shared with the other tools that record tracker
    inputs."""
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file')
    parser.add_argument('--random-weights', action='store_true',
                        help='run a learned model without a checkpoint '
                        '(random weights; for tests only)')
    parser.add_argument('--no-strict', action='store_true',
                        help='load a checkpoint that does not fit exactly')
    parser.add_argument('--work-dir', help='folder for logs and results')
    parser.add_argument('--cache', help='.npz file of the recorded tracker '
                        'inputs: read when it exists (and was recorded for '
                        'the same model, checkpoint and data), else written')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config settings, key=value')
    args = parser.parse_args(argv)
    if args.checkpoint and args.random_weights:
        parser.error('--random-weights and a checkpoint exclude each other')
    return args


def args_for_test_tool(args) -> argparse.Namespace:
    """tools/test.py's arguments for the network pass of ``args``."""
    return argparse.Namespace(
        config=args.config, checkpoint=args.checkpoint,
        random_weights=args.random_weights, no_strict=args.no_strict,
        work_dir=args.work_dir, out=None, out_dets=None, format_only=False,
        show_dir=None, fuse_conv_bn=False, channels_last=False,
        cfg_options=args.cfg_options, launcher='none')


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    test_tool = _test_tool()
    grid = parse_grid(args.grid)
    test_args = args_for_test_tool(args)
    cfg = test_tool.build_test_cfg(test_args)
    check_tracker_keys(cfg, grid)
    test_tool.check_outputs(cfg, test_args)
    runner, frames, base_metrics, pass_seconds, from_cache = network_pass(
        test_tool, args, cfg)

    rows = []
    for i, setting in enumerate(settings(grid)):
        folder = osp.join(cfg.work_dir, 'param_search', f'setting_{i}')
        start = time.perf_counter()
        row = dict(setting={short_name(k): v for k, v in setting.items()},
                   results_dir=folder)
        try:
            row['metrics'] = evaluate_setting(runner, cfg, frames, setting,
                                              folder)
        except (ValueError, TypeError) as err:  # e.g. init < obj threshold
            row['error'] = str(err)
        row['seconds'] = round(time.perf_counter() - start, 3)
        rows.append(row)
        runner.logger.info(f'setting {i}: {row["setting"]} '
                           f'{row.get("metrics", row.get("error"))}')

    scored = [r for r in rows if 'metrics' in r]
    if not scored:
        raise ValueError('no setting could be evaluated: ' + '; '.join(
            f'{r["setting"]}: {r["error"]}' for r in rows))
    sort_key = metric_name(scored[0]['metrics'], args.sort_key)
    sign = 1 if sort_key.split('/')[-1] in LOWER_IS_BETTER else -1
    scored.sort(key=lambda r: sign * r['metrics'][sort_key])
    rows = scored + [r for r in rows if 'metrics' not in r]
    columns = [sort_key] + [
        k for k in scored[0]['metrics']
        if k.split('/')[-1] in TABLE_METRICS and k != sort_key]
    replay_seconds = [r['seconds'] for r in rows]
    summary = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        grid={short_name(k): v for k, v in grid.items()},
        sort_key=sort_key,
        frames=len(frames),
        config_setting_metrics=base_metrics,
        network_pass_seconds=round(pass_seconds, 3),
        replay_seconds_mean=round(sum(replay_seconds) / len(rows), 3),
        from_cache=from_cache,
        results=rows)
    path = osp.join(cfg.work_dir, 'param_search.json')
    atomic_write_json(path, summary)
    print(format_table(rows, [short_name(k) for k in grid], columns))
    print(f'network pass {pass_seconds:.1f} s ({len(frames)} frames), '
          f'{summary["replay_seconds_mean"]:.1f} s per setting; '
          f'written to {path}')
    sys.stdout.flush()
    return summary


if __name__ == '__main__':
    main()
