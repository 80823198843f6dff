#!/usr/bin/env python3
# Checks the Flatpak manifest against the permissions policy of the app.
#
# The manifest cannot be built on a machine without Flathub, so this check
# keeps it honest: the sandbox holes it opens are exactly the ones a GNOME
# meeting app needs (display, GPU, audio, network), the camera comes through
# the camera portal (no raw device access, no portal talk-names), the home
# directory stays closed, libportal is built as a module, and the app itself
# is the last module, built from this source tree.
#
# Usage: check-flatpak-manifest.py MANIFEST.json   (prints TAP)

import json
import os
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pxtap import Tap  # noqa: E402

APP_ID = 'io.github.parallax.Parallax'

REQUIRED_FINISH_ARGS = [
    '--socket=wayland',
    '--socket=fallback-x11',
    '--share=ipc',
    '--device=dri',
    '--share=network',
    '--socket=pulseaudio',
]

# Whole-system access that a meeting app must not ask for.
FORBIDDEN_FILESYSTEMS = ('home', 'host', 'host-os', 'host-etc', '~')


def normalize_finish_args(args):
    """Joins "--socket", "wayland" pairs into "--socket=wayland"."""
    result = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith('--') and '=' not in arg and i + 1 < len(args) \
                and not args[i + 1].startswith('--'):
            result.append(arg + '=' + args[i + 1])
            i += 2
        else:
            result.append(arg)
            i += 1
    return result


def load_modules(modules, base_dir, tap):
    """Flattens nested modules and modules kept in separate JSON files."""
    flat = []
    for module in modules:
        if isinstance(module, str):
            path = os.path.join(base_dir, module)
            try:
                with open(path, encoding='utf-8') as f:
                    module = json.load(f)
            except (OSError, ValueError) as e:
                tap.check(False, 'module file %s loads' % module, [str(e)])
                continue
        flat.extend(load_modules(module.get('modules', []), base_dir, tap))
        flat.append(module)
    return flat


def main():
    if len(sys.argv) != 2:
        print('usage: %s MANIFEST.json' % sys.argv[0], file=sys.stderr)
        return 2

    path = sys.argv[1]
    base_dir = os.path.dirname(os.path.abspath(path))
    tap = Tap()

    try:
        with open(path, encoding='utf-8') as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        tap.check(False, 'manifest is strict JSON', [str(e)])
        return tap.finish()
    tap.check(isinstance(manifest, dict), 'manifest is strict JSON')
    if not isinstance(manifest, dict):
        return tap.finish()

    app_id = manifest.get('id', manifest.get('app-id'))
    tap.check(app_id == APP_ID, 'app id is %s' % APP_ID, ['found %r' % app_id])
    tap.check(manifest.get('command') == 'parallax', 'command is parallax',
              ['found %r' % manifest.get('command')])
    tap.check(manifest.get('runtime') == 'org.gnome.Platform'
              and manifest.get('sdk') == 'org.gnome.Sdk',
              'runtime is org.gnome.Platform with org.gnome.Sdk',
              ['runtime %r, sdk %r' % (manifest.get('runtime'), manifest.get('sdk'))])
    version = str(manifest.get('runtime-version', ''))
    tap.check(version.isdigit(), 'runtime-version is a stable GNOME release',
              ['found %r (use a release such as "47", not master or nightly)' % version])

    raw_args = manifest.get('finish-args', [])
    finish_args = normalize_finish_args(raw_args if isinstance(raw_args, list) else [])

    for required in REQUIRED_FINISH_ARGS:
        tap.check(required in finish_args, 'finish-args has %s' % required)

    tap.check('--device=all' not in finish_args,
              'no --device=all (the camera comes through the camera portal)')
    tap.check('--socket=x11' not in finish_args,
              'no --socket=x11 (X11 only as fallback-x11)')

    portal_talk = [a for a in finish_args
                   if a.startswith(('--talk-name=', '--own-name=', '--system-talk-name='))
                   and a.split('=', 1)[1].startswith('org.freedesktop.portal.')]
    tap.check(not portal_talk,
              'no talk-names for org.freedesktop.portal.* (portals are always reachable)',
              portal_talk)

    wide_fs = []
    for arg in finish_args:
        if arg.startswith('--filesystem='):
            location = arg.split('=', 1)[1]
            if location.endswith((':ro', ':rw', ':create')):
                location = location.rsplit(':', 1)[0]
            if location.rstrip('/') in FORBIDDEN_FILESYSTEMS or location in ('/', '~/'):
                wide_fs.append(arg)
    tap.check(not wide_fs, 'no --filesystem=home or host access', wide_fs)

    buses = [a for a in finish_args if a in ('--socket=session-bus', '--socket=system-bus')]
    tap.check(not buses, 'no unfiltered session or system bus', buses)

    modules = load_modules(manifest.get('modules', []), base_dir, tap)
    names = [m.get('name') for m in modules]

    libportal = [m for m in modules if m.get('name') == 'libportal']
    tap.check(len(libportal) == 1, 'libportal is built as a module', ['modules: %s' % names])
    if libportal:
        opts = libportal[0].get('config-opts', [])
        tap.check(libportal[0].get('buildsystem') == 'meson'
                  and any(o in opts for o in ('-Dbackends=gtk4', '-Dbackend-gtk4=enabled')),
                  'libportal is built with meson and its GTK 4 backend', ['config-opts: %s' % opts])

    unpinned = []
    for module in modules:
        for source in module.get('sources', []):
            if isinstance(source, dict) and source.get('type') == 'git' \
                    and not (source.get('tag') or source.get('commit')):
                unpinned.append('%s: %s' % (module.get('name'), source.get('url')))
            if isinstance(source, dict) and source.get('type') in ('archive', 'file') \
                    and not any(k in source for k in ('sha256', 'sha512')):
                unpinned.append('%s: %s' % (module.get('name'), source.get('url')))
    tap.check(not unpinned, 'every downloaded source is pinned (tag, commit or checksum)', unpinned)

    last = modules[-1] if modules else {}
    tap.check(last.get('name') == 'parallax' and last.get('buildsystem') == 'meson',
              'the last module is parallax, built with meson', ['last module: %r' % last.get('name')])
    sources = last.get('sources', [])
    dir_sources = [s for s in sources if isinstance(s, dict) and s.get('type') == 'dir']
    ok = len(dir_sources) == 1 and len(sources) == 1
    if ok:
        tree = os.path.normpath(os.path.join(base_dir, dir_sources[0].get('path', '')))
        try:
            with open(os.path.join(tree, 'meson.build'), encoding='utf-8') as f:
                ok = "project('parallax'" in f.read()
        except OSError:
            ok = False
    tap.check(ok, 'parallax is built from this source tree (one dir source)',
              ['sources: %s' % sources])

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
