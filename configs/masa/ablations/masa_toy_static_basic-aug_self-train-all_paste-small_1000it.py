# Context breaking on the self-trained boxes, large background boxes left
# out: masa_toy_static_basic-aug_self-train-all_1000it.py with one change,
# each view first pastes, with probability 0.5, every box covering at most
# 5 % of the image (about 64 of the 100, a fifth of the image; the people
# and their parts) onto another training image, and drops the larger ones
# from that view (PasteOnOtherImage(max_area=0.05)). Unlike
# ..._self-train-all_paste-shared_1000it.py (a random fifth of all boxes,
# the big ones taking their surroundings with them) the kept instances lose
# about 77 % of their surroundings.
_base_ = './masa_toy_static_basic-aug_self-train-all_1000it.py'

train_dataloader = dict(
    dataset=dict(
        num_mix_images=1,
        pipeline=[
            dict(
                type='TwoViews',
                transforms=[
                    dict(type='PasteOnOtherImage', prob=0.5, max_area=0.05)
                ] + _base_.masa_basic_view_transforms),
            _base_.masa_pack_views,
        ]))
