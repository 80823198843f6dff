#!/usr/bin/python3
# opencv-sgbm.py: OpenCV's StereoSGBM (MODE_SGBM_3WAY) on the Middlebury
# scenes, the peer of `parallax-tool stereo` in the stereo benchmark, and the
# source of the thresholds in tests/recon/middlebury-thresholds.txt.
#
#   /usr/bin/python3 tests/bench/recon/opencv-sgbm.py [--threads T] [--repeat K] [DATA]
#
# Parameters: those of OpenCV's samples/cpp/stereo_match.cpp for SGBM
# (blockSize 3, P1 = 8·cn·9, P2 = 32·cn·9, preFilterCap 63, uniquenessRatio 10,
# speckleWindowSize 100, speckleRange 32, disp12MaxDiff 1) on the colour
# images, numDisparities = ndisp rounded up to 16.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import os
import statistics
import sys
import time

import cv2
import numpy as np

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import middlebury  # noqa: E402

BLOCK_SIZE = 3


def make_sgbm(max_disparity, channels):
    return cv2.StereoSGBM_create(
        minDisparity=0, numDisparities=max_disparity, blockSize=BLOCK_SIZE,
        P1=8 * channels * BLOCK_SIZE * BLOCK_SIZE,
        P2=32 * channels * BLOCK_SIZE * BLOCK_SIZE,
        disp12MaxDiff=1, preFilterCap=63, uniquenessRatio=10,
        speckleWindowSize=100, speckleRange=32,
        mode=cv2.STEREO_SGBM_MODE_SGBM_3WAY)


def run(scene, repeat):
    """Median milliseconds of compute() over repeat runs, and the disparity
    in pixels (NaN where OpenCV gives none)."""
    left = cv2.imread(scene.left, cv2.IMREAD_COLOR)
    right = cv2.imread(scene.right, cv2.IMREAD_COLOR)
    sgbm = make_sgbm(scene.max_disparity, 3)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        raw = sgbm.compute(left, right)
        times.append((time.perf_counter() - start) * 1000.0)
    disparity = np.where(raw >= 0, raw.astype(np.float32) / 16.0, np.nan)
    return statistics.median(times), disparity


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('data', nargs='?', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'shared', 'data', 'stereo'))
    args = parser.parse_args()
    cv2.setNumThreads(args.threads)
    for scene in middlebury.scenes(args.data):
        ms, disparity = run(scene, args.repeat)
        print(f'{scene.name:20s} ndisp {scene.max_disparity:3d}  {ms:8.2f} ms  '
              f'bad-2.0 {scene.bad(disparity):6.2f} %')


if __name__ == '__main__':
    main()
