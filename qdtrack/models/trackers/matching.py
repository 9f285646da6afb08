"""Association of detections with memory items given a similarity matrix.

Both matchers share one contract. Rows are detections in descending score
order, columns are memory items. Some columns are *takeable* (tracks: once a
detection takes one, no other detection can match it) and the others are not
(backdrops: they can absorb any number of detections). Some rows *can take*
(detections confident enough to continue a track); the others may still be
matched, which tells the caller what they resemble, but never consume a
column.

Each matcher returns, for every row, the column it is matched to (``-1``
where none) and that pair's similarity. Among the rows that can take, a
takeable column appears at most once.
"""
from typing import Tuple

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor

MATCH_METHODS = ('greedy', 'hungarian')


def greedy_match(similarity: Tensor, match_thr: float, takeable: Tensor,
                 can_take: Tensor) -> Tuple[Tensor, Tensor]:
    """Greedy association in row order (the public QDTrack rule).

    Row ``i`` is matched to its most similar *available* column if that
    similarity is above ``match_thr``. A takeable column matched by a row
    that can take becomes unavailable to all later rows.

    The result equals a Python loop over the rows, but is computed in
    vectorised rounds: every remaining row picks its best available column
    at once, and the longest prefix of rows whose pick cannot have been
    changed by an earlier row of the same round is accepted (a pick changes
    only when an earlier row takes that very column). The loop therefore
    runs once plus once per such conflict, not once per detection.

    Args:
        similarity (Tensor): Similarity of shape (N, M); ``-inf`` marks
            pairs that may never be matched. Rows in processing order.
        match_thr (float): A pair matches if its similarity is above this.
            Taken columns are treated as ``-inf`` (never chosen).
        takeable (Tensor): Boolean mask of shape (M, ): columns consumed
            when matched by a row that can take.
        can_take (Tensor): Boolean mask of shape (N, ): rows that consume
            the takeable column they match.

    Returns:
        tuple[Tensor, Tensor]:

        - cols (Tensor): Matched column of each row, shape (N, ), ``-1``
          where unmatched.
        - confs (Tensor): Similarity of each row with its best available
          column, shape (N, ); meaningful only where ``cols >= 0``.
    """
    num_rows, num_cols = similarity.shape
    device = similarity.device
    if num_rows == 0 or num_cols == 0:
        return (torch.full((num_rows, ), -1, dtype=torch.long,
                           device=device),
                similarity.new_full((num_rows, ), float('-inf')))
    positions = torch.arange(num_rows, device=device)
    cols = confs = available = None  # created if a second round is needed
    start = 0
    while start < num_rows:
        num_left = num_rows - start
        pos = positions[:num_left]
        sim = similarity[start:]
        if available is not None:
            sim = sim.masked_fill(~available, float('-inf'))
        conf, col = sim.max(dim=1)
        hit = conf > match_thr
        take = hit & takeable.index_select(0, col) & can_take[start:]
        # position of the first row of this round taking each column
        first_taker = torch.full((num_cols, ),
                                 num_left,
                                 dtype=torch.long,
                                 device=device)
        first_taker.scatter_reduce_(
            0, col, torch.where(take, pos, num_left), reduce='amin')
        conflict = hit & (first_taker.index_select(0, col) < pos)
        stop = int(torch.where(conflict, pos, num_left).min())
        col = torch.where(hit, col, -1)
        if start == 0 and stop == num_rows:
            return col, conf  # no conflict: one round
        if cols is None:
            cols, confs = torch.empty_like(col), torch.empty_like(conf)
        cols[start:start + stop] = col[:stop]
        confs[start:start + stop] = conf[:stop]
        if available is None:
            available = torch.ones(num_cols, dtype=torch.bool, device=device)
        available[col[:stop][take[:stop]]] = False
        start += stop
    return cols, confs


def hungarian_match(similarity: Tensor, match_thr: float, takeable: Tensor,
                    can_take: Tensor) -> Tuple[Tensor, Tensor]:
    """Optimal one-to-one association of confident rows with tracks.

    1. A row that can take and whose best column overall is non-takeable
       (a backdrop) with similarity above ``match_thr`` is absorbed by it,
       as in the greedy rule.
    2. The other rows that can take are assigned to takeable columns by
       maximising the sum of ``similarity - match_thr`` over matched pairs
       (pairs at or below the threshold are never matched), with
       :func:`scipy.optimize.linear_sum_assignment`. This equals the
       common ``lapjv(1 - similarity, cost_limit=1 - match_thr)``
       formulation.
    3. Rows that cannot take are matched greedily to their best column
       among those not assigned in step 2.

    The assignment runs on the CPU (one device-to-host copy).

    Args:
        similarity (Tensor): Similarity of shape (N, M); ``-inf`` marks
            pairs that may never be matched.
        match_thr (float): A pair matches if its similarity is above this.
        takeable (Tensor): Boolean mask of shape (M, ).
        can_take (Tensor): Boolean mask of shape (N, ).

    Returns:
        tuple[Tensor, Tensor]: ``cols`` and ``confs`` of shape (N, ), as in
        :func:`greedy_match`.
    """
    num_rows, num_cols = similarity.shape
    device = similarity.device
    cols = torch.full((num_rows, ), -1, dtype=torch.long, device=device)
    confs = similarity.new_full((num_rows, ), float('-inf'))
    if num_rows == 0 or num_cols == 0:
        return cols, confs
    best_conf, best_col = similarity.max(dim=1)
    absorbed = can_take & (best_conf > match_thr) & ~takeable[best_col]
    cols[absorbed] = best_col[absorbed]
    confs[absorbed] = best_conf[absorbed]

    rows = torch.nonzero(can_take & ~absorbed).squeeze(1)
    track_cols = torch.nonzero(takeable).squeeze(1)
    assigned = torch.zeros(num_cols, dtype=torch.bool, device=device)
    if rows.numel() > 0 and track_cols.numel() > 0:
        sub = similarity[rows][:, track_cols]
        gain = (sub - match_thr).clamp(min=0).double().cpu().numpy()
        row_ids, col_ids = linear_sum_assignment(gain, maximize=True)
        ok = gain[row_ids, col_ids] > 0
        row_ids = torch.as_tensor(row_ids[ok], dtype=torch.long)
        col_ids = torch.as_tensor(col_ids[ok], dtype=torch.long)
        row_ids, col_ids = row_ids.to(device), col_ids.to(device)
        cols[rows[row_ids]] = track_cols[col_ids]
        confs[rows[row_ids]] = sub[row_ids, col_ids]
        assigned[track_cols[col_ids]] = True

    others = ~can_take
    if bool(others.any()):
        conf, col = similarity[others].masked_fill(assigned,
                                                   float('-inf')).max(dim=1)
        cols[others] = torch.where(conf > match_thr, col, -1)
        confs[others] = conf
    return cols, confs


def match(similarity: Tensor,
          match_thr: float,
          takeable: Tensor,
          can_take: Tensor,
          method: str = 'greedy') -> Tuple[Tensor, Tensor]:
    """Dispatch to :func:`greedy_match` or :func:`hungarian_match`.

    Args:
        similarity (Tensor): Similarity of shape (N, M).
        match_thr (float): Matching threshold.
        takeable (Tensor): Boolean mask of shape (M, ).
        can_take (Tensor): Boolean mask of shape (N, ).
        method (str): ``'greedy'`` or ``'hungarian'``. Defaults to
            ``'greedy'``.

    Returns:
        tuple[Tensor, Tensor]: ``cols`` and ``confs`` of shape (N, ).
    """
    if method == 'greedy':
        return greedy_match(similarity, match_thr, takeable, can_take)
    if method == 'hungarian':
        return hungarian_match(similarity, match_thr, takeable, can_take)
    raise ValueError(f'match method must be one of {MATCH_METHODS}, '
                     f'got {method!r}')


def min_cost_assignment(cost: np.ndarray,
                        cost_limit: float) -> Tuple[np.ndarray, np.ndarray]:
    """One-to-one assignment of least total cost among pairs under a limit.

    The rule of ``lap.lapjv(cost, extend_cost=True, cost_limit=limit)``
    (JDE, FairMOT, UniTrack): leaving a row or a column unmatched costs
    ``limit / 2``, so the result maximises the sum of ``limit - cost`` over
    the matched pairs, and only pairs with ``cost < limit`` are matched. It
    is solved with :func:`scipy.optimize.linear_sum_assignment` on that
    gain; ``inf`` or NaN entries are never matched.

    Args:
        cost (np.ndarray): (N, M) costs.
        cost_limit (float): Pairs must cost less than this.

    Returns:
        tuple[np.ndarray, np.ndarray]: row and column indices (K, ) of the
        matches, int64, sorted by row.
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2:
        raise ValueError(f'cost must be a 2-d matrix, got shape {cost.shape}')
    gain = cost_limit - cost
    gain = np.where(np.isfinite(gain) & (gain > 0), gain, 0.0)
    if not gain.any():
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    rows, cols = linear_sum_assignment(gain, maximize=True)
    keep = gain[rows, cols] > 0
    return rows[keep].astype(np.int64), cols[keep].astype(np.int64)
