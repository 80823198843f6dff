#!/usr/bin/env python3
# Checks that the translations are complete and in step with the sources.
#
# The template is regenerated from po/POTFILES.in into a temporary directory
# (the same xgettext options as meson's "glib" preset), then every language in
# po/LINGUAS must translate every message of it: none missing, none empty,
# none fuzzy, no stale messages left behind, and format strings that match.
# POTFILES.in itself must name every source file with translatable strings,
# so that a new file cannot slip past translation unnoticed.
#
# Usage: check-po.py SOURCE_ROOT   (prints TAP)
#
# To bring a language up to date: meson compile -C BUILD parallax-update-po,
# then translate the entries msgattrib --untranslated / --only-fuzzy shows.

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pxtap import Tap  # noqa: E402

PACKAGE = 'parallax'

# meson's i18n "glib" preset.
XGETTEXT_ARGS = [
    '--from-code=UTF-8',
    '--add-comments',
    '-k_',
    '--keyword=_',
    '--keyword=N_',
    '--keyword=C_:1c,2',
    '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2',
    '--keyword=g_dngettext:2,3',
    '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format',
    '--flag=C_:2:pass-c-format',
    '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format',
    '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format',
    '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format',
    '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format',
    '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format',
    '--flag=g_printerr:1:c-format',
    '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format',
    '--flag=g_sprintf:2:c-format',
    '--flag=g_snprintf:3:c-format',
]

# Where translatable strings live, and how to recognise them.
SOURCE_DIRS = ('app', 'ui', 'src')
C_MARKER = re.compile(r'(?<![A-Za-z0-9_])(?:_|N_|C_|NC_|g_dngettext|g_dpgettext2|ngettext)\s*\(\s*"')
UI_MARKER = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
DATA_FILES = (
    'data/io.github.parallax.Parallax.desktop.in',
    'data/io.github.parallax.Parallax.metainfo.xml.in',
    'data/io.github.parallax.Parallax.gschema.xml',
)

PLURAL_FORMS = {
    'zh_CN': 'nplurals=1; plural=0;',
}


def read_list(path):
    entries = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                entries.append(line)
    return entries


def files_with_strings(root):
    found = []
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(('.c', '.h', '.ui')):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding='utf-8', errors='replace') as f:
                    text = f.read()
                marker = UI_MARKER if name.endswith('.ui') else C_MARKER
                if marker.search(text):
                    found.append(os.path.relpath(path, root))
    return found


def run(argv, **kwargs):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, **kwargs)


def msgids(tool, po_path, *flags):
    """The msgids (with their context) msgattrib selects from po_path."""
    proc = run([tool, '--no-wrap', *flags, po_path])
    entries = []
    for block in proc.stdout.split('\n\n'):
        fields = {}
        current = None
        for line in block.splitlines():
            if line.startswith('#~ '):
                line = line[3:]
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr\S*) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get('msgid'):
            ctxt = fields.get('msgctxt')
            entries.append((ctxt + ' | ' if ctxt is not None else '') + fields['msgid'])
    return entries


def main():
    if len(sys.argv) != 2:
        print('usage: %s SOURCE_ROOT' % sys.argv[0], file=sys.stderr)
        return 2
    root = os.path.abspath(sys.argv[1])
    po_dir = os.path.join(root, 'po')
    tap = Tap()

    listed = read_list(os.path.join(po_dir, 'POTFILES.in'))
    missing = [f for f in listed if not os.path.isfile(os.path.join(root, f))]
    tap.check(listed and not missing, 'every file in POTFILES.in exists', missing)

    unlisted = [f for f in files_with_strings(root) if f not in listed]
    tap.check(not unlisted, 'POTFILES.in lists every .c, .h and .ui file with translatable strings',
              ['add to po/POTFILES.in: %s' % f for f in unlisted])
    unlisted = [f for f in DATA_FILES if f not in listed]
    tap.check(not unlisted, 'POTFILES.in lists the desktop file, metainfo and schema',
              ['add to po/POTFILES.in: %s' % f for f in unlisted])

    languages = read_list(os.path.join(po_dir, 'LINGUAS'))
    languages = [l for line in languages for l in line.split()]
    tap.check('zh_CN' in languages, 'LINGUAS has zh_CN', ['found %r' % languages])

    tools = {t: shutil.which(t) for t in ('xgettext', 'msgmerge', 'msgattrib', 'msgfmt')}
    absent = [t for t, p in tools.items() if p is None]
    if absent:
        tap.skip('translations are complete', '%s not installed (gettext)' % ', '.join(absent))
        return tap.finish()

    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, PACKAGE + '.pot')
        present = [f for f in listed if f not in missing]
        listfile = os.path.join(tmp, 'POTFILES')
        with open(listfile, 'w', encoding='utf-8') as f:
            f.write('\n'.join(present) + '\n')
        proc = run([tools['xgettext'], '--package-name=' + PACKAGE, '-f', listfile,
                    '-D', root, '-o', pot] + XGETTEXT_ARGS)
        output = [l for l in proc.stdout.splitlines() if l.strip()]
        tap.check(proc.returncode == 0 and os.path.exists(pot),
                  'xgettext extracts the template from POTFILES.in', output)
        if proc.returncode != 0 or not os.path.exists(pot):
            return tap.finish()
        # A warning means a string that cannot be translated as written, for
        # example a format built with a macro such as G_GINT64_FORMAT, which
        # xgettext cuts short: use a plain directive and a cast instead.
        warnings = [l for l in output if 'warning' in l]
        tap.check(not warnings, 'xgettext has no warnings about the strings', warnings)
        template = msgids(tools['msgattrib'], pot)
        tap.note('%d messages in the template' % len(template))
        tap.check(len(template) > 0, 'the template has messages')

        for lang in languages:
            po = os.path.join(po_dir, lang + '.po')
            if not os.path.isfile(po):
                tap.check(False, '%s.po exists' % lang)
                continue

            proc = run([tools['msgfmt'], '--check', '--statistics', '-o', os.devnull, po])
            tap.check(proc.returncode == 0, '%s.po passes msgfmt --check' % lang,
                      proc.stdout.splitlines())

            with open(po, encoding='utf-8') as f:
                header = f.read(4000)
            want = PLURAL_FORMS.get(lang)
            if want:
                tap.check('"Plural-Forms: %s\\n"' % want in header,
                          '%s.po has Plural-Forms: %s' % (lang, want))
            tap.check('charset=UTF-8' in header, '%s.po is UTF-8' % lang)

            merged = os.path.join(tmp, lang + '.merged.po')
            proc = run([tools['msgmerge'], '--quiet', '--no-fuzzy-matching', '--no-wrap',
                        '-o', merged, po, pot])
            tap.check(proc.returncode == 0, '%s.po merges with the template' % lang,
                      proc.stdout.splitlines())
            if proc.returncode != 0:
                continue

            untranslated = msgids(tools['msgattrib'], merged, '--untranslated', '--no-obsolete')
            tap.check(not untranslated,
                      '%s translates every message of the template' % lang,
                      ['%d untranslated:' % len(untranslated)] + untranslated)

            fuzzy = msgids(tools['msgattrib'], merged, '--only-fuzzy', '--no-obsolete')
            tap.check(not fuzzy, '%s has no fuzzy translations' % lang,
                      ['%d fuzzy:' % len(fuzzy)] + fuzzy)

            stale = msgids(tools['msgattrib'], merged, '--only-obsolete')
            tap.check(not stale, '%s has no stale messages the sources no longer use' % lang,
                      ['%d stale:' % len(stale)] + stale)

            # With the template's c-format flags, msgfmt checks that each
            # translation keeps the printf directives of its original.
            proc = run([tools['msgfmt'], '--check', '-o', os.devnull, merged])
            tap.check(proc.returncode == 0,
                      '%s keeps the format directives of the template' % lang,
                      proc.stdout.splitlines())

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
