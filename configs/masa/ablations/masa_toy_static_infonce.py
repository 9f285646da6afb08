# Ablation of masa_toy_static.py: the paper's loss (InfoNCE on cosine
# similarity / tau 0.07) instead of the public code's (raw dot products,
# positives weighted 1/|P| in the denominator).
_base_ = '../masa_toy_static.py'

model = dict(track_head=dict(embed_head=_base_.masa_infonce_embed_head))
