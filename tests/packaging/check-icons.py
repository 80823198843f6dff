#!/usr/bin/env python3
# Checks the app icons: the full-colour scalable icon and the symbolic one.
#
# Both must be well-formed SVG of the sizes GNOME expects (128 and 16), the
# symbolic icon must use the one foreground colour that GTK recolours, and
# when rsvg-convert is installed both must render to a picture that is not
# empty.
#
# Usage: check-icons.py SCALABLE.svg SYMBOLIC.svg   (prints TAP)

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pxtap import Tap  # noqa: E402

SVG = '{http://www.w3.org/2000/svg}'
SYMBOLIC_COLOUR = '#2e3436'


def parse(tap, path, what):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        tap.check(False, '%s icon is well-formed SVG' % what, [str(e)])
        return None
    tap.check(root.tag == SVG + 'svg', '%s icon is well-formed SVG' % what)
    return root


def colours(root):
    found = set()
    for element in root.iter():
        for attribute in ('fill', 'stroke', 'stop-color'):
            value = element.get(attribute)
            if value and value not in ('none',) and not value.startswith('url('):
                found.add(value.lower())
        for value in re.findall(r'(?:fill|stroke|stop-color)\s*:\s*([^;]+)', element.get('style', '')):
            value = value.strip()
            if value != 'none' and not value.startswith('url('):
                found.add(value.lower())
    return found


def png_size_and_ink(data):
    """Returns ((width, height), drawn) for an 8-bit RGBA PNG, drawn being
    whether any pixel is not fully transparent black; None otherwise."""
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        return None
    width, height = int.from_bytes(data[16:20], 'big'), int.from_bytes(data[20:24], 'big')
    bit_depth, colour_type = data[24], data[25]
    if (bit_depth, colour_type) != (8, 6):
        return None
    idat = b''
    offset = 8
    while offset + 8 <= len(data):
        length = int.from_bytes(data[offset:offset + 4], 'big')
        kind = data[offset + 4:offset + 8]
        if kind == b'IDAT':
            idat += data[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + width * 4
    # Whatever the row filters, an image of only zero pixels filters to zeros.
    drawn = any(any(raw[row * stride + 1:(row + 1) * stride]) for row in range(height))
    return (width, height), drawn


def main():
    if len(sys.argv) != 3:
        print('usage: %s SCALABLE.svg SYMBOLIC.svg' % sys.argv[0], file=sys.stderr)
        return 2
    scalable, symbolic = sys.argv[1], sys.argv[2]
    tap = Tap()

    root = parse(tap, scalable, 'scalable')
    if root is not None:
        tap.check(root.get('viewBox') == '0 0 128 128', 'scalable icon has a 128x128 viewBox',
                  ['found %r' % root.get('viewBox')])
        tap.check(len(colours(root)) >= 3, 'scalable icon is in full colour')

    root = parse(tap, symbolic, 'symbolic')
    if root is not None:
        tap.check(root.get('viewBox') == '0 0 16 16', 'symbolic icon has a 16x16 viewBox',
                  ['found %r' % root.get('viewBox')])
        found = colours(root)
        tap.check(found == {SYMBOLIC_COLOUR}, 'symbolic icon uses only %s' % SYMBOLIC_COLOUR,
                  ['found %s' % sorted(found)])
        tap.check(os.path.basename(symbolic).endswith('-symbolic.svg'),
                  'symbolic icon name ends in -symbolic.svg')

    rsvg = shutil.which('rsvg-convert')
    for path, size, what in ((scalable, 128, 'scalable'), (symbolic, 16, 'symbolic')):
        if rsvg is None:
            tap.skip('%s icon renders' % what, 'rsvg-convert is not installed (librsvg2-bin)')
            continue
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, 'icon.png')
            proc = subprocess.run([rsvg, '-w', str(size), '-h', str(size), '-o', out, path],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  universal_newlines=True)
            data = b''
            if proc.returncode == 0 and os.path.exists(out):
                with open(out, 'rb') as f:
                    data = f.read()
            result = png_size_and_ink(data)
            tap.check(result == ((size, size), True),
                      '%s icon renders at %dx%d and is not empty' % (what, size, size),
                      proc.stdout.splitlines() + ['decoded: %r' % (result,)])

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
