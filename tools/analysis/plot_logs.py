"""Plot loss and metric curves from mmengine's json logs (PNG).

    python tools/analysis/plot_logs.py LOG.json [LOG2.json ...] \
        [--keys loss loss_track motchallenge/HOTA] --out curves.png

A log is ``<work_dir>/<timestamp>/vis_data/scalars.json`` (or
``<timestamp>.json`` beside it): one JSON object per line, training lines
with ``step`` (the global iteration) and ``loss*``/``lr``, validation lines
with the metrics and ``step`` (the epoch, or the iteration of iteration-based
runs). Each key gets a panel; each log a line (named by its work dir).
"""
import argparse
import io
import json
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from qdtrack.utils.io import atomic_write_bytes

#: Keys that describe a line rather than being plotted.
INDEX_KEYS = ('step', 'iter', 'epoch')
#: Training keys that are not plotted by default.
NOISE_KEYS = ('data_time', 'time', 'memory', 'base_lr')


def read_log(path: str) -> Tuple[List[dict], List[dict]]:
    """Training and validation lines of a json log.

    Returns:
        tuple[list[dict], list[dict]]: Lines with a loss or ``lr`` (train)
        and the other lines with a ``step`` (validation).

    Raises:
        FileNotFoundError: No such file.
        ValueError: A line that is not a JSON object (file and line named),
            or a log without any line.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: log not found')
    train, val = [], []
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f'{path}, line {number}: not JSON '
                                 f'({err.msg})') from None
            if not isinstance(row, dict) or 'step' not in row:
                raise ValueError(f'{path}, line {number}: not an mmengine '
                                 'log line (an object with "step")')
            is_train = 'lr' in row or any(k.startswith('loss') for k in row)
            (train if is_train else val).append(row)
    if not train and not val:
        raise ValueError(f'{path}: empty log')
    return train, val


def curves(logs: Sequence[str], keys: Sequence[str] = ()
           ) -> Dict[str, Dict[str, Tuple[np.ndarray, np.ndarray]]]:
    """The (step, value) series of each key in each log.

    Args:
        logs (Sequence[str]): json log files.
        keys (Sequence[str]): Keys to plot; empty: every loss of the
            training lines and every validation metric.

    Returns:
        dict: key -> {log label -> (steps, values)}, float64 arrays in
        file order.

    Raises:
        ValueError: A requested key no log has (the keys present are
            named).
    """
    out: Dict[str, Dict[str, Tuple[np.ndarray, np.ndarray]]] = {}
    present = set()
    for path in logs:
        train, val = read_log(path)
        label = _label(path)
        for rows in (train, val):
            names = [k for row in rows for k in row]
            present.update(names)
            wanted = keys or [
                k for k in dict.fromkeys(names)
                if k not in INDEX_KEYS + NOISE_KEYS and k != 'lr'
            ]
            for key in wanted:
                pts = [(r['step'], r[key]) for r in rows
                       if isinstance(r.get(key), (int, float))]
                if pts:
                    steps, values = np.array(pts, dtype=np.float64).T
                    out.setdefault(key, {})[label] = (steps, values)
    missing = [k for k in keys if k not in out]
    if missing:
        raise ValueError(f'no log has {", ".join(missing)}; keys present: '
                         f'{", ".join(sorted(present - set(INDEX_KEYS)))}')
    return out


def _label(path: str) -> str:
    """The work dir of ``<work_dir>/<ts>/vis_data/x.json``, else the file."""
    parts = osp.abspath(path).split(osp.sep)
    if len(parts) >= 4 and parts[-2] == 'vis_data':
        return parts[-4]
    return osp.basename(path)


def plot(series: dict, out: str, dpi: int = 100) -> None:
    """Draw one panel per key and write the PNG atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    n = len(series)
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.2 * rows),
                             squeeze=False)
    for ax, (key, lines) in zip(axes.flat, series.items()):
        for label, (steps, values) in lines.items():
            marker = 'o' if len(steps) < 20 else None
            ax.plot(steps, values, label=label, marker=marker, lw=1.2)
        ax.set_title(key)
        ax.set_xlabel('step')
        ax.grid(alpha=0.3)
        if len(lines) > 1:
            ax.legend(fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis('off')
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=dpi)
    plt.close(fig)
    atomic_write_bytes(out, buf.getvalue())


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('logs', nargs='+', help="mmengine json logs")
    parser.add_argument('--keys', nargs='+', default=[],
                        help='keys to plot (default: losses and metrics)')
    parser.add_argument('--out', default='curves.png', help='PNG to write')
    parser.add_argument('--dpi', type=int, default=100)
    args = parser.parse_args(argv)
    series = curves(args.logs, args.keys)
    plot(series, args.out, args.dpi)
    print(f'{len(series)} curves -> {args.out}')
    return series


if __name__ == '__main__':
    main()
