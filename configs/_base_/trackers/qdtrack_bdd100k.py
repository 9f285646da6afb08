# QDTrack track manager for BDD100K MOT (8 classes). Values of the public
# QDTrack config (configs/bdd100k/qdtrack-frcnn_r50_fpn_12e_bdd100k.py).
bdd100k_tracker = dict(
    type='QuasiDenseTrackManager',
    init_score_thr=0.7,
    obj_score_thr=0.3,
    match_score_thr=0.5,
    num_frames_retain=10,
    num_frames_backdrop=1,
    memo_momentum=0.8,
    nms_conf_thr=0.5,
    nms_backdrop_iou_thr=0.3,
    nms_class_iou_thr=0.7,
    with_cats=True,
    match_metric='bisoftmax',
    match_method='greedy')
