# Ablation of masa_toy_static.py: the paper's loss (InfoNCE on cosine
# similarity / tau 0.07) instead of the public code's (raw dot products,
# positives weighted 1/|P| in the denominator).
_base_ = '../masa_toy_static.py'

model = dict(
    track_head=dict(
        embed_head=dict(
            cosine_logits=True,
            softmax_temp=0.07,
            loss_track=dict(type='InfoNCELoss', loss_weight=0.25))))
