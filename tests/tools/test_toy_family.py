"""tools/toy_family.py: which rows run which config, without running them."""
import json
import os
import os.path as osp
import sys

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import toy_family  # noqa: E402


@pytest.fixture
def recorded(monkeypatch, tmp_path):
    """The commands main() runs; each test row scores HOTA = its index."""
    cmds = []

    def run(cmd, log):
        cmds.append(cmd)
        log.append(dict(cmd=' '.join(cmd), seconds=float(len(cmds))))
        out = cmd[cmd.index('--work-dir') + 1]
        os.makedirs(out, exist_ok=True)
        with open(osp.join(out, 'test_metrics.json'), 'w') as f:
            json.dump({'motchallenge/HOTA': float(len(cmds)),
                       'reid-metric/mAP': 0.5}, f)

    monkeypatch.setattr(toy_family, 'run', run)
    return cmds


def test_rows_without_checkpoints_are_skipped(recorded, tmp_path):
    toy_family.main(['--work-dir', str(tmp_path / 'fam')])
    configs = [c[2] for c in recorded]
    # SORT and the six ImageNet stride-8 rows need no trained model
    assert len(recorded) == 8
    assert configs[0] == toy_family.SORT_CONFIG
    assert sum('configs/unitrack/' in c for c in configs) == 6
    # DeepSORT without appearance is the eighth
    assert configs[7] == toy_family.DEEPSORT
    assert 'model.reid=None' in recorded[7]
    for cmd in recorded:  # the held-out split by default
        assert 'test_dataloader.dataset.data_root=data/toy_test/' in cmd
        assert 'test_evaluator.gt_root=data/toy_test/val' in cmd
    with open(tmp_path / 'fam' / 'family.json') as f:
        summary = json.load(f)
    assert summary['results']['UniTrack association'][
        'SORT (no appearance)'] == {'HOTA': 1.0, 'seconds': 1.0}


def test_checkpoints_reach_their_rows(recorded, tmp_path):
    toy_family.main([
        '--work-dir', str(tmp_path / 'fam'), '--only', 'QDTrack',
        'DeepSORT + SimpleReID', 'SSL-MOT', 'MASA, own preset',
        '--qdtrack', 'q.pth', '--simplereid', 's.pth', '--ssl-mot',
        'e.pth', '--masa', 'm.pth'])
    by_config = {cmd[2]: cmd for cmd in recorded}
    assert len(recorded) == 4
    qd = by_config[toy_family.FAMILY.format('qdtrack-embeds_unitrack-assoc')]
    assert qd[3] == 'q.pth'
    ds = by_config[toy_family.DEEPSORT]
    assert 'model.reid_checkpoint=s.pth' in ds
    assert 'model.tracker.max_cosine_distance=0.5' in ds
    assert 'model.checkpoint=e.pth' in by_config[toy_family.SSL_CONFIG]
    assert by_config[toy_family.MASA_GIVEN][3] == 'm.pth'
    # --report runs nothing and still gathers the rows of the work dir
    del recorded[:]
    toy_family.main(['--work-dir', str(tmp_path / 'fam'), '--report',
                     '--qdtrack', 'q.pth'])
    assert recorded == []


def test_unknown_row_is_refused(recorded, tmp_path, capsys):
    with pytest.raises(SystemExit):
        toy_family.main(['--work-dir', str(tmp_path), '--only', 'QDtrack'])
    assert "no row named ['QDtrack']" in capsys.readouterr().err


def test_markdown_and_folder_names():
    table = toy_family.markdown_table(
        {'A, b': dict(HOTA=50.04, IDSW=7.0, seconds=12.4)},
        columns=('HOTA', 'IDSW', 'seconds'))
    assert table.splitlines() == [
        '| method | HOTA | IDSW | seconds |', '|---|---:|---:|---:|',
        '| A, b | 50.0 | 7 | 12 |']
    assert toy_family._slug('DeepSORT + SimpleReID') == 'DeepSORT-SimpleReID'


@pytest.mark.parametrize('name', [
    'qdtrack-embeds_unitrack-assoc', 'masa-embeds_unitrack-assoc',
    'reid-embeds_unitrack-assoc', 'reid-embeds_qd-manager'])
def test_family_configs_swap_only_the_tracker(name):
    cfg = Config.fromfile(osp.join(ROOT, toy_family.FAMILY.format(name)))
    if 'qd-manager' in name:
        assert cfg.model.tracker.type == 'QuasiDenseTrackManager'
        assert cfg.model.tracker.match_metric == 'cosine'
    else:  # UniTrack's association, embeddings by cosine, 10 fps videos
        assert cfg.model.tracker.type == 'UniTrackTracker'
        assert (cfg.model.tracker.metric, cfg.model.tracker.frame_rate) == (
            'global', 10)
        assert cfg.model.tracker.motion_weight == 0.02
