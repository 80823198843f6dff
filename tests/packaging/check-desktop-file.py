#!/usr/bin/env python3
# Checks the desktop file as built (translations merged).
#
# desktop-file-validate must accept it without a warning, and the keys the
# app relies on must be right: D-Bus activation under the app id, the icon,
# the categories software centres use, the invite-link scheme, and the
# Simplified Chinese translations merged in from po/.
#
# Usage: check-desktop-file.py BUILT.desktop   (prints TAP)

import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pxtap import Tap  # noqa: E402

APP_ID = 'io.github.parallax.Parallax'


def read_entry(path):
    entry = {}
    group = None
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.rstrip('\n')
            if not line or line.startswith('#'):
                continue
            if line.startswith('['):
                group = line.strip('[]')
                continue
            if group == 'Desktop Entry' and '=' in line:
                key, value = line.split('=', 1)
                entry[key.strip()] = value.strip()
    return entry


def main():
    if len(sys.argv) != 2:
        print('usage: %s BUILT.desktop' % sys.argv[0], file=sys.stderr)
        return 2
    path = sys.argv[1]
    tap = Tap()

    validate = shutil.which('desktop-file-validate')
    if validate:
        proc = subprocess.run([validate, path], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True)
        tap.check(proc.returncode == 0 and not proc.stdout.strip(),
                  'desktop-file-validate reports nothing', proc.stdout.splitlines())
    else:
        tap.skip('desktop-file-validate reports nothing', 'desktop-file-validate is not installed')

    tap.check(os.path.basename(path) == APP_ID + '.desktop',
              'the file is named after the app id (needed for D-Bus activation)')

    entry = read_entry(path)
    expect = {
        'Type': 'Application',
        'Name': 'Parallax',
        'Exec': 'parallax %U',
        'Icon': APP_ID,
        'DBusActivatable': 'true',
        'StartupNotify': 'true',
        'Terminal': 'false',
    }
    for key, value in expect.items():
        tap.check(entry.get(key) == value, '%s=%s' % (key, value), ['found %r' % entry.get(key)])

    categories = entry.get('Categories', '').split(';')
    tap.check('Network' in categories and 'VideoConference' in categories,
              'Categories include Network and VideoConference', ['found %r' % categories])
    tap.check('x-scheme-handler/parallax' in entry.get('MimeType', '').split(';'),
              'MimeType reserves x-scheme-handler/parallax for invite links',
              ['found %r' % entry.get('MimeType')])

    for key in ('GenericName', 'Comment', 'Keywords'):
        tap.check(bool(entry.get(key)), '%s is set' % key)
        tap.check(bool(entry.get(key + '[zh_CN]')), '%s has a zh_CN translation' % key,
                  ['%s[zh_CN] missing: is po/zh_CN.po up to date?' % key])
    keywords = entry.get('Keywords[zh_CN]', '')
    tap.check(keywords.endswith(';') and ';;' not in keywords,
              'translated Keywords keep the semicolon list syntax', ['found %r' % keywords])

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
