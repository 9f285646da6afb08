"""Score TAO results with the authors' TETA code; write the numbers as JSON.

Runs in the environment made by ``tools/benchmarks/teta_reference.sh`` (the
``teta`` package of SysCV/tet, numpy, scipy) and needs nothing of qdtrack::

    python tools/benchmarks/teta_reference_run.py GT.json RESULTS.json \
        OUT.json [--max-dets 300]

GT.json is TAO's JSON (``tools/convert_tao.py coco2tao`` writes it for a
CocoVID file), RESULTS.json TAO results. OUT.json gets, in percent,
``combined`` (the class average the authors report) and ``per_class``
(name -> fields), each with TETA, LocA, AssocA, ClsA, LocRe, LocPr,
AssocRe, AssocPr, ClsRe, ClsPr at full precision (the authors' tables
round to 5 digits), and the versions used.
"""
import argparse
import json
import os
import pickle
import sys
import tempfile


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('gt', help='TAO ground-truth JSON')
    parser.add_argument('results', help='TAO results JSON')
    parser.add_argument('out', help='output JSON')
    parser.add_argument('--max-dets', type=int, default=300,
                        help='boxes kept per image (run_tao.py: 300)')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import numpy as np
    import scipy
    from teta.datasets import TAO
    from teta.eval import Evaluator
    from teta.metrics import TETA

    fields = TETA().summary_fields

    def full_precision(self, res):
        # the summary row in percent, without the authors' 5-digit format
        return [100 * float(np.mean(res[h])) for h in self.summary_fields]

    TETA._summary_row = full_precision
    with tempfile.TemporaryDirectory() as work:
        eval_cfg = dict(USE_PARALLEL=False, PRINT_CONFIG=False,
                        PRINT_RESULTS=False, TIME_PROGRESS=False,
                        OUTPUT_SUMMARY=True, OUTPUT_TEM_RAW_DATA=True,
                        OUTPUT_PER_SEQ_RES=True, BREAK_ON_ERROR=True,
                        LOG_ON_ERROR=os.path.join(work, 'error_log.txt'))
        data_cfg = dict(GT_FOLDER=os.path.abspath(args.gt),
                        TRACKERS_FOLDER=work, OUTPUT_FOLDER=work,
                        TRACKERS_TO_EVAL=['ours'],
                        TRACKER_SUB_FOLDER=os.path.abspath(args.results),
                        MAX_DETECTIONS=args.max_dets, PRINT_CONFIG=False)
        Evaluator(eval_cfg).evaluate([TAO(data_cfg)],
                                     [TETA(exhaustive=False)])
        with open(os.path.join(work, 'ours', 'teta_summary_results.pth'),
                  'rb') as f:
            summary = pickle.load(f)
    rows = {cls: dict(zip(fields, res['TETA'][50]))
            for cls, res in summary['COMBINED_SEQ'].items()}
    combined = rows.pop('average', None) or rows.pop('all', None)
    out = dict(combined=combined, per_class=rows,
               versions=dict(python=sys.version.split()[0],
                             numpy=np.__version__, scipy=scipy.__version__))
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=1, sort_keys=True)
    return out


if __name__ == '__main__':
    main()
