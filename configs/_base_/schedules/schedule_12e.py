# The paper's schedule: SGD lr 0.02 for a total batch of 16, 12 epochs, lr x0.1
# after epochs 8 and 11. Warmup and gradient clipping are on: without them the
# embedding loss is known to diverge.
# ResumableEpochBasedTrainLoop: mmengine's loop that, resumed from a
# mid-epoch (iteration) checkpoint, does not train that epoch's first
# batches again.
train_cfg = dict(
    type='ResumableEpochBasedTrainLoop', max_epochs=12, val_interval=12)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(
        type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
        end=1000),
    dict(
        type='MultiStepLR',
        begin=0,
        end=12,
        by_epoch=True,
        milestones=[8, 11],
        gamma=0.1)
]

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))

# lr is for 8 GPUs x 2 videos; --auto-scale-lr rescales it for other sizes.
auto_scale_lr = dict(enable=False, base_batch_size=16)
