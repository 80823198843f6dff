#!/usr/bin/python3
# stereo-vs-opencv.py: Parallax's stereo matcher against OpenCV's StereoSGBM
# (MODE_SGBM_3WAY) on the Middlebury scenes, same pairs, same thread count,
# in the same run. Builds nothing itself: point it at a built parallax-tool.
#
#   /usr/bin/python3 tests/bench/recon/stereo-vs-opencv.py \
#       --tool BUILD/app/parallax-tool [--threads T] [--repeat K] [--rounds R] [DATA]
#
# DATA defaults to ../shared/data/stereo beside the source tree (or
# $PX_SHARED_DATA/stereo). Per scene it prints our median ms, OpenCV's
# median ms, their ratio (ours / OpenCV, below 1 is faster), our bad-2.0
# and OpenCV's (percent of scored pixels off by more than 2 px, missing
# pixels counted as bad); then the mean ratio and the ratio of mean bad-2.0.
# Both sides are timed on images already in memory: OpenCV's compute() on
# the colour images, our match on the grey ones the tool loaded. The runs
# alternate between the two in --rounds rounds, and each side's figure is
# the median of its round medians, so that a change in the machine's load
# weighs on both alike. Exit status 77 when the data is absent.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

import cv2

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, HERE)
import middlebury  # noqa: E402
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location('opencv_sgbm', os.path.join(HERE, 'opencv-sgbm.py'))
opencv_sgbm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(opencv_sgbm)


def default_data():
    shared = os.environ.get('PX_SHARED_DATA',
                            os.path.join(HERE, '..', '..', '..', '..', 'shared', 'data'))
    return os.path.join(shared, 'stereo')


def run_ours(tool, scene, threads, repeat, out):
    result = subprocess.run(
        [tool, 'stereo', scene.left, scene.right, '--max-disparity', str(scene.max_disparity),
         '--threads', str(threads), '--repeat', str(repeat), '--out', out],
        check=True, capture_output=True, text=True, timeout=600)
    ms = float(re.search(r'median ([0-9.]+) ms', result.stdout)[1])
    return ms, middlebury.read_pfm(out)


def main():
    parser = argparse.ArgumentParser(description='Parallax stereo against OpenCV StereoSGBM')
    parser.add_argument('--tool', required=True, help='path to a built parallax-tool')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeat', type=int, default=11, help='runs per round')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('data', nargs='?', default=default_data())
    args = parser.parse_args()

    scenes = middlebury.scenes(args.data)
    if not scenes:
        print(f'no Middlebury scenes under {args.data}; skipping')
        return 77
    cv2.setNumThreads(args.threads)
    print(f'threads {args.threads}, {args.rounds} rounds of {args.repeat} runs; OpenCV {cv2.__version__} '
          f'StereoSGBM MODE_SGBM_3WAY, blockSize {opencv_sgbm.BLOCK_SIZE}')
    print(f'{"scene":20s} {"ours ms":>9s} {"opencv ms":>10s} {"ratio":>6s} '
          f'{"ours bad2":>10s} {"opencv bad2":>12s}')
    ratios, ours_bad, theirs_bad = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for scene in scenes:
            our_rounds, their_rounds = [], []
            for _ in range(args.rounds):
                ms, ours = run_ours(args.tool, scene, args.threads, args.repeat,
                                    os.path.join(tmp, scene.name + '.pfm'))
                cv_ms, theirs = opencv_sgbm.run(scene, args.repeat)
                our_rounds.append(ms)
                their_rounds.append(cv_ms)
            ms = statistics.median(our_rounds)
            cv_ms = statistics.median(their_rounds)
            ratios.append(ms / cv_ms)
            ours_bad.append(scene.bad(ours))
            theirs_bad.append(scene.bad(theirs))
            print(f'{scene.name:20s} {ms:9.2f} {cv_ms:10.2f} {ratios[-1]:6.2f} '
                  f'{ours_bad[-1]:9.2f}% {theirs_bad[-1]:11.2f}%')
    mean_ours = sum(ours_bad) / len(ours_bad)
    mean_theirs = sum(theirs_bad) / len(theirs_bad)
    print(f'mean time ratio {sum(ratios) / len(ratios):.2f} (goal < 1 on every scene); '
          f'mean bad-2.0 {mean_ours:.2f}% vs {mean_theirs:.2f}%, ratio {mean_ours / mean_theirs:.2f} '
          f'(goal <= 0.70)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
