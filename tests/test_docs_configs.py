"""The worked experiment of docs/configs.md loads and means what it says."""
import os.path as osp
import re

from mmengine.config import Config

from qdtrack.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_worked_experiment(tmp_path):
    with open(osp.join(ROOT, 'docs', 'configs.md')) as f:
        text = f.read()
    section = text.split('## A worked new experiment', 1)[1]
    code = re.search(r'```python\n(.*?)```', section, re.S).group(1)
    parent = osp.join(ROOT, 'configs', 'qdtrack', 'qdtrack_faster-rcnn_toy.py')
    assert "_base_ = './qdtrack_faster-rcnn_toy.py'" in code
    path = tmp_path / 'experiment.py'
    path.write_text(code.replace('./qdtrack_faster-rcnn_toy.py', parent))
    cfg = Config.fromfile(str(path))
    base = Config.fromfile(parent)

    tracker = cfg.model.tracker
    assert (tracker.num_frames_retain, tracker.init_score_thr,
            tracker.match_method) == (60, 0.95, 'hungarian')
    changed = {'num_frames_retain', 'init_score_thr', 'match_method'}
    assert {k: v for k, v in tracker.items() if k not in changed} == {
        k: v for k, v in base.model.tracker.items() if k not in changed}
    assert MODELS.build(tracker).num_frames_retain == 60

    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        resize = loader.dataset.pipeline[0]['transforms'][1]
        assert resize['scale'] == (400, 300)
    assert base.test_dataloader.dataset.pipeline[0]['transforms'][1][
        'scale'] == (320, 240)
    assert cfg.train_cfg.max_epochs == 3 and cfg.train_cfg.val_begin == 4
    assert cfg.default_hooks.checkpoint.interval == 3
    assert cfg.param_scheduler[1]['milestones'] == [1200]
    # what is not overridden is inherited
    assert cfg.model.detector.backbone == base.model.detector.backbone
    assert cfg.optim_wrapper == base.optim_wrapper
