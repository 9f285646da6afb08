import json
import os.path as osp
import runpy

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = runpy.run_path(osp.join(ROOT, 'tools/masa/select_images.py'))


def _source():
    return dict(
        videos=[dict(id=1, name='V')],
        images=[dict(id=i, file_name=f'f{i}.jpg') for i in (1, 2, 3)],
        annotations=[
            dict(id=1, image_id=1, bbox=[0, 0, 2, 2], ignore=0),
            dict(id=2, image_id=2, bbox=[0, 0, 2, 2], ignore=1),
            dict(id=3, image_id=2, bbox=[1, 1, 2, 2], iscrowd=0),
            dict(id=4, image_id=3, bbox=[1, 1, 2, 2]),
        ])


def test_keeps_the_reference_images_and_their_annotations(tmp_path):
    src, ref = tmp_path / 'src.json', tmp_path / 'ref.json'
    src.write_text(json.dumps(_source()))
    ref.write_text(json.dumps(dict(
        images=[dict(id=7, file_name='f2.jpg'),
                dict(id=8, file_name='f3.jpg')], annotations=[])))
    out = tmp_path / 'out.json'
    TOOL['main']([str(src), str(ref), str(out)])
    data = json.loads(out.read_text())
    assert [i['id'] for i in data['images']] == [2, 3]
    assert [a['id'] for a in data['annotations']] == [2, 3, 4]
    assert data['videos'] == [dict(id=1, name='V')]
    TOOL['main']([str(src), str(ref), str(out), '--drop-ignored'])
    assert [a['id'] for a in json.loads(out.read_text())['annotations']
            ] == [3, 4]


def test_reference_image_missing_from_source():
    with pytest.raises(ValueError, match='1 images .* e.g. f9.jpg'):
        TOOL['select_images'](_source(), dict(
            images=[dict(file_name='f9.jpg')]))
