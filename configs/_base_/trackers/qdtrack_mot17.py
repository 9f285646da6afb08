# QDTrack track manager for MOT17 (pedestrians). Values of the public
# QDTrack config (configs/mot17/qdtrack-frcnn_r50_fpn_4e_mot17.py) and of
# mmdet 3.x's QDTrack MOT17 config.
mot17_tracker = dict(
    type='QuasiDenseTrackManager',
    init_score_thr=0.9,
    obj_score_thr=0.5,
    match_score_thr=0.5,
    num_frames_retain=30,
    num_frames_backdrop=1,
    memo_momentum=0.8,
    nms_conf_thr=0.5,
    nms_backdrop_iou_thr=0.3,
    nms_class_iou_thr=0.7,
    with_cats=True,
    match_metric='bisoftmax',
    match_method='greedy')
