"""tools/analysis/plot_logs.py on logs laid out as mmengine writes them."""
import json
import os.path as osp
import sys

import cv2
import numpy as np
import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools', 'analysis'))
import plot_logs  # noqa: E402


def _write_log(folder, losses, hota):
    """``<work_dir>/<ts>/vis_data/scalars.json`` like mmengine's
    LocalVisBackend: train lines every 10 steps, a val line per epoch."""
    path = folder / '20260101_000000' / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    lines = []
    for i, loss in enumerate(losses, start=1):
        lines.append(dict(lr=0.01, data_time=0.1, loss=loss,
                          loss_track=loss / 2, time=0.5, epoch=1,
                          iter=10 * i, memory=100, step=10 * i))
    for epoch, value in enumerate(hota, start=1):
        lines.append({'motchallenge/HOTA': value, 'data_time': 0.01,
                      'time': 0.2, 'step': epoch})
    path.write_text(''.join(json.dumps(x) + '\n' for x in lines))
    return str(path)


def test_curves_and_png(tmp_path):
    a = _write_log(tmp_path / 'run_a', [3.0, 2.0, 1.5], [40.0, 50.0])
    b = _write_log(tmp_path / 'run_b', [2.5, 1.0], [45.0])
    out = str(tmp_path / 'curves.png')
    series = plot_logs.main([a, b, '--out', out])
    assert list(series) == ['loss', 'loss_track', 'motchallenge/HOTA']
    steps, values = series['loss']['run_a']
    np.testing.assert_array_equal(steps, [10, 20, 30])
    np.testing.assert_array_equal(values, [3.0, 2.0, 1.5])
    np.testing.assert_array_equal(series['loss_track']['run_b'][1],
                                  [1.25, 0.5])
    np.testing.assert_array_equal(series['motchallenge/HOTA']['run_a'][0],
                                  [1, 2])
    img = cv2.imread(out)
    assert img is not None and img.shape[1] == 3 * 450
    # one chosen key gives one panel
    plot_logs.main([a, '--keys', 'motchallenge/HOTA', '--out', out])
    assert cv2.imread(out).shape[1] == 450


def test_errors(tmp_path):
    a = _write_log(tmp_path / 'run', [1.0], [1.0])
    with pytest.raises(ValueError, match='no log has loss_cls; keys '
                       'present: .*loss_track'):
        plot_logs.curves([a], ['loss_cls'])
    bad = tmp_path / 'bad.json'
    bad.write_text('{"step": 1, "loss": 1}\nnot json\n')
    with pytest.raises(ValueError, match='bad.json, line 2: not JSON'):
        plot_logs.curves([str(bad)])
    with pytest.raises(FileNotFoundError, match='nope.json'):
        plot_logs.curves([str(tmp_path / 'nope.json')])
