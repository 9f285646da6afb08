# UniTrack's MOT association (the public code's JDE-style tracker, values of
# its MOT config): appearance cost + 0.02 x squared Mahalanobis distance,
# gated at chi-square 95%, then IoU, then unconfirmed tracks by IoU.
unitrack_tracker = dict(
    type='UniTrackTracker',
    metric='rsm',
    temperature=0.01,
    motion_weight=0.02,
    motion_gate=True,
    match_cost_limit=0.7,
    iou_cost_limit=0.5,
    unconfirmed_cost_limit=0.7,
    obj_score_thr=0.5,
    init_score_thr=0.5,
    frame_rate=30,
    buffer_seconds=1.0)
# The same association for any (N, D) embedding: their cosine, on the toy
# videos (10 fps). configs/family/ runs every appearance source in it.
unitrack_toy_embedding_tracker = dict(
    unitrack_tracker, metric='global', frame_rate=10)
