# MASA-SAM-H on given pedestrian boxes of BDD100K box-tracking val: see
# masa_sam_vit-b_given-det_bdd100k-pedestrian.py.
_base_ = ['./masa_sam_vit-b_given-det_bdd100k-pedestrian.py']

model = dict(
    backbone=dict(arch='vit-h', out_indices=(7, 15, 23, 31)),
    masa_adapter=dict(pyramid=dict(in_channels=1280)))
