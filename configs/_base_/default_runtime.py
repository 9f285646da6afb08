default_scope = 'qdtrack'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # crash-safe saves (temporary file + rename; old ones removed after),
    # every epoch, the last 3 kept; short (toy) runs save by iteration
    checkpoint=dict(
        type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='TrackVisualizationHook', draw=False))

# A NaN or inf loss or gradient is never applied to the weights; 'stop'
# raises an error naming the iteration, the loss terms and the last good
# checkpoint, 'skip' drops the step (docs/reliability.md).
custom_hooks = [dict(type='InvalidLossHook', action='stop')]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='TrackLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
