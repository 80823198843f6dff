#!/usr/bin/env python3
# Runs a command whose program may be missing on this machine: when it is,
# says so and exits with 77, which meson reports as a skipped test.
#
# Usage: run-or-skip.py [--in-tempdir] PROGRAM [ARGUMENTS...]
#
# --in-tempdir runs the command in a temporary directory that is removed
# afterwards, for programs that leave state in their working directory
# (flatpak-builder creates .flatpak-builder/ there).

import os
import shutil
import subprocess
import sys
import tempfile

args = sys.argv[1:]
in_tempdir = bool(args) and args[0] == '--in-tempdir'
if in_tempdir:
    args = args[1:]
if not args:
    print('usage: %s [--in-tempdir] PROGRAM [ARGUMENTS...]' % sys.argv[0], file=sys.stderr)
    sys.exit(2)

program = shutil.which(args[0])
if program is None:
    print('SKIP: %s is not installed' % args[0])
    sys.exit(77)

argv = [program] + args[1:]
sys.stdout.flush()
if not in_tempdir:
    os.execv(program, argv)

# In the temporary directory, relative paths among the arguments must still
# name what they named here.
argv = [program] + [os.path.abspath(a) if os.path.exists(a) else a for a in args[1:]]
with tempfile.TemporaryDirectory() as tmp:
    sys.exit(subprocess.call(argv, cwd=tmp))
