# SSL-MOT on the toy benchmark's given boxes: a crop embedder trained on the
# toy training videos' det.txt crops without identities
# (tools/train_ssl_mot.py; ImageNet MobileNetV2 to layer5 + projector), its
# cosine in UniTrack's association (Kalman motion, same thresholds).
#   python tools/train_ssl_mot.py data/toy/train work_dirs/ssl_mot_toy
#   python tools/test.py THIS_CONFIG \
#       --cfg-options model.checkpoint=work_dirs/ssl_mot_toy/embedder.pth
# Without a checkpoint the embedder is ImageNet + an untrained projector.
_base_ = ['../unitrack/unitrack_rsm_mobilenetv2-s8_toy.py']

model = dict(
    _delete_=True,
    type='SSLMOT',
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    embedder=dict(
        type='SSLMOTEmbedder',
        backbone=dict(type='DSRMobileNetV2', out_indices=(4, )),
        in_channels=96,
        embed_dim=128,
        proj_hidden=256,
        pred_hidden=32),
    checkpoint=None,
    crop_size=(64, 32),
    tracker=dict(
        type='UniTrackTracker',
        metric='global',
        frame_rate=10))
