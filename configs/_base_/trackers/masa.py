# Track manager presets of MASA (values of the public MASA configs,
# siyuanliii/masa). All: no categories in association (with_cats=False),
# embedding momentum 0.8, memory of 10 frames (num_frames_retain; raise it
# for long occlusions).
#
# TAO / open vocabulary (MasaTaoTracker in configs/masa-one/tao_teta_test):
# every detection is tracked, similarity (bi-softmax + cosine) / 2, greedy,
# no backdrops; "distractor" removal: a box scored below 0.5 overlapping a
# higher-scored box at IoU > 0.3 is dropped (no removal above 0.5).
# Optional centre-distance prior (off in the released configs,
# max_distance=-1): similarities are multiplied by 1 within
# max_distance * exp(gap / (fps / 6)) pixels of the track's last centre
# (gap: frames since it was seen), by exp(-excess / (100 / fps)) beyond;
# e.g. --cfg-options model.tracker.max_distance=100 model.tracker.fps=30.
masa_tao_tracker = dict(
    type='QuasiDenseTrackManager',
    init_score_thr=0.0001,
    obj_score_thr=0.0001,
    match_score_thr=0.5,
    num_frames_retain=10,
    num_frames_backdrop=0,
    memo_momentum=0.8,
    nms_conf_thr=0.5,
    nms_backdrop_iou_thr=0.3,
    nms_class_iou_thr=1.0,
    nms_score_thr=0.5,
    nms_with_cats=False,
    with_cats=False,
    match_metric='masa',
    match_method='greedy',
    max_distance=-1,
    fps=1)
# Plug-and-play with any detector (configs/masa-one/masa_r50_plug_and_play
# .py): the TAO preset with thresholds for raw detector scores and the
# centre-distance prior on (100 pixels, 30 fps, the released values).
masa_plug_and_play_tracker = dict(
    masa_tao_tracker, init_score_thr=0.1, obj_score_thr=0.01,
    max_distance=100, fps=30)
# BDD100K (MasaBDDTracker in configs/masa-one/bdd_test): QDTrack's BDD
# tracker without categories (bi-softmax, 1-frame backdrops).
masa_bdd_tracker = dict(
    type='QuasiDenseTrackManager',
    init_score_thr=0.5,
    obj_score_thr=0.3,
    match_score_thr=0.6,
    num_frames_retain=10,
    num_frames_backdrop=1,
    memo_momentum=0.8,
    nms_conf_thr=0.5,
    nms_backdrop_iou_thr=0.3,
    nms_class_iou_thr=0.7,
    with_cats=False,
    match_metric='bisoftmax',
    match_method='greedy')
