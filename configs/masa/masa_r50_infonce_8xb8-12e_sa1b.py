# MASA-R50 with the paper's loss: InfoNCE on cosine similarity / 0.07
# (instead of the public code's unbiased loss on raw dot products).
_base_ = ['./masa_r50_8xb8-12e_sa1b.py']

model = dict(track_head=dict(embed_head=_base_.masa_infonce_embed_head))
