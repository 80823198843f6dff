# middlebury.py: the Middlebury scenes in ../shared/data/stereo, their
# ground truth, and the bad-T score, shared by the stereo benchmark scripts.
#
# Scoring (the same as tests/recon/test-stereo-middlebury.c): the scored
# pixels are those with a known ground truth (and, where the scene ships a
# non-occlusion mask, only the non-occluded ones); a pixel whose error
# exceeds T, or that has no value in the result, is bad.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re

import numpy as np
import cv2

SCENES = [
    # name, left, right, ground truth, scale, non-occlusion mask, ndisp
    ('2003_cones', 'im2.png', 'im6.png', 'disp2.png', 4, None, 64),
    ('2003_teddy', 'im2.png', 'im6.png', 'disp2.png', 4, None, 64),
    ('mev2_Tsukuba', 'imL.png', 'imR.png', 'truedisp.pgm', 16, 'nonocc.png', 16),
    ('mev2_Venus', 'imL.png', 'imR.png', 'disp2.pgm', 8, None, 32),
    ('2014_Q_Teddy', 'im0.png', 'im1.png', 'disp0GT.pfm', 1, 'mask0nocc.png', None),
    ('2014_Q_ArtL', 'im0.png', 'im1.png', 'disp0GT.pfm', 1, 'mask0nocc.png', None),
    ('2014_Q_Motorcycle', 'im0.png', 'im1.png', 'disp0GT.pfm', 1, 'mask0nocc.png', None),
]


def read_pfm(path):
    """A greyscale PFM as float32 rows top to bottom (the file stores them
    bottom to top); the scale's sign gives the byte order."""
    with open(path, 'rb') as f:
        data = f.read()
    fields = re.match(rb'Pf\s+(\d+)\s+(\d+)\s+(\S+)\s', data)
    if not fields:
        raise ValueError(f'{path}: not a greyscale PFM')
    width, height, scale = int(fields[1]), int(fields[2]), float(fields[3])
    dtype = '<f4' if scale < 0 else '>f4'
    pixels = np.frombuffer(data, dtype=dtype, count=width * height, offset=fields.end())
    return np.flipud(pixels.reshape(height, width)).astype(np.float32)


def ndisp_from_calib(path):
    with open(path) as f:
        match = re.search(r'ndisp\s*=\s*(\d+)', f.read())
    return int(match[1])


def round_up_16(n):
    return (n + 15) // 16 * 16


class Scene:
    def __init__(self, root, name, left, right, gt, scale, mask, ndisp):
        folder = os.path.join(root, name)
        self.name = name
        self.left = os.path.join(folder, left)
        self.right = os.path.join(folder, right)
        if ndisp is None:
            ndisp = ndisp_from_calib(os.path.join(folder, 'calib.txt'))
        # Both matchers get the same range, a multiple of 16 as OpenCV needs.
        self.max_disparity = round_up_16(ndisp)
        gt_path = os.path.join(folder, gt)
        if gt_path.endswith('.pfm'):
            truth = read_pfm(gt_path)
            self.scored = np.isfinite(truth)
        else:
            raw = cv2.imread(gt_path, cv2.IMREAD_UNCHANGED).astype(np.float32)
            truth = raw / scale
            self.scored = raw > 0
        if mask:
            self.scored &= cv2.imread(os.path.join(folder, mask), cv2.IMREAD_GRAYSCALE) == 255
        self.truth = np.where(self.scored, truth, 0)

    def bad(self, disparity, threshold=2.0):
        """Percentage of scored pixels off by more than threshold; a pixel
        with no value (inf, NaN or negative) counts as bad."""
        valid = np.isfinite(disparity) & (disparity >= 0)
        error = np.abs(np.where(valid, disparity, 0) - self.truth)
        bad = (~valid | (error > threshold)) & self.scored
        return 100.0 * bad.sum() / self.scored.sum()


def scenes(root):
    return [Scene(root, *spec) for spec in SCENES
            if os.path.isdir(os.path.join(root, spec[0]))]
