#!/usr/bin/env python3
# Checks the parallax-server systemd unit as built (bindir substituted).
#
# The unit must run the server with the system configuration file, as a
# dynamic user in a locked-down sandbox that can only open IP and local
# sockets, restart it when it fails, and give it more time to stop than the
# server's drain grace. When systemd-analyze is installed, the unit must also
# pass "systemd-analyze verify" without a single complaint.
#
# Usage: check-systemd-unit.py UNIT CONFIG_EXAMPLE [SERVER_EXECUTABLE]
# (prints TAP). SERVER_EXECUTABLE, when it exists, replaces the installed
# path in the copy handed to systemd-analyze, which checks that the command
# is executable.

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pxtap import Tap  # noqa: E402

EXPECTED = {
    'Service': {
        'DynamicUser': 'yes',
        'NoNewPrivileges': 'yes',
        'ProtectSystem': 'strict',
        'ProtectHome': 'yes',
        'PrivateTmp': 'yes',
        'Restart': 'on-failure',
        'KillSignal': 'SIGTERM',
    },
    'Install': {
        'WantedBy': 'multi-user.target',
    },
}


def parse_unit(text):
    """Returns {section: {key: [values]}}; a unit may repeat a key."""
    sections = {}
    current = None
    pending = ''
    for line in text.splitlines():
        line = pending + line.strip()
        pending = ''
        if line.endswith('\\'):
            pending = line[:-1] + ' '
            continue
        if not line or line.startswith(('#', ';')):
            continue
        if line.startswith('[') and line.endswith(']'):
            current = sections.setdefault(line[1:-1], {})
            continue
        if current is None or '=' not in line:
            raise ValueError('not a unit file line: %r' % line)
        key, value = line.split('=', 1)
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def seconds(value):
    """Parses the systemd time spans used here: 35, 35s, 1min, 1min 30s."""
    total = 0.0
    units = {'': 1, 's': 1, 'sec': 1, 'm': 60, 'min': 60, 'ms': 0.001, 'h': 3600}
    parts = re.findall(r'(\d+(?:\.\d+)?)\s*([a-z]*)', value)
    if not parts:
        raise ValueError(value)
    for number, unit in parts:
        total += float(number) * units[unit]
    return total


def main():
    if len(sys.argv) not in (3, 4):
        print('usage: %s UNIT CONFIG_EXAMPLE [SERVER_EXECUTABLE]' % sys.argv[0], file=sys.stderr)
        return 2
    unit_path, config_path = sys.argv[1], sys.argv[2]
    server = sys.argv[3] if len(sys.argv) == 4 else None
    tap = Tap()

    with open(unit_path, encoding='utf-8') as f:
        text = f.read()
    try:
        unit = parse_unit(text)
        tap.check(True, 'unit file parses')
    except ValueError as e:
        tap.check(False, 'unit file parses', [str(e)])
        return tap.finish()

    leftover = [l for l in text.splitlines() if re.search(r'@[A-Za-z_]+@', l)]
    tap.check(not leftover, 'all @variables@ are substituted', leftover)

    service = unit.get('Service', {})
    exec_start = service.get('ExecStart', [''])[-1]
    argv = exec_start.split()
    tap.check(len(argv) >= 3 and os.path.isabs(argv[0])
              and os.path.basename(argv[0]) == 'parallax-server'
              and argv[1:3] == ['--config', '/etc/parallax/server.conf'],
              'ExecStart runs parallax-server --config /etc/parallax/server.conf',
              ['ExecStart=%s' % exec_start])

    for section, keys in EXPECTED.items():
        for key, value in keys.items():
            found = unit.get(section, {}).get(key, [])
            tap.check(found and found[-1] == value, '[%s] %s=%s' % (section, key, value),
                      ['found %r' % found])

    families = ' '.join(service.get('RestrictAddressFamilies', [])).split()
    tap.check(sorted(families) == ['AF_INET', 'AF_INET6', 'AF_UNIX'],
              'RestrictAddressFamilies is exactly AF_INET AF_INET6 AF_UNIX',
              ['found %r' % families])

    # The drain grace comes from the example configuration, where it is
    # documented as a commented-out default: "#drain-grace-seconds=30".
    grace = None
    with open(config_path, encoding='utf-8') as f:
        for line in f:
            m = re.match(r'^#?\s*drain-grace-seconds\s*=\s*(\d+)\s*$', line)
            if m:
                grace = int(m.group(1))
    stop = service.get('TimeoutStopSec', [None])[-1]
    try:
        stop_s = seconds(stop) if stop else None
    except (ValueError, KeyError):
        stop_s = None
    tap.check(grace is not None and stop_s is not None and grace < stop_s <= grace + 30,
              'TimeoutStopSec leaves the drain grace time to finish',
              ['drain-grace-seconds %r, TimeoutStopSec %r' % (grace, stop)])

    analyze = shutil.which('systemd-analyze')
    if analyze is None:
        tap.skip('systemd-analyze verify accepts the unit', 'systemd-analyze is not installed')
        return tap.finish()

    with tempfile.TemporaryDirectory() as tmp:
        copy = os.path.join(tmp, 'parallax-server.service')
        executable = server if server and os.access(server, os.X_OK) else shutil.which('true')
        with open(copy, 'w', encoding='utf-8') as f:
            f.write(text.replace(argv[0], executable, 1) if argv else text)
        proc = subprocess.run([analyze, 'verify', '--man=no', copy],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              universal_newlines=True, cwd=tmp)
        # Complaints about other units of the machine are not ours.
        ours = [l for l in proc.stdout.splitlines() if 'parallax-server' in l]
        tap.check(proc.returncode == 0 and not ours,
                  'systemd-analyze verify accepts the unit (using %s as the command)'
                  % os.path.basename(executable),
                  ours or proc.stdout.splitlines()[-5:])

    return tap.finish()


if __name__ == '__main__':
    sys.exit(main())
