# MASA-R50 with the paper's loss: InfoNCE on cosine similarity / 0.07
# (instead of the public code's unbiased loss on raw dot products).
_base_ = ['./masa_r50_8xb8-12e_sa1b.py']

model = dict(
    track_head=dict(
        embed_head=dict(
            cosine_logits=True,
            softmax_temp=0.07,
            loss_track=dict(
                _delete_=True, type='InfoNCELoss', loss_weight=0.25))))
