# DeepSORT's association (values of the reference deep_sort code): cosine
# gallery of 100 embeddings per track gated at 0.2, Mahalanobis gate at
# chi-square 95%, matching cascade, IoU for the rest, 3 hits to confirm.
deepsort_tracker = dict(
    type='DeepSORTTracker',
    max_cosine_distance=0.2,
    gate=9.4877,
    budget=100,
    max_iou_distance=0.7,
    max_age=30,
    n_init=3,
    score_thr=0.0)
