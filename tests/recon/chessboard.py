#!/usr/bin/python3
# chessboard.py: OpenCV's side of the rectification test on the real
# chessboard pairs (../shared/data/calibration/opencv-chessboard-stereo).
#
#   chessboard.py calibrate DATA OUTDIR
#       finds the 9x6 inner corners, calibrates each camera and the pair
#       with OpenCV, and writes the result as cv::FileStorage files the way
#       stereo_calib.cpp does: OUTDIR/stereo.yml and OUTDIR/stereo.xml
#       (M1 D1 M2 D2 R T image_width image_height), and the split
#       OUTDIR/intrinsics.yml + OUTDIR/extrinsics.yml.
#   chessboard.py measure DIR
#       finds the corners again in DIR/leftNN.png and DIR/rightNN.png
#       (images rectified by Parallax) and prints a JSON line with the mean
#       |dy| between matching corners and the number of pairs measured.
#
# Exits with 77 when OpenCV is missing, so that the test skips.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import json
import os
import sys

try:
    import cv2
    import numpy as np
except ImportError:
    print('python3-opencv is not installed', file=sys.stderr)
    sys.exit(77)

PATTERN = (9, 6)
CRITERIA = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.01)


def corners(path):
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise SystemExit(f'cannot read {path}')
    found, points = cv2.findChessboardCorners(
        image, PATTERN, flags=cv2.CALIB_CB_ADAPTIVE_THRESH | cv2.CALIB_CB_NORMALIZE_IMAGE)
    if not found:
        return image.shape, None
    return image.shape, cv2.cornerSubPix(image, points, (11, 11), (-1, -1), CRITERIA)


def pairs(folder, extension):
    for left in sorted(glob.glob(os.path.join(folder, 'left*.' + extension))):
        right = left.replace('left', 'right')
        if os.path.exists(right):
            yield left, right


def write(path, names, values):
    storage = cv2.FileStorage(path, cv2.FILE_STORAGE_WRITE)
    for name in names:
        if isinstance(values[name], int):
            storage.write(name, values[name])
        else:
            storage.write(name, values[name])
    storage.release()


def calibrate(data, out):
    board = np.zeros((PATTERN[0] * PATTERN[1], 3), np.float32)
    board[:, :2] = np.mgrid[0:PATTERN[0], 0:PATTERN[1]].T.reshape(-1, 2)
    objects, lefts, rights = [], [], []
    size = None
    for left, right in pairs(data, 'jpg'):
        shape, l_points = corners(left)
        _, r_points = corners(right)
        size = (shape[1], shape[0])
        if l_points is not None and r_points is not None:
            objects.append(board)
            lefts.append(l_points)
            rights.append(r_points)
    if len(objects) < 5:
        raise SystemExit(f'only {len(objects)} usable pairs')
    _, m1, d1, _, _ = cv2.calibrateCamera(objects, lefts, size, None, None)
    _, m2, d2, _, _ = cv2.calibrateCamera(objects, rights, size, None, None)
    rms, m1, d1, m2, d2, r, t, _, _ = cv2.stereoCalibrate(
        objects, lefts, rights, m1, d1, m2, d2, size,
        criteria=(cv2.TERM_CRITERIA_COUNT + cv2.TERM_CRITERIA_EPS, 100, 1e-5),
        flags=cv2.CALIB_FIX_INTRINSIC)
    values = {'M1': m1, 'D1': d1, 'M2': m2, 'D2': d2, 'R': r, 'T': t,
              'image_width': size[0], 'image_height': size[1]}
    everything = list(values)
    write(os.path.join(out, 'stereo.yml'), everything, values)
    write(os.path.join(out, 'stereo.xml'), everything, values)
    write(os.path.join(out, 'intrinsics.yml'), ['M1', 'D1', 'M2', 'D2', 'image_width', 'image_height'], values)
    write(os.path.join(out, 'extrinsics.yml'), ['R', 'T'], values)
    print(json.dumps({'pairs': len(objects), 'rms': rms}))


def measure(folder):
    total, count, measured = 0.0, 0, 0
    for left, right in pairs(folder, 'png'):
        _, l_points = corners(left)
        _, r_points = corners(right)
        if l_points is None or r_points is None:
            continue
        dy = np.abs(l_points[:, 0, 1] - r_points[:, 0, 1])
        total += float(dy.sum())
        count += len(dy)
        measured += 1
    print(json.dumps({'pairs': measured, 'mean_dy': total / count if count else None}))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == 'calibrate':
        calibrate(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == 'measure':
        measure(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main())
