import os.path as osp
import runpy

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = runpy.run_path(osp.join(ROOT, 'tools/masa/tune_felzenszwalb.py'))


def test_parse_setting():
    parse = TOOL['parse_setting']
    assert parse('scales=50,150 sigma=0.5') == dict(scales=(50, 150),
                                                    sigma=0.5)
    assert parse('max_per_image=400 scales=25.0,75') == dict(
        max_per_image=400, scales=(25.0, 75))
    assert parse('score=boundary area_weight=0.25') == dict(
        score='boundary', area_weight=0.25)
    assert parse('') == {}
