# MOT17 schedule of the public QDTrack configs: 4 epochs, lr x0.1 after 3.
_base_ = './schedule_12e.py'

train_cfg = dict(max_epochs=4, val_interval=4)
param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=1000),
    dict(
        type='MultiStepLR',
        begin=0,
        end=4,
        by_epoch=True,
        milestones=[3],
        gamma=0.1)
]
