# masa_toy_static_basic-aug_self-train-all_1000it.py with one change: the
# paper's loss (InfoNCE on cosine similarity / tau 0.07) instead of the
# public code's (raw dot products, positives weighted 1/|P| in the
# denominator), as masa_toy_static_infonce.py does on the 120-iteration
# schedule.
_base_ = './masa_toy_static_basic-aug_self-train-all_1000it.py'

model = dict(track_head=dict(embed_head=_base_.masa_infonce_embed_head))
