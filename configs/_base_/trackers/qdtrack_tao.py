# QDTrack track manager for TAO (large vocabulary). Values of the public
# QDTrack TaoTracker (configs/tao/qdtrack_frcnn_r101_fpn_24e_lvis.py):
# near-zero score thresholds (every detection is tracked, TAO is scored by
# track AP), no backdrops, bi-softmax averaged with cosine
# (match_with_cosine=True, i.e. our 'masa' metric) with the softmaxes
# normalised over same-category items, duplicate ("distractor") removal only
# for scores below 0.5 and within a category at IoU 0.3, and score smoothing
# of matched detections with momentum 0.5. Its obj_score_diff_thr=1.0 never
# rejects a match (scores lie in [0, 1]) and has no counterpart here.
tao_tracker = dict(
    type='QuasiDenseTrackManager',
    init_score_thr=0.0001,
    obj_score_thr=0.0001,
    match_score_thr=0.5,
    num_frames_retain=10,
    num_frames_backdrop=0,
    memo_momentum=0.8,
    score_momentum=0.5,
    nms_conf_thr=0.5,
    nms_backdrop_iou_thr=0.3,
    nms_class_iou_thr=1.0,
    nms_score_thr=0.5,
    nms_with_cats=True,
    with_cats=True,
    mask_cats_before_softmax=True,
    match_metric='masa',
    match_method='greedy')
