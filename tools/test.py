"""Test (track and evaluate) a model: python tools/test.py CONFIG [CKPT].

Everything that can be checked before inference is: the checkpoint (loaded
strictly: every key of the model, none more, same shapes, finite values),
the output folders and the ground-truth files. When a frame fails, the
results of the frames already tracked are written to
``<work_dir>/partial_results`` before the error is raised.
"""
import argparse
import glob
import inspect
import os
import os.path as osp
import warnings

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from qdtrack import register_all_modules
from qdtrack.registry import METRICS
from qdtrack.utils.checkpoint import (
    load_tracker_checkpoint,
    untrained_parameters,
)
from qdtrack.utils.config_check import warn_unknown_config_keys
from qdtrack.utils.dist import prepare_cpu_distributed
from qdtrack.utils.io import (
    atomic_write_json,
    check_writable_dir,
    remove_stale_temporaries,
)
from qdtrack.utils.setup_env import name_run


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Track the test videos of a config and evaluate them')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file '
                        '(optional for methods with nothing to train)')
    parser.add_argument(
        '--random-weights',
        action='store_true',
        help='test a learned model without a checkpoint (random weights; '
        'only useful for speed or smoke tests)')
    parser.add_argument(
        '--no-strict',
        action='store_true',
        help='load a checkpoint that does not fit the model exactly '
        '(missing, unexpected or mis-shaped keys are warned about)')
    parser.add_argument('--work-dir', help='folder for logs and metrics')
    parser.add_argument(
        '--out',
        help='a .pkl file dumps the raw predictions; any other path is a '
        'folder where the benchmark result files are written')
    parser.add_argument(
        '--out-dets',
        help='folder where the detections of each frame (before '
        'association) are written as <DIR>/<video>/det/det.txt, to give '
        'them to another tracker (public_det_file); labels as the MOT '
        'evaluator\'s')
    parser.add_argument(
        '--format-only',
        action='store_true',
        help='only write the result files (e.g. for a test server)')
    parser.add_argument(
        '--show-dir',
        help='draw the tracks on every frame into DIR/<video name>/')
    parser.add_argument(
        '--fuse-conv-bn',
        action='store_true',
        help='fold BatchNorm layers into the preceding convs once the '
        'weights are loaded (faster; outputs change only by float rounding)')
    parser.add_argument(
        '--channels-last',
        action='store_true',
        help='run the convs on channels-last (NHWC) tensors (faster on '
        'recent CPUs and GPUs; outputs change only by float rounding)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if args.format_only and (not args.out or _is_pickle(args.out)):
        parser.error('--format-only needs --out FOLDER: without it the '
                     'result files would only go to a temporary folder')
    if args.checkpoint and args.random_weights:
        parser.error('--random-weights and a checkpoint exclude each other')
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _is_pickle(path: str) -> bool:
    return path.endswith(('.pkl', '.pickle'))


def _evaluators(cfg):
    ev = cfg.test_evaluator
    return ev if isinstance(ev, list) else [ev]


def _writes_files(ev) -> bool:
    """Whether an evaluator config's metric takes ``outfile_dir``."""
    metric = METRICS.get(ev.get('type', ''))
    return metric is not None and 'outfile_dir' in inspect.signature(
        metric.__init__).parameters


def build_test_cfg(args) -> Config:
    """The config with the command-line overrides applied."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    name_run(cfg, args.config, args.work_dir)
    cfg.load_from = None  # loaded strictly by main(), not by the runner
    if args.show_dir:
        cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
            dict(type='TrackDrawHook', out_dir=args.show_dir)
        ]
    if args.out and _is_pickle(args.out):
        if not isinstance(cfg.test_evaluator, list):
            cfg.test_evaluator = [cfg.test_evaluator]
        cfg.test_evaluator.append(
            dict(type='DumpResults', out_file_path=args.out))
    elif args.out:
        for ev in _evaluators(cfg):
            ev['outfile_dir'] = args.out
    for ev in _evaluators(cfg):  # results are kept, never only in /tmp
        if _writes_files(ev) and not ev.get('outfile_dir'):
            ev['outfile_dir'] = osp.join(cfg.work_dir, 'results')
    if args.fuse_conv_bn or args.channels_last:
        cfg.custom_hooks = list(cfg.get('custom_hooks', None) or []) + [
            dict(
                type='InferenceSpeedupHook',
                fuse_conv_bn=args.fuse_conv_bn,
                channels_last=args.channels_last)
        ]
    if args.format_only:
        for ev in _evaluators(cfg):
            if ev.get('type') != 'DumpResults':
                ev['format_only'] = True
    if args.out_dets:
        if not isinstance(cfg.test_evaluator, list):
            cfg.test_evaluator = [cfg.test_evaluator]
        labels = next((ev.get('labels') for ev in cfg.test_evaluator
                       if ev.get('labels') is not None), None)
        cfg.test_evaluator.append(
            dict(type='MOTDetectionDump', out_dir=args.out_dets,
                 labels=labels))
    return cfg


def check_outputs(cfg, args) -> None:
    """Fail before inference when a result folder cannot be written."""
    check_writable_dir(cfg.work_dir, 'work dir')
    if args.out and _is_pickle(args.out):
        check_writable_dir(osp.dirname(osp.abspath(args.out)),
                           'folder of --out')
    for ev in _evaluators(cfg):
        if ev.get('outfile_dir'):
            check_writable_dir(ev['outfile_dir'], 'results folder')


def remove_stale_outputs(runner, args) -> None:
    """Remove temporary files left in the output folders by a killed run.

    Results are written atomically (temporary file + rename), so a run
    killed while writing leaves complete files and hidden temporaries; a
    rerun removes the temporaries before writing the same files again.
    """
    cfg = runner.cfg
    folders = [cfg.work_dir, osp.join(cfg.work_dir, 'partial_results')]
    if args.out and _is_pickle(args.out):
        folders.append(osp.dirname(osp.abspath(args.out)))
    folders += [ev['outfile_dir'] for ev in _evaluators(cfg)
                if ev.get('outfile_dir')]
    for ev in _evaluators(cfg):
        if ev.get('type') == 'MOTDetectionDump':  # <out_dir>/<video>/det/
            folders += sorted(glob.glob(osp.join(ev['out_dir'], '*', 'det')))
    for folder in dict.fromkeys(folders):
        for path in remove_stale_temporaries(folder):
            runner.logger.warning(
                f'removed {path}, left by a run killed while writing')

def load_weights(runner, args) -> None:
    """Load the checkpoint strictly, or refuse untrained learned weights."""
    model = runner.model
    learned = untrained_parameters(model)
    if args.checkpoint:
        load_tracker_checkpoint(model, args.checkpoint,
                                strict=not args.no_strict)
        runner.logger.info(f'loaded checkpoint {args.checkpoint}')
    elif learned and not args.random_weights:
        raise ValueError(
            f'{args.config}: the model has {learned} trainable (not frozen) '
            'parameters but '
            'no checkpoint was given; pass CHECKPOINT (or --random-weights '
            'to test untrained weights on purpose)')
    elif learned:
        message = (f'testing {args.config} with RANDOM weights '
                   '(--random-weights): the metrics mean nothing')
        warnings.warn(message, stacklevel=2)
        runner.logger.warning(message)


def check_test_inputs(runner) -> None:
    """Let each metric validate its inputs (e.g. gt files) up front."""
    loop = runner.test_loop  # builds the dataloader and the evaluator
    dataset = loop.dataloader.dataset
    names = [dataset.get_data_info(i).get('video_name')
             for i in range(len(dataset))]
    for metric in loop.evaluator.metrics:
        if hasattr(metric, 'check_inputs'):
            metric.check_inputs(names)


def save_partial_results(runner, err: BaseException) -> None:
    """Write the results of the frames tracked before ``err``."""
    folder = osp.join(runner.work_dir, 'partial_results')
    written = {}
    for metric in runner.test_loop.evaluator.metrics:
        if hasattr(metric, 'dump_partial'):
            written.update(metric.dump_partial(folder))
    if written:
        frames = ', '.join(f'{v}: {n}' for v, n in sorted(written.items()))
        runner.logger.error(
            f'tracking stopped ({type(err).__name__}: {err}); the results '
            f'of the frames tracked before it are in {folder} (frames per '
            f'video: {frames})')


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = build_test_cfg(args)
    warn_unknown_config_keys(cfg, args.config)
    check_outputs(cfg, args)
    prepare_cpu_distributed(cfg)
    if cfg.launcher != 'none':
        # no gradients: ranks need no DDP (which refuses SORT, having no
        # trainable parameter)
        cfg.model_wrapper_cfg = dict(type='DistributedTestWrapper')
    runner = Runner.from_cfg(cfg)
    load_weights(runner, args)
    check_test_inputs(runner)
    remove_stale_outputs(runner, args)
    try:
        metrics = runner.test()
    except Exception as err:
        save_partial_results(runner, err)
        raise
    if metrics:
        path = osp.join(cfg.work_dir, 'test_metrics.json')
        atomic_write_json(path, metrics)
        runner.logger.info(f'metrics written to {path}')
    return metrics


if __name__ == '__main__':
    main()
