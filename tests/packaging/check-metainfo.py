#!/usr/bin/env python3
# Checks the AppStream metainfo as built (translations merged).
#
# "appstreamcli validate --no-net" must report neither errors nor warnings
# (infos and pedantic notes are shown but allowed), and the parts software
# centres show must be present: the launchable, screenshots, an OARS rating,
# a release entry for the version being built, and translations.
#
# Usage: check-metainfo.py BUILT.metainfo.xml PROJECT_VERSION   (prints TAP)

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pxtap import Tap  # noqa: E402

APP_ID = 'io.github.parallax.Parallax'
XML_LANG = '{http://www.w3.org/XML/1998/namespace}lang'


def version_key(version):
    return [int(p) if p.isdigit() else p for p in version.replace('-', '.').split('.')]


def main():
    if len(sys.argv) != 3:
        print('usage: %s BUILT.metainfo.xml PROJECT_VERSION' % sys.argv[0], file=sys.stderr)
        return 2
    path, project_version = sys.argv[1], sys.argv[2]
    tap = Tap()

    appstreamcli = shutil.which('appstreamcli')
    if appstreamcli:
        proc = subprocess.run([appstreamcli, 'validate', '--no-net', '--no-color', path],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True)
        lines = proc.stdout.splitlines()
        for line in lines:
            tap.note(line)
        bad = [l for l in lines if l.startswith(('E:', 'W:'))]
        tap.check(proc.returncode == 0 and not bad,
                  'appstreamcli validate --no-net reports no errors or warnings', bad)
    else:
        tap.skip('appstreamcli validate --no-net reports no errors or warnings',
                 'appstreamcli is not installed')

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        tap.check(False, 'metainfo is well-formed XML', [str(e)])
        return tap.finish()
    tap.check(root.tag == 'component' and root.get('type') == 'desktop-application',
              'a desktop-application component')
    tap.check(root.findtext('id') == APP_ID, 'id is %s' % APP_ID)

    launchable = root.find('launchable')
    tap.check(launchable is not None and launchable.get('type') == 'desktop-id'
              and launchable.text == APP_ID + '.desktop',
              'launchable is the desktop file')

    developer = root.find('developer')
    tap.check(developer is not None and bool(developer.get('id'))
              and bool(developer.findtext('name')), 'developer has an id and a name')

    shots = root.findall('screenshots/screenshot')
    images = [s.findtext('image') or '' for s in shots]
    tap.check(len(shots) >= 1 and all(i.startswith('https://') for i in images)
              and sum(1 for s in shots if s.get('type') == 'default') == 1,
              'screenshots: https images, exactly one default', images)

    rating = root.find('content_rating')
    attributes = {a.get('id'): a.text for a in rating.findall('content_attribute')} \
        if rating is not None else {}
    tap.check(rating is not None and rating.get('type') == 'oars-1.1'
              and attributes.get('social-audio') == 'intense'
              and attributes.get('social-chat') == 'intense',
              'OARS 1.1 rating declares live audio/video and chat with strangers',
              ['found %r' % attributes])

    releases = [r.get('version') for r in root.findall('releases/release')]
    tap.check(bool(releases) and all(r.get('date') for r in root.findall('releases/release')),
              'releases are listed with dates', ['found %r' % releases])
    newest = max(releases, key=version_key) if releases else None
    tap.check(newest == project_version,
              'the newest release is the version being built (%s)' % project_version,
              ['newest release in the metainfo: %r; add a <release> entry' % newest])

    translated = [e for e in root.iter() if e.get(XML_LANG) in ('zh_CN', 'zh-CN')]
    tap.check(any(e.tag == 'summary' for e in translated),
              'summary has a zh_CN translation', ['is po/zh_CN.po up to date?'])
    tap.check(sum(1 for e in translated if e.tag in ('p', 'li')) >= 3,
              'description has zh_CN translations', ['is po/zh_CN.po up to date?'])

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
