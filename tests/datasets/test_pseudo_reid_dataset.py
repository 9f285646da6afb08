"""PseudoReIDDataset, CropBox and PKSampler."""
import json

import cv2
import numpy as np
import pytest

from qdtrack.datasets import PKSampler, PseudoReIDDataset


def write_dataset(tmp_path, labels, bbox=(4, 2, 12, 18)):
    img = np.zeros((20, 16, 3), dtype=np.uint8)
    img[2:18, 4:12] = (10, 20, 30)
    cv2.imwrite(str(tmp_path / 'f.png'), img)
    data = dict(metainfo=dict(num_ids=len(set(labels))), data_list=[
        dict(img_path='f.png', bbox=list(bbox), gt_label=int(label),
             video='v', frame_index=i) for i, label in enumerate(labels)
    ])
    path = tmp_path / 'reid.json'
    path.write_text(json.dumps(data))
    return str(path)


def build(tmp_path, labels, **kwargs):
    return PseudoReIDDataset(
        ann_file=write_dataset(tmp_path, labels, **kwargs),
        data_prefix=dict(img_path=str(tmp_path)),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='CropBox', scale=(4, 8)),
                  dict(type='mmdet.PackReIDInputs')])


def test_dataset_crops_and_labels(tmp_path):
    ds = build(tmp_path, [0, 0, 1, 2])
    assert len(ds) == 4 and ds.metainfo['num_ids'] == 3
    assert sorted(ds.index_dic) == [0, 1, 2]
    item = ds[2]
    assert tuple(item['inputs'].shape) == (1, 3, 8, 4)
    # the box covers exactly the coloured patch
    assert (item['inputs'] == item['inputs'].new_tensor(
        [10, 20, 30])[None, :, None, None]).all()
    assert item['data_samples'].gt_label.label.tolist() == [1]


def test_dataset_rejects_bad_records(tmp_path):
    with pytest.raises(ValueError, match='bad bbox'):
        build(tmp_path, [0], bbox=(5, 5, 5, 9))
    path = tmp_path / 'neg.json'
    path.write_text(json.dumps(dict(metainfo={}, data_list=[
        dict(img_path='f.png', bbox=[0, 0, 2, 2], gt_label=-1)])))
    with pytest.raises(ValueError, match='gt_label'):
        PseudoReIDDataset(ann_file=str(path), data_prefix=dict(img_path=''))


class Labels:

    def __init__(self, labels):
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def get_data_info(self, i):
        return dict(gt_label=np.array(self.labels[i]))


def test_pk_sampler_batches():
    labels = [0] * 9 + [1] * 4 + [2] * 2 + [3] * 5 + [4] * 1
    sampler = PKSampler(Labels(labels), num_ids=2, num_instances=4, seed=1)
    idx = list(sampler)
    assert len(idx) == len(sampler) and len(idx) % 8 == 0
    for b in range(0, len(idx), 8):
        batch = np.asarray(labels)[idx[b:b + 8]]
        ids, counts = np.unique(batch, return_counts=True)
        assert len(ids) == 2 and counts.tolist() == [4, 4]
    # groups of 4: id0 2, id1 1, id2 1 (drawn with replacement), id3 1,
    # id4 1: 6 groups, 3 batches unless id0's second group is left alone
    assert len(idx) in (16, 24)
    assert all(labels[i] in (2, 4) or idx.count(i) == 1 for i in idx)
    assert list(PKSampler(Labels(labels), 2, 4, seed=1)) == idx
    sampler.set_epoch(1)
    assert list(sampler) != idx
    with pytest.raises(ValueError, match='identities'):
        PKSampler(Labels([0, 0]), num_ids=2, num_instances=2, seed=0)
