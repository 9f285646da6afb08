"""Test (track and evaluate) a model: python tools/test.py CONFIG [CKPT]."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from qdtrack import register_all_modules
from qdtrack.utils.dist import prepare_cpu_distributed
from qdtrack.utils.io import atomic_write_json


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Track the test videos of a config and evaluate them')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file '
                        '(optional for methods with nothing to train)')
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
        '--show-dir', help='folder where frames with tracks are drawn')
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
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _evaluators(cfg):
    ev = cfg.test_evaluator
    return ev if isinstance(ev, list) else [ev]


def build_test_cfg(args) -> Config:
    """The config with the command-line overrides applied."""
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    if args.show_dir:
        vis = cfg.default_hooks.visualization
        vis.draw = True
        vis.test_out_dir = args.show_dir
    if args.out and args.out.endswith(('.pkl', '.pickle')):
        if not isinstance(cfg.test_evaluator, list):
            cfg.test_evaluator = [cfg.test_evaluator]
        cfg.test_evaluator.append(
            dict(type='DumpResults', out_file_path=args.out))
    elif args.out:
        for ev in _evaluators(cfg):
            ev['outfile_dir'] = args.out
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


def main(argv=None) -> dict:
    args = parse_args(argv)
    register_all_modules(init_default_scope=False)
    cfg = build_test_cfg(args)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if metrics:
        path = osp.join(cfg.work_dir, 'test_metrics.json')
        atomic_write_json(path, metrics)
        runner.logger.info(f'metrics written to {path}')
    return metrics


if __name__ == '__main__':
    main()
