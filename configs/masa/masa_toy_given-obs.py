# MASA's embeddings on given boxes: the toy videos' public det.txt boxes
# are embedded by the adapter of a MASA toy checkpoint and tracked (the
# same boxes SORT tracks in configs/sort/sort_public-det_toy.py).
# python tools/test.py THIS_CONFIG work_dirs/masa_toy_static/iter_120.pth
_base_ = [
    '../_base_/models/masa_toy.py',
    '../_base_/datasets/toy_mot.py',
    '../_base_/default_runtime.py',
]

model = dict(
    box_source='given',
    # the plug-and-play preset: (bi-softmax + cosine) / 2, no backdrops,
    # 10 frames of memory (raise num_frames_retain for long occlusions);
    # without its centre-distance prior, as the toy results in
    # docs/masa.md were measured (model.tracker.max_distance=100 turns
    # it on)
    tracker=dict(_base_.masa_plug_and_play_tracker, max_distance=-1))
train_dataloader = None  # train with masa_toy_static.py
train_cfg = None
optim_wrapper = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
